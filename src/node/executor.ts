// Runs application calls against contexts.
//
// Mutations use group commit: calls that arrive while a commit is in flight are run
// together in the next store transaction. Each call runs on its own overlay layer and is
// kept only if it succeeds; the surviving calls of a batch share one signed delta per
// context they touched (xcall included), and the state, delta, heads and root hash
// commit in one transaction. A call is acknowledged only once that commit is durable.
import { equalBytes, fromUtf8, toHex } from '../crypto/bytes.ts'
import type { KeyPair } from '../crypto/ed25519.ts'
import { ForbiddenError, NotFoundError, XcallDeniedError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'
import type { Runtime } from '../runtime/index.ts'
import type { CallEnv } from '../runtime/types.ts'
import type { Action } from '../state/actions.ts'
import type { HybridClock, Timestamp } from '../state/hlc.ts'
import { StateOverlay } from '../state/overlay.ts'
import { PrivateOverlay } from '../state/private.ts'
import { RecordingState } from '../state/shared-state.ts'
import type { Store } from '../store/index.ts'
import type { DeltaDag } from '../sync/dag.ts'
import type { Delta } from '../sync/delta.ts'
import type { Applications } from './applications.ts'
import { MAX_BATCH_CALLS, MAX_XCALL_DEPTH } from './constants.ts'
import type { ContextRecord, Contexts } from './contexts.ts'
import type { Identities } from './identities.ts'
import type { OffchainAnchor } from '../governance/offchain/index.ts'
import type { ContextEvent } from './types.ts'

export interface ExecutorComponents {
  store: Store
  dag: DeltaDag
  runtime: Runtime
  applications: Applications
  contexts: Contexts
  identities: Identities
  governance: OffchainAnchor
  clock: HybridClock
  logger: Logger
  gas: bigint
  /** Called once per durable batch with the deltas it committed (to publish them). */
  onCommitted?: (deltas: Delta[]) => void
}

export interface CallRequest {
  context: Uint8Array
  method: string
  args: Uint8Array
  /** Identity to act as; null = this node's identity in the context. */
  executor: Uint8Array | null
  readOnly: boolean
}

export interface CallResult {
  output: Uint8Array | null
  gasUsed: bigint
  /** Deltas the call's writes were committed in (shared with its batch). */
  deltas: Delta[]
  /** Root hash of the called context after the call's batch. */
  rootHash: Uint8Array
  events: ContextEvent[]
}

/** What a batch accumulates for one (context, author). */
interface BatchFrame {
  key: string
  ctx: ContextRecord
  author: KeyPair
  hlc: Timestamp
  overlay: StateOverlay
  priv: PrivateOverlay
  actions: Action[]
}

/** One call's view of one context: a layer over the batch frame. */
interface CallFrame {
  batch: BatchFrame
  overlay: StateOverlay
  state: RecordingState
  priv: PrivateOverlay
  events: ContextEvent[]
}

interface Queued {
  req: CallRequest
  resolve: (r: CallResult) => void
  reject: (e: unknown) => void
}

type Outcome = { ok: true, output: Uint8Array | null, gasUsed: bigint, frames: CallFrame[] } | { ok: false, error: unknown }
type Settled = { ok: true, result: CallResult } | { ok: false, error: unknown }

/**
 * A batch holds one delta per context, from one author; a call acting as another of
 * this node's identities in a context the batch already writes waits for the next batch.
 */
class NextBatch extends Error {}

export class Executor {
  private readonly c: ExecutorComponents
  private queue: Queued[] = []
  private draining = false

  constructor (components: ExecutorComponents) {
    this.c = components
  }

  /** Runs a query on committed state; any write fails the call. */
  query (req: CallRequest): CallResult {
    const frames = new Map<string, CallFrame>()
    const batches = new Map<string, BatchFrame>()
    const out = this.run(batches, frames, req, 0)
    return { output: out.output, gasUsed: out.gasUsed, deltas: [], rootHash: this.c.dag.info(req.context)!.rootHash, events: [] }
  }

  /** Queues a mutation for the next group commit; resolves once it is durable. */
  async mutate (req: CallRequest): Promise<CallResult> {
    return await new Promise((resolve, reject) => {
      this.queue.push({ req, resolve, reject })
      if (!this.draining) void this.drain()
    })
  }

  /**
   * Forms batches from the queue. A batch is formed as soon as the previous one has run
   * (not when it has committed), so the next batch executes while the previous commit is
   * written; calls are acknowledged only once their commit is flushed to disk.
   */
  private async drain (): Promise<void> {
    this.draining = true
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH_CALLS)
        let ran: () => void = () => {}
        const hasRun = new Promise<void>((resolve) => { ran = resolve })
        const committed = this.c.store.transaction(() => {
          try {
            let settled: Settled[]
            try {
              settled = this.c.store.atomic(() => this.runBatch(batch.map((q) => q.req)))
            } catch (error) {
              settled = batch.map(() => ({ ok: false as const, error }))
            }
            // Calls that must wait for another batch go back to the front of the queue.
            const retry = batch.filter((_, i) => { const s = settled[i]!; return !s.ok && s.error instanceof NextBatch })
            this.queue.unshift(...retry)
            return settled
          } finally {
            ran()
          }
        })
        committed.then(async (settled) => {
          await this.c.store.flushed()
          this.announce(settled)
          settled.forEach((s, i) => {
            if (s.ok) batch[i]!.resolve(s.result)
            else if (!(s.error instanceof NextBatch)) batch[i]!.reject(s.error)
          })
        }, (error: unknown) => {
          ran()
          for (const q of batch) q.reject(error)
        }).catch(() => {})
        await hasRun
      }
    } finally {
      this.draining = false
    }
  }

  /** Hands each delta of a durable batch to `onCommitted`, once. */
  announce (settled: Settled[]): void {
    if (this.c.onCommitted === undefined) return
    const seen = new Map<string, Delta>()
    for (const s of settled) if (s.ok) for (const d of s.result.deltas) seen.set(toHex(d.id), d)
    if (seen.size > 0) this.c.onCommitted([...seen.values()])
  }

  /**
   * Runs one call as a batch of its own inside the caller's transaction (context
   * creation runs `init` this way, so a failing `init` leaves no context behind).
   */
  mutateInTransaction (req: CallRequest): CallResult {
    const [s] = this.runBatch([req])
    if (!s!.ok) throw s!.error
    return s!.result
  }

  private runBatch (reqs: CallRequest[]): Settled[] {
    const batches = new Map<string, BatchFrame>()
    const outcomes: Outcome[] = reqs.map((req) => {
      const frames = new Map<string, CallFrame>()
      try {
        const out = this.run(batches, frames, req, 0)
        for (const f of frames.values()) {
          f.batch.overlay.merge(f.overlay)
          f.batch.priv.merge(f.priv)
          f.batch.actions.push(...f.state.actions)
        }
        return { ok: true, output: out.output, gasUsed: out.gasUsed, frames: [...frames.values()] }
      } catch (error) {
        return { ok: false, error }
      }
    })
    const deltas = new Map<string, { delta: Delta, rootHash: Uint8Array }>()
    for (const [hex, b] of batches) {
      b.priv.commit()
      if (b.actions.length === 0) continue
      // The governance point the author wrote at: what every peer checks the write against.
      const anchor = this.c.governance.dag(b.ctx.id).currentHeads()
      deltas.set(hex, this.c.dag.commitLocal(b.overlay, { author: b.author.publicKey, secretKey: b.author.secretKey, hlc: b.hlc, actions: b.actions, anchor }))
    }
    return outcomes.map((o, i) => {
      if (!o.ok) return o
      const called = toHex(reqs[i]!.context)
      const own: Delta[] = []
      const events: ContextEvent[] = []
      for (const f of o.frames) {
        const hex = toHex(f.batch.ctx.id)
        const d = f.state.actions.length > 0 ? deltas.get(f.batch.key)?.delta : undefined
        if (d !== undefined) {
          if (hex === called) own.unshift(d)
          else own.push(d)
        }
        for (const e of f.events) events.push({ ...e, deltaId: d === undefined ? null : toHex(d.id) })
      }
      const calledFrame = o.frames.find((f) => toHex(f.batch.ctx.id) === called)
      const rootHash = (calledFrame === undefined ? undefined : deltas.get(calledFrame.batch.key)?.rootHash) ?? this.c.dag.info(reqs[i]!.context)!.rootHash
      return { ok: true as const, result: { output: o.output, gasUsed: o.gasUsed, deltas: own, rootHash, events } }
    })
  }

  private frame (batches: Map<string, BatchFrame>, frames: Map<string, CallFrame>, ctx: ContextRecord, executor: Uint8Array | null, readOnly: boolean): CallFrame {
    const hex = toHex(ctx.id)
    const existing = frames.get(hex)
    if (existing !== undefined) return existing
    const identity = executor ?? ctx.identity
    const role = this.c.contexts.roleOf(ctx, identity)
    if (role === undefined) throw new ForbiddenError(`identity ${toHex(identity)} is not a member of context ${hex}`)
    if (!readOnly && role === 'reader') throw new ForbiddenError(`identity ${toHex(identity)} is a reader of context ${hex} and cannot mutate it`, { hint: 'use query, or ask an admin for the member role' })
    const batchKey = hex
    let batch = batches.get(batchKey)
    if (batch !== undefined && !equalBytes(batch.author.publicKey, identity)) throw new NextBatch()
    if (batch === undefined) {
      const author = this.c.identities.get(ctx.id, identity)
      if (author === undefined) throw new NotFoundError(`identity ${toHex(identity)} is not held by this node in context ${hex}`)
      const overlay = new StateOverlay(this.c.store, ctx.id)
      batch = { key: batchKey, ctx, author, hlc: this.c.clock.now(), overlay, priv: new PrivateOverlay(this.c.store, ctx.id, readOnly), actions: [] }
      batches.set(batchKey, batch)
    }
    const overlay = batch.overlay.layer()
    const f: CallFrame = {
      batch,
      overlay,
      state: new RecordingState({ overlay, author: batch.author.publicKey, hlc: batch.hlc, readOnly, firstIndex: batch.actions.length }),
      priv: batch.priv.layer(readOnly),
      events: []
    }
    frames.set(hex, f)
    return f
  }

  private run (batches: Map<string, BatchFrame>, frames: Map<string, CallFrame>, req: CallRequest, depth: number): { output: Uint8Array | null, gasUsed: bigint } {
    const ctx = this.c.contexts.get(req.context)
    const f = this.frame(batches, frames, ctx, req.executor, req.readOnly)
    const log = this.c.logger
    const env: CallEnv = {
      contextId: ctx.id,
      executor: f.batch.author.publicKey,
      now: f.batch.hlc.ms,
      readOnly: req.readOnly,
      input: req.args,
      state: f.state,
      private: f.priv,
      emit: (kind, data) => {
        f.events.push({ contextId: toHex(ctx.id), type: 'app', kind, data: decodeLossy(data), deltaId: null, at: f.batch.hlc.ms })
      },
      xcall: (target, method, args) => {
        if (depth + 1 > MAX_XCALL_DEPTH) throw new XcallDeniedError(`cross-context calls nest at most ${MAX_XCALL_DEPTH} deep`)
        const targetCtx = this.c.contexts.find(target)
        if (targetCtx === undefined) throw new XcallDeniedError(`xcall target context ${toHex(target)} does not exist on this node`)
        if (!targetCtx.xcallGrants.some((g) => equalBytes(g, ctx.id))) {
          throw new XcallDeniedError(`context ${toHex(target)} does not grant xcall to context ${toHex(ctx.id)}`, { hint: `an admin of the target runs: moor context grant-xcall ${toHex(target)} ${toHex(ctx.id)}` })
        }
        return this.run(batches, frames, { context: target, method, args, executor: null, readOnly: req.readOnly }, depth + 1).output ?? new Uint8Array(0)
      },
      log: (line) => { log.info(line, { context: toHex(ctx.id), method: req.method }) }
    }
    return this.c.runtime.call(ctx.applicationId, (id) => this.c.applications.wasm(Buffer.from(id, 'hex')), req.method, env, { gas: this.c.gas })
  }
}

function decodeLossy (data: Uint8Array): string {
  try { return fromUtf8(data) } catch { return Buffer.from(data).toString('base64') }
}
