// Receiving and judging: a delta is applied only if its author may write at the delta's
// governance point; a delta naming a point this node has not reached yet is deferred
// (offchain: the governance log is fetched; on a chain: kept until the block is read).
// Governance ops go to the offchain anchor, which judges them.
import { equalBytes, toHex } from '../../crypto/bytes.ts'
import { roleOf } from '../../governance/acl.ts'
import type { GovOp } from '../../governance/offchain/op.ts'
import type { ReceiveOutcome } from '../../sync/dag.ts'
import type { Delta } from '../../sync/delta.ts'
import { prefixRange } from '../../store/index.ts'
import { peekDelta } from '../../sync/delta.ts'
import { PUBLISH_MAX_DELTAS, MAX_HELD_BYTES, MAX_HELD_BYTES_PER_AUTHOR, MAX_HELD_DELTAS, MAX_HELD_DELTAS_PER_AUTHOR, MAX_WAITING_BYTES, MAX_WAITING_DELTAS } from '../constants.ts'
import type { Parts } from './parts.ts'
import { countDeltaRejected } from '../../log/metrics.ts'

const DEFERRED = 'its governance point is not known yet'
const HELD_FULL = 'too many deltas held for missing parents'
/** Most deltas from gossip applied in a synchronous transaction (see receiveDeltas): a batched message's. */
const GOSSIP_SYNC_APPLY_MAX = PUBLISH_MAX_DELTAS

type ApplyResult = { ok: true, out: ReceiveOutcome } | { ok: false, reason: string, delta: Delta }

export class Receiver {
  private readonly r: Parts
  /**
   * Chain-anchored contexts' deltas that name a block this node has not read yet, kept
   * (up to MAX_WAITING_DELTAS and MAX_WAITING_BYTES per context, oldest out first) and
   * judged once it has.
   */
  private readonly waiting = new Map<string, { list: Delta[], bytes: number }>()

  constructor (r: Parts) {
    this.r = r
  }

  hasWaiting (ctx: Uint8Array): boolean {
    return this.waiting.has(toHex(ctx))
  }

  /** The chain was read further: judge the deltas that waited for a block now read. */
  releaseWaiting (ctx: Uint8Array): void {
    const hex = toHex(ctx)
    const waiting = this.waiting.get(hex)
    if (waiting === undefined) return
    const ready = waiting.list.filter((d) => this.r.c.governance.answers(ctx, d.anchor))
    if (ready.length === 0) return
    const rest = waiting.list.filter((d) => !ready.includes(d))
    if (rest.length === 0) this.waiting.delete(hex)
    else this.waiting.set(hex, { list: rest, bytes: rest.reduce((n, d) => n + d.bytes.byteLength, 0) })
    this.r.tasks.run('applying waiting deltas', async () => await this.r.receiveDeltas(ctx, ready, null), { context: hex })
  }

