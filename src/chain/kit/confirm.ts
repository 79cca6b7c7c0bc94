// Waiting for a sent transaction to count: included, buried as deep as the chain's
// finality asks (or under its finality tag), and still on the canonical chain.
import { TimeoutError, sleep } from '../../async/index.ts'
import type { Finality, Position } from '../../governance/anchor.ts'
import { confirmedPosition, onChain, type HeadSource } from './position.ts'

export interface WaitConfirmedInit<R> {
  source: HeadSource
  finality: Finality
  /** The transaction's inclusion: its position and what the caller needs of it, or undefined while pending. */
  included: () => Promise<{ position: Position, value: R } | undefined>
  intervalMs: number
  timeoutMs: number
  signal?: AbortSignal | undefined
  /** Told of each inclusion seen (the adapter remembers how far the chain got). */
  seen?: (position: Position) => void
  /** The error to throw when `timeoutMs` passes (default TimeoutError). */
  late?: () => Error
}

export async function waitConfirmed<R> (init: WaitConfirmedInit<R>): Promise<R> {
  const deadline = Date.now() + init.timeoutMs
  for (;;) {
    init.signal?.throwIfAborted()
    const hit = await init.included()
    if (hit !== undefined) {
      init.seen?.(hit.position)
      const confirmed = await confirmedPosition(init.source, init.finality)
      if (confirmed !== undefined && confirmed.seq >= hit.position.seq && await onChain(init.source, hit.position)) return hit.value
    }
    if (Date.now() > deadline) throw init.late?.() ?? new TimeoutError(`the transaction was not confirmed in ${init.timeoutMs} ms`)
    await sleep(init.intervalMs, { signal: init.signal })
  }
}
