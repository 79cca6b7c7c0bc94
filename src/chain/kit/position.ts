// Where a chain stands, and when a change on it counts. A chain's order is a sequence of
// positions (blocks, heights, rounds); each has an id (a block hash) that changes when a
// reorg replaces what is there. A chain module declares its finality: a number of
// confirmations (a change counts once that many positions, its own included, are on top)
// or a finality tag its endpoint understands (e.g. `finalized`).
import type { Finality, Position } from '../../governance/anchor.ts'
import type { WaitOptions } from '../../async/index.ts'

export type { Finality, Position }

/** The few reads the kit needs of a chain to know where it stands. */
export interface HeadSource {
  /** The newest position's sequence number; with a tag, the newest one carrying it. */
  head: (tag?: string, options?: WaitOptions) => Promise<number>
  /** The id at `seq` on the canonical chain now; undefined past the head (or when the chain no longer has it). */
  idAt: (seq: number, options?: WaitOptions) => Promise<string | undefined>
}

/** A finality from settings: at least one confirmation, or a tag. */
export function finalityOf (init: { confirmations?: number | undefined, finalityTag?: string | undefined }, defaultConfirmations = 1): Finality {
  if (init.finalityTag !== undefined) return { tag: init.finalityTag }
  return { confirmations: Math.max(1, Math.floor(init.confirmations ?? defaultConfirmations)) }
}

/** The newest position that counts under `finality`, or undefined when the chain has none yet. */
export async function confirmedPosition (source: HeadSource, finality: Finality, options?: WaitOptions): Promise<Position | undefined> {
  const seq = 'tag' in finality
    ? await source.head(finality.tag, options)
    : (await source.head(undefined, options)) - (finality.confirmations - 1)
  if (seq < 0) return undefined
  const id = await source.idAt(seq, options)
  return id === undefined ? undefined : { seq, id }
}

/** Whether a change made at `seq` counts when the chain's head is `head` (confirmations only; a tag asks the chain). */
export function isConfirmed (seq: number, head: number, finality: Finality): boolean {
  return 'tag' in finality ? false : head - seq + 1 >= finality.confirmations
}

/** Whether `p` is still on the canonical chain. */
export async function onChain (source: HeadSource, p: Position, options?: WaitOptions): Promise<boolean> {
  return await source.idAt(p.seq, options) === p.id
}

/**
 * Reads `read(at)` at the confirmed position, and again if a reorg replaced that position
 * while reading (so the result never mixes two branches); gives up with `unstable()` after
 * `attempts` tries.
 */
export async function readStable<T> (source: HeadSource, finality: Finality, read: (at: Position) => Promise<T>, unstable: () => Error, options: WaitOptions & { attempts?: number, at?: Position } = {}): Promise<{ at: Position, value: T }> {
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted()
    const at = options.at ?? await confirmedPosition(source, finality, options)
    if (at === undefined) throw unstable()
    const value = await read(at)
    if (await onChain(source, at, options)) return { at, value }
    if (attempt >= (options.attempts ?? 4)) throw unstable()
  }
}
