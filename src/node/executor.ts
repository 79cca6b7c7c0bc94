// Runs application calls against contexts.
//
// Mutations use group commit: calls that arrive while a commit is in flight are run
// together in the next store transaction. Each call runs on its own overlay layer and is
// kept only if it succeeds; the surviving calls of a batch share one signed delta per
// context they touched (xcall included), and the state, delta, heads and root hash
// commit in one transaction. A call is acknowledged only once that commit is durable.
// Governance requests a call makes (moor.propose, moor.approve) are not part of that
// transaction: they are recorded with the call's result, for the node to submit after
// the commit (call-governance.ts).
//
// The write path, top-down: the executor runs the calls (runtime, state overlays), seals
// each written context's state and has the DAG record the signed delta on top of its heads
// (sync/dag.ts), all in one store transaction that the executor owns; once that commit is
// durable it hands the batch's { deltas, events } to the publisher (publisher.ts), which
// sends the deltas to the members and the events to subscribers, and resolves each call
// with its { output, deltas, events, governance }.
import { randomBytes } from 'node:crypto'
import { equalBytes, fromUtf8, toHex } from '../crypto/bytes.ts'
import type { KeyPair } from '../crypto/ed25519.ts'
import { ForbiddenError, HostCallError, NotFoundError, ReadOnlyViolationError, XcallDeniedError } from '../errors/index.ts'
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
import { parseActionsJson, type GovernanceRequest } from './call-governance.ts'
import { MAX_BATCH_CALLS, MAX_CALL_GOVERNANCE_REQUESTS, MAX_XCALL_DEPTH } from './constants.ts'
import type { ContextRecord, Contexts } from './contexts.ts'
import type { Identities } from './identities.ts'
import type { Governance } from './governance.ts'
import type { Publisher } from './publisher.ts'
import type { ContextEvent, Role } from './types.ts'

export interface ExecutorComponents {
  store: Store
  dag: DeltaDag
  runtime: Runtime
  applications: Applications
  contexts: Contexts
  identities: Identities
  governance: Governance
  clock: HybridClock
  logger: Logger
  gas: bigint
  /** Takes each durable batch's deltas and events (to gossip and to subscribers). */
  publisher: Pick<Publisher, 'committed'>
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
  /** Governance requests the call made, in order, to submit once its commit is durable. */
  governance: GovernanceRequest[]
}

/** What a batch accumulates for one (context, author). */
interface BatchFrame {
  key: string
  ctx: ContextRecord
  author: KeyPair
  /** The author's role in the context (governance does not change during a batch). */
  role: Role
  /** Hex of the context's application id (the runtime's cache key). */
  appHex: string
  hlc: Timestamp
  overlay: StateOverlay
  priv: PrivateOverlay
  actions: Action[]
}

/** One call's view of one context: the batch frame, with the call's writes undoable until it ends. */
interface CallFrame {
  batch: BatchFrame
  /** The batch's overlay, with this call open on it (begin; keep or drop when the call ends). */
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

/** A call's outcome; `rootHash` is read in the batch's transaction when no delta of the batch gives it. */
type Outcome = { ok: true, output: Uint8Array | null, gasUsed: bigint, frames: CallFrame[], governance: GovernanceRequest[], rootHash?: Uint8Array } | { ok: false, error: unknown }
type Settled = { ok: true, result: CallResult } | { ok: false, error: unknown }

/**
 * A batch that has run: what its transaction decided. The calls' results are built from
 * it by `settle`, outside the transaction (the next batch waits for the transaction, not
 * for the results).
 */
type Ran = { outcomes: Outcome[], deltas: Map<string, { delta: Delta, rootHash: Uint8Array }> } | { error: unknown }

/**
 * A batch holds one delta per context, from one author; a call acting as another of
 * this node's identities in a context the batch already writes waits for the next batch.
 */
class NextBatch extends Error {}

export class Executor {
  private readonly c: ExecutorComponents
  private queue: Queued[] = []
  private draining = false

  /** Where the runtime gets a module it has not cached. */
  private readonly wasm: (appHex: string) => Uint8Array
  private readonly limits: { gas: bigint }

  constructor (components: ExecutorComponents) {
    this.c = components
    this.wasm = (id) => this.c.applications.wasm(Buffer.from(id, 'hex'))
    this.limits = { gas: components.gas }
  }