  /** Checks and applies deltas from a peer; held ones trigger a fetch of their parents. */
  async receiveDeltas (ctx: Uint8Array, deltas: Delta[], from: string | null): Promise<{ applied: number, rejected: number }> {
    const { c, log } = this.r
    let needGov = false
    const verdicts = deltas.map((d) => {
      if (!equalBytes(d.context, ctx)) return 'the delta is for another context'
      const s = c.governance.stateAt(ctx, d.anchor)
      // Not a rejection: the delta is dropped for now and fetched again by the sync below,
      // once this node has the governance ops it was written after.
      if (s === undefined) { needGov = true; return DEFERRED }
      const role = roleOf(s, d.author)
      if (role === undefined) return `author ${toHex(d.author).slice(0, 12)} is not a member at the delta's governance point`
      if (role === 'reader') return `author ${toHex(d.author).slice(0, 12)} is a reader`
      return true as const
    })
    // Held deltas are bounded per context (count and bytes): beyond the bounds one that
    // would be held is dropped (not a rejection: a sync fetches it again once its parents
    // are in).
    const wouldHold = (d: Delta): boolean => d.parents.some((p) => c.dag.get(ctx, p) === undefined) && !c.dag.has(ctx, d.id)
    const apply = (): ApplyResult[] => deltas.map((d, i) => {
      const verdict = verdicts[i]!
      if (verdict !== true) return { ok: false as const, reason: verdict, delta: d }
      if (wouldHold(d) && !this.roomToHold(ctx, d)) return { ok: false as const, reason: HELD_FULL, delta: d }
      try {
        const out = c.dag.receive(d)
        this.countHeld(ctx, d, out)
        return { ok: true as const, out }
      } catch (err) {
        return { ok: false as const, reason: (err as Error).message, delta: d }
      }
    })
    // A delta from gossip commits in a transaction of its own, at once: joining the next
    // batched transaction costs several hand-offs between the main thread and LMDB's
    // writer thread, which on a busy machine were most of a hop's latency (p50 of the
    // 5-process propagation benchmark about a third lower). A batched message's deltas
    // share that transaction; catch-up batches stay batched.
    const results = from !== null && deltas.length <= GOSSIP_SYNC_APPLY_MAX
      ? c.store.transactionSync(apply)
      : await c.store.transaction(apply)
    let applied = 0
    let rejected = 0
    let holding = false
    const announced: Delta[] = []
    for (const r of results) {
      if (!r.ok && r.reason === HELD_FULL) {
        log.debug('delta dropped: too many held for missing parents', { context: toHex(ctx), delta: toHex(r.delta.id) })
        continue
      }
      if (!r.ok && r.reason === DEFERRED) {
        log.debug('delta deferred until the governance log catches up', { context: toHex(ctx), delta: toHex(r.delta.id) })
        if (c.governance.onChain(ctx)) this.wait(ctx, r.delta)
        continue
      }
      if (!r.ok) {
        rejected++
        countDeltaRejected(r.reason)
        log.warn('rejected delta', { context: toHex(ctx), delta: toHex(r.delta.id), author: toHex(r.delta.author), reason: r.reason })
        continue
      }
      if (r.out.status === 'applied') { applied += r.out.applied.length; announced.push(...r.out.applied) }
      if (r.out.status === 'held') holding = true
    }
    for (const d of announced) c.clock.observe(d.hlc)
    c.publisher.received(announced)
    // On a chain, a point this node has not read yet is waited for (see chainUpdated);
    // offchain, the ops it lacks are fetched with the sync.
    if ((holding || (needGov && !c.governance.onChain(ctx))) && from !== null && this.r.admission.mayTrigger(from, ctx)) {
      this.r.tasks.run('sync for held deltas', async () => { await this.r.syncWith(from, ctx) }, { context: toHex(ctx), peer: from }, 'debug')
    }
    return { applied, rejected }
  }

  /** Deltas held for missing parents in a context, as counted so far (see `held`): in all and per author. */
  private readonly heldTally = new Map<string, HeldTally>()

  /** The held deltas of a context: read from the store on first use, then kept up to date. */
  private held (ctx: Uint8Array, reread = false): HeldTally {
    const hex = toHex(ctx)
    let t = this.heldTally.get(hex)
    if (t === undefined || reread) {
      t = { count: 0, bytes: 0, byAuthor: new Map() }
      for (const { value } of this.r.c.store.db.pending.getRange(prefixRange(ctx))) {
        const bytes = value as Uint8Array
        tally(t, toHex(peekDelta(bytes).author), bytes.byteLength)
      }
      this.heldTally.set(hex, t)
    }
    return t
  }