  /** Runs a query on committed state; any write fails the call. */
  query (req: CallRequest): CallResult {
    const frames: CallFrame[] = []
    const batches = new Map<string, BatchFrame>()
    const out = this.run(batches, frames, req, 0, [])
    return { output: out.output, gasUsed: out.gasUsed, deltas: [], rootHash: this.c.dag.info(req.context)!.rootHash, events: [], governance: [] }
  }

  /** Queues a mutation for the next group commit; resolves once it is durable. */
  mutate (req: CallRequest): Promise<CallResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ req, resolve, reject })
      if (!this.draining) {
        // drain() settles every call it takes; one it failed before taking them fails them here.
        this.drain().catch((error: unknown) => { for (const q of this.queue.splice(0)) q.reject(error) })
      }
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
        const committed = this.c.store.transaction((): Ran => {
          try {
            let done: Ran
            try {
              done = this.c.store.atomic(() => this.runBatch(batch.map((q) => q.req)))
            } catch (error) {
              done = { error }
            }
            // Calls that must wait for another batch go back to the front of the queue.
            if ('outcomes' in done) {
              const outcomes = done.outcomes
              const retry = batch.filter((_, i) => { const o = outcomes[i]!; return !o.ok && o.error instanceof NextBatch })
              this.queue.unshift(...retry)
            }
            return done
          } finally {
            ran()
          }
        })
        committed.then(async (done) => {
          await this.c.store.flushed()
          const settled = 'outcomes' in done ? this.settle(done) : batch.map(() => ({ ok: false as const, error: done.error }))
          this.publish(settled)
          settled.forEach((s, i) => {
            if (s.ok) batch[i]!.resolve(s.result)
            else if (!(s.error instanceof NextBatch)) batch[i]!.reject(s.error)
          })
        }, (error: unknown) => {
          ran()
          for (const q of batch) q.reject(error)
        }).catch((error: unknown) => {
          // Settling failed (the flush, or the store, broke after the commit): fail the calls
          // still waiting rather than leave them hanging (settled ones ignore this).
          this.c.logger.error('could not settle a committed batch', { error: (error as Error).message })
          for (const q of batch) q.reject(error)
        })
        await hasRun
      }
    } finally {
      this.draining = false
    }
  }

  /** Hands a durable batch's deltas (each once) and its calls' events to the publisher. */
  private publish (settled: Settled[]): void {
    // The calls of a batch share its delta objects: one per context, so identity dedupes.
    const deltas = new Set<Delta>()
    const events: ContextEvent[] = []
    for (let i = 0; i < settled.length; i++) {
      const s = settled[i]!
      if (!s.ok) continue
      for (let j = 0; j < s.result.deltas.length; j++) deltas.add(s.result.deltas[j]!)
      for (let j = 0; j < s.result.events.length; j++) events.push(s.result.events[j]!)
    }
    if (deltas.size > 0 || events.length > 0) this.c.publisher.committed({ deltas: [...deltas], events })
  }

  /**
   * Runs one call as a batch of its own inside the caller's transaction (context
   * creation runs `init` this way, so a failing `init` leaves no context behind). Its
   * caller hands the result to the publisher once that transaction is durable.
   */
  mutateInTransaction (req: CallRequest): CallResult {
    const [s] = this.settle(this.runBatch([req]))
    if (!s!.ok) throw s!.error
    return s!.result
  }

  private runBatch (reqs: CallRequest[]): { outcomes: Outcome[], deltas: Map<string, { delta: Delta, rootHash: Uint8Array }> } {
    const batches = new Map<string, BatchFrame>()
    const outcomes: Outcome[] = reqs.map((req) => {
      const frames: CallFrame[] = []
      const governance: GovernanceRequest[] = []
      try {
        const out = this.run(batches, frames, req, 0, governance)
        for (let j = 0; j < frames.length; j++) {
          const f = frames[j]!
          f.overlay.keep()
          f.batch.priv.merge(f.priv)
          f.batch.actions.push(...f.state.actions)
        }
        return { ok: true, output: out.output, gasUsed: out.gasUsed, frames, governance }
      } catch (error) {
        for (let j = 0; j < frames.length; j++) frames[j]!.overlay.drop()
        return { ok: false, error }
      }
    })
    const deltas = new Map<string, { delta: Delta, rootHash: Uint8Array }>()
    for (const [hex, b] of batches) {
      b.priv.commit()
      if (b.actions.length === 0) continue
      // The governance point the author wrote at: what every peer checks the write against.
      const anchor = this.c.governance.point(b.ctx.id)
      const delta = this.c.dag.createLocal(b.ctx.id, { author: b.author.publicKey, secretKey: b.author.secretKey, hlc: b.hlc, actions: b.actions, anchor })
      // The batch's state of the context commits here; the DAG records the delta on it.
      const rootHash = b.overlay.seal()
      b.overlay.commit()
      this.c.dag.append(delta, rootHash)
      deltas.set(hex, { delta, rootHash })
    }
    // The root hash of a called context the batch did not write, as of this transaction.
    outcomes.forEach((o, i) => {
      // The first frame of a call is the called context's (run() makes it first).
      if (o.ok && deltas.get(o.frames[0]!.batch.key) === undefined) o.rootHash = this.c.dag.info(reqs[i]!.context)!.rootHash
    })
    return { outcomes, deltas }
  }

  /** Each call's result, from what its batch's transaction decided. */
  private settle ({ outcomes, deltas }: { outcomes: Outcome[], deltas: Map<string, { delta: Delta, rootHash: Uint8Array }> }): Settled[] {
    const deltaHex = new Map<Delta, string>()
    return outcomes.map((o) => {
      if (!o.ok) return o
      const called = o.frames[0]!.batch.key
      const own: Delta[] = []
      const events: ContextEvent[] = []
      let calledFrame: CallFrame | undefined
      for (let j = 0; j < o.frames.length; j++) {
        const f = o.frames[j]!
        // A frame's key is the hex of its context id.
        if (calledFrame === undefined && f.batch.key === called) calledFrame = f
        const d = f.state.actions.length > 0 ? deltas.get(f.batch.key)?.delta : undefined
        if (d !== undefined) {
          if (f.batch.key === called) own.unshift(d)
          else own.push(d)
        }
        if (f.events.length === 0) continue
        let id: string | null = null
        if (d !== undefined) {
          id = deltaHex.get(d) ?? null
          if (id === null) deltaHex.set(d, id = toHex(d.id))
        }
        // The events are this call's own objects: completed in place.
        for (let k = 0; k < f.events.length; k++) {
          const e = f.events[k]!
          e.deltaId = id
          events.push(e)
        }
      }
      const rootHash = o.rootHash ?? deltas.get(calledFrame!.batch.key)!.rootHash
      return { ok: true as const, result: { output: o.output, gasUsed: o.gasUsed, deltas: own, rootHash, events, governance: o.governance } }
    })
  }

  private frame (batches: Map<string, BatchFrame>, frames: CallFrame[], ctx: ContextRecord, executor: Uint8Array | null, readOnly: boolean): CallFrame {
    const hex = toHex(ctx.id)
    // A call has one frame per context it touches: the called one, and xcall targets.
    for (let j = 0; j < frames.length; j++) if (frames[j]!.batch.key === hex) return frames[j]!
    const identity = executor ?? ctx.identity
    const batchKey = hex
    let batch = batches.get(batchKey)
    const sameAuthor = batch !== undefined && equalBytes(batch.author.publicKey, identity)
    const role = sameAuthor ? batch!.role : this.c.contexts.roleOf(ctx, identity)
    if (role === undefined) throw new ForbiddenError(`identity ${toHex(identity)} is not a member of context ${hex}`)
    if (!readOnly && role === 'reader') throw new ForbiddenError(`identity ${toHex(identity)} is a reader of context ${hex} and cannot mutate it`, { hint: 'use query, or ask an admin for the member role' })
    if (batch !== undefined && !sameAuthor) throw new NextBatch()
    if (batch === undefined) {
      const author = this.c.identities.get(ctx.id, identity)
      if (author === undefined) throw new NotFoundError(`identity ${toHex(identity)} is not held by this node in context ${hex}`)
      const overlay = new StateOverlay(this.c.store, ctx.id)
      batch = { key: batchKey, ctx, author, role, appHex: toHex(ctx.applicationId), hlc: this.c.clock.now(), overlay, priv: new PrivateOverlay(this.c.store, ctx.id, readOnly), actions: [] }
      batches.set(batchKey, batch)
    }
    const overlay = batch.overlay
    const f: CallFrame = {
      batch,
      overlay,
      // The runtime's host hands over fresh copies of guest memory: kept without copying again.
      state: new RecordingState({ overlay, author: batch.author.publicKey, hlc: batch.hlc, readOnly, firstIndex: batch.actions.length, ownsInputs: true }),
      priv: batch.priv.layer(readOnly),
      events: []
    }
    overlay.begin()
    frames.push(f)
    return f
  }

  /**
   * Runs one call (depth 0) or xcall in its frame; used by CallEnvOf for xcall.
   * `governance` collects the governance requests of the whole call, xcalls included.
   */
  run (batches: Map<string, BatchFrame>, frames: CallFrame[], req: CallRequest, depth: number, governance: GovernanceRequest[]): { output: Uint8Array | null, gasUsed: bigint } {
    const ctx = this.c.contexts.get(req.context)
    const f = this.frame(batches, frames, ctx, req.executor, req.readOnly)
    const env = new CallEnvOf(this, this.c, batches, frames, req, depth, ctx, f, governance)
    return this.c.runtime.call(f.batch.appHex, this.wasm, req.method, env, this.limits)
  }
}