  private roomToHold (ctx: Uint8Array, d: Delta): boolean {
    const size = d.bytes.byteLength
    const author = toHex(d.author)
    const fits = (t: HeldTally): boolean => {
      const mine = t.byAuthor.get(author) ?? { count: 0, bytes: 0 }
      return t.count < MAX_HELD_DELTAS && t.bytes + size <= MAX_HELD_BYTES &&
        mine.count < MAX_HELD_DELTAS_PER_AUTHOR && mine.bytes + size <= MAX_HELD_BYTES_PER_AUTHOR
    }
    // The tally only errs high (a held delta the DAG rejects on release is not seen here):
    // read the store again before refusing, unless the author is over its share by the
    // tally already (a flood of one author's orphans must not cost a store scan each).
    if (fits(this.held(ctx))) return true
    const mine = this.held(ctx).byAuthor.get(author)
    if (mine !== undefined && mine.count >= MAX_HELD_DELTAS_PER_AUTHOR) return false
    return fits(this.held(ctx, true))
  }

  private countHeld (ctx: Uint8Array, d: Delta, out: ReceiveOutcome): void {
    const t = this.held(ctx)
    if (out.status === 'held') tally(t, toHex(d.author), d.bytes.byteLength)
    // Every delta a cascade applied after the first came out of the held ones.
    if (out.status === 'applied') {
      for (const x of out.applied.slice(1)) tally(t, toHex(x.author), -x.bytes.byteLength)
    }
  }

  /** The context's held deltas changed outside this receiver (a snapshot, a deletion). */
  forgetHeld (ctx: Uint8Array): void {
    this.heldTally.delete(toHex(ctx))
  }

  private wait (ctx: Uint8Array, delta: Delta): void {
    const hex = toHex(ctx)
    const w = this.waiting.get(hex) ?? { list: [], bytes: 0 }
    if (w.list.some((d) => equalBytes(d.id, delta.id))) return
    w.list.push(delta)
    w.bytes += delta.bytes.byteLength
    // A bound on what a peer can make this node keep: the oldest go (a sync fetches them again).
    while (w.list.length > MAX_WAITING_DELTAS || (w.bytes > MAX_WAITING_BYTES && w.list.length > 1)) w.bytes -= w.list.shift()!.bytes.byteLength
    this.waiting.set(hex, w)
    // The point may have been reached while this delta was being judged (the news came
    // then and found nothing waiting): look again, rather than wait for a next block that
    // may never come.
    if (this.r.c.governance.answers(ctx, delta.anchor)) queueMicrotask(() => { this.r.chainUpdated(ctx, false) })
  }

  /** Takes in ops from a peer; answers the gated reveals refused (`admission`: the claimant's own push). */
  async receiveOps (ctx: Uint8Array, ops: GovOp[], from: string | null, admission = false): Promise<Array<{ op: GovOp, reason: string }>> {
    const gov = this.r.c.governance.offchain
    // Gated claims are proven against the chain first: a reveal that fails is not stored.
    const refused = await this.r.c.claimGate?.refusals(gov.state(ctx), ops, { admission }) ?? []
    if (refused.length > 0) ops = ops.filter((op) => !refused.some((r) => r.op === op))
    // Judged before stored (wallet signatures, then admissible, clock in bounds; missing parents held, bounded).
    const taken = await gov.vetted(ctx, ops)
    const outcome = await this.r.c.store.transaction(() => gov.ingestAll(ctx, taken))
    if (outcome.added.length > 0) gov.adopt(outcome.added)
    if (outcome.held && from !== null && this.r.admission.mayTrigger(from, ctx)) {
      this.r.tasks.run('governance sync for held ops', async () => { await this.r.syncGov(from, ctx) }, { context: toHex(ctx), peer: from }, 'debug')
    }
    return refused
  }
}

interface Tally { count: number, bytes: number }
interface HeldTally extends Tally { byAuthor: Map<string, Tally> }

/** Adds one held delta of `bytes` by `author` to the tally (negative bytes: takes one out). */
function tally (t: HeldTally, author: string, bytes: number): void {
  const sign = bytes < 0 ? -1 : 1
  const mine = t.byAuthor.get(author) ?? { count: 0, bytes: 0 }
  for (const x of [t, mine]) { x.count = Math.max(0, x.count + sign); x.bytes = Math.max(0, x.bytes + bytes) }
  if (mine.count === 0) t.byAuthor.delete(author)
  else t.byAuthor.set(author, mine)
}