/** The CallEnv of one call in one frame (one object per call rather than a set of closures). */
class CallEnvOf implements CallEnv {
  readonly contextId: Uint8Array
  readonly executor: Uint8Array
  readonly now: number
  readonly readOnly: boolean
  readonly input: Uint8Array
  readonly state: RecordingState
  readonly private: PrivateOverlay
  private readonly x: Executor
  private readonly c: ExecutorComponents
  private readonly batches: Map<string, BatchFrame>
  private readonly frames: CallFrame[]
  private readonly req: CallRequest
  private readonly depth: number
  private readonly ctx: ContextRecord
  private readonly f: CallFrame
  private readonly governance: GovernanceRequest[]

  constructor (x: Executor, c: ExecutorComponents, batches: Map<string, BatchFrame>, frames: CallFrame[], req: CallRequest, depth: number, ctx: ContextRecord, f: CallFrame, governance: GovernanceRequest[]) {
    this.contextId = ctx.id
    this.executor = f.batch.author.publicKey
    this.now = f.batch.hlc.ms
    this.readOnly = req.readOnly
    this.input = req.args
    this.state = f.state
    this.private = f.priv
    this.x = x
    this.c = c
    this.batches = batches
    this.frames = frames
    this.req = req
    this.depth = depth
    this.ctx = ctx
    this.f = f
    this.governance = governance
  }

  emit (kind: string, data: Uint8Array): void {
    const f = this.f
    f.events.push({ contextId: f.batch.key, type: 'app', kind, data: decodeLossy(data), deltaId: null, at: f.batch.hlc.ms })
  }

  xcall (target: Uint8Array, method: string, args: Uint8Array): Uint8Array {
    const ctx = this.ctx
    if (this.depth + 1 > MAX_XCALL_DEPTH) throw new XcallDeniedError(`cross-context calls nest at most ${MAX_XCALL_DEPTH} deep`)
    const targetCtx = this.c.contexts.find(target)
    if (targetCtx === undefined) throw new XcallDeniedError(`xcall target context ${toHex(target)} does not exist on this node`)
    if (!targetCtx.xcallGrants.some((g) => equalBytes(g, ctx.id))) {
      throw new XcallDeniedError(`context ${toHex(target)} does not grant xcall to context ${toHex(ctx.id)}`, { hint: `an admin of the target runs: moor context grant-xcall ${toHex(target)} ${toHex(ctx.id)}` })
    }
    return this.x.run(this.batches, this.frames, { context: target, method, args, executor: null, readOnly: this.req.readOnly }, this.depth + 1, this.governance).output ?? new Uint8Array(0)
  }

  propose (actions: Uint8Array): Uint8Array {
    this.request('propose')
    const parsed = parseActionsJson(actions)
    // Chosen now, so the application can keep the id in the state it writes in this call.
    const proposal = new Uint8Array(randomBytes(32))
    this.governance.push({ type: 'propose', context: this.ctx.id, identity: this.executor, proposal, actions: parsed })
    return proposal
  }

  approve (proposal: Uint8Array): void {
    this.request('approve')
    this.governance.push({ type: 'approve', context: this.ctx.id, identity: this.executor, proposal })
  }

  /** Checks a governance request may be recorded (the host has already refused queries). */
  private request (fn: string): void {
    if (this.readOnly) throw new ReadOnlyViolationError(`${fn}: a query makes no governance requests`)
    if (this.governance.length >= MAX_CALL_GOVERNANCE_REQUESTS) {
      throw new HostCallError(`${fn}: a call makes at most ${MAX_CALL_GOVERNANCE_REQUESTS} governance requests`)
    }
  }

  log (line: string): void {
    this.c.logger.info(line, { context: toHex(this.ctx.id), method: this.req.method })
  }
}

function decodeLossy (data: Uint8Array): string {
  try { return fromUtf8(data) } catch { return Buffer.from(data).toString('base64') }
}
