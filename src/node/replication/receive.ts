// Receiving and judging: a delta is applied only if its author may write at the delta's
// governance point; a delta naming a point this node has not reached yet is deferred
// (offchain: the governance log is fetched; on a chain: kept until the block is read).
// Governance ops go to the offchain anchor, which judges them.
import { equalBytes, toHex } from '../../crypto/bytes.ts'
import { roleOf } from '../../governance/acl.ts'
import type { GovOp } from '../../governance/offchain/op.ts'
import type { ReceiveOutcome } from '../../sync/dag.ts'
import type { Delta } from '../../sync/delta.ts'
import type { Parts } from './parts.ts'

const DEFERRED = 'its governance point is not known yet'
/** Most deltas from gossip applied in a synchronous transaction (see receiveDeltas). */
const GOSSIP_SYNC_APPLY_MAX = 4
/** Deltas kept per chain-anchored context while their block is not read yet. */
const MAX_WAITING_DELTAS = 4096

type ApplyResult = { ok: true, out: ReceiveOutcome } | { ok: false, reason: string, delta: Delta }

export class Receiver {
  private readonly r: Parts
  /**
   * Chain-anchored contexts' deltas that name a block this node has not read yet, kept
   * (up to MAX_WAITING_DELTAS per context) and judged once it has.
   */
  private readonly waiting = new Map<string, Delta[]>()

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
    const ready = waiting.filter((d) => this.r.c.governance.answers(ctx, d.anchor))
    if (ready.length === 0) return
    const rest = waiting.filter((d) => !ready.includes(d))
    if (rest.length === 0) this.waiting.delete(hex)
    else this.waiting.set(hex, rest)
    this.r.tasks.run('applying waiting deltas', async () => await this.r.receiveDeltas(ctx, ready, null), { context: hex })
  }

  /** Checks and applies deltas from a peer; held ones trigger a fetch of their parents. */
  async receiveDeltas (ctx: Uint8Array, deltas: Delta[], from: string | null): Promise<{ applied: number, rejected: number }> {
    const { c, log } = this.r
    let needGov = false
    const verdicts = deltas.map((d) => {
      const s = c.governance.stateAt(ctx, d.anchor)
      // Not a rejection: the delta is dropped for now and fetched again by the sync below,
      // once this node has the governance ops it was written after.
      if (s === undefined) { needGov = true; return DEFERRED }
      const role = roleOf(s, d.author)
      if (role === undefined) return `author ${toHex(d.author).slice(0, 12)} is not a member at the delta's governance point`
      if (role === 'reader') return `author ${toHex(d.author).slice(0, 12)} is a reader`
      return true as const
    })
    const apply = (): ApplyResult[] => deltas.map((d, i) => {
      const verdict = verdicts[i]!
      if (verdict !== true) return { ok: false as const, reason: verdict, delta: d }
      try {
        return { ok: true as const, out: c.dag.receive(d) }
      } catch (err) {
        return { ok: false as const, reason: (err as Error).message, delta: d }
      }
    })
    // A delta from gossip commits in a transaction of its own, at once: joining the next
    // batched transaction costs several hand-offs between the main thread and LMDB's
    // writer thread, which on a busy machine were most of a hop's latency (p50 of the
    // 5-process propagation benchmark about a third lower). Catch-up batches stay batched.
    const results = from !== null && deltas.length <= GOSSIP_SYNC_APPLY_MAX
      ? c.store.transactionSync(apply)
      : await c.store.transaction(apply)
    let applied = 0
    let rejected = 0
    let held = false
    const announced: Delta[] = []
    for (const r of results) {
      if (!r.ok && r.reason === DEFERRED) {
        log.debug('delta deferred until the governance log catches up', { context: toHex(ctx), delta: toHex(r.delta.id) })
        if (c.governance.onChain(ctx)) this.wait(ctx, r.delta)
        continue
      }
      if (!r.ok) {
        rejected++
        log.warn('rejected delta', { context: toHex(ctx), delta: toHex(r.delta.id), author: toHex(r.delta.author), reason: r.reason })
        continue
      }
      if (r.out.status === 'applied') { applied += r.out.applied.length; announced.push(...r.out.applied) }
      if (r.out.status === 'held') held = true
    }
    for (const d of announced) {
      c.clock.observe(d.hlc)
      c.bus.publish({ contextId: toHex(d.context), type: 'delta', kind: 'received', data: toHex(d.id), deltaId: toHex(d.id), at: d.hlc.ms })
    }
    // On a chain, a point this node has not read yet is waited for (see chainUpdated);
    // offchain, the ops it lacks are fetched with the sync.
    if ((held || (needGov && !c.governance.onChain(ctx))) && from !== null) {
      this.r.tasks.run('sync for held deltas', async () => { await this.r.syncWith(from, ctx) }, { context: toHex(ctx), peer: from }, 'debug')
    }
    return { applied, rejected }
  }

  private wait (ctx: Uint8Array, delta: Delta): void {
    const hex = toHex(ctx)
    const list = this.waiting.get(hex) ?? []
    if (list.some((d) => equalBytes(d.id, delta.id))) return
    list.push(delta)
    // A bound on what a peer can make this node keep: the oldest go (a sync fetches them again).
    if (list.length > MAX_WAITING_DELTAS) list.splice(0, list.length - MAX_WAITING_DELTAS)
    this.waiting.set(hex, list)
    // The point may have been reached while this delta was being judged (the news came
    // then and found nothing waiting): look again, rather than wait for a next block that
    // may never come.
    if (this.r.c.governance.answers(ctx, delta.anchor)) queueMicrotask(() => { this.r.chainUpdated(ctx, false) })
  }

  async receiveOps (ctx: Uint8Array, ops: GovOp[], from: string | null): Promise<void> {
    const gov = this.r.c.governance.offchain
    const outcome = await this.r.c.store.transaction(() => {
      const added: GovOp[] = []
      let held = false
      for (const op of ops) {
        if (!equalBytes(op.context, ctx)) continue
        const o = gov.ingest(op, added)
        if (o.status === 'added') added.push(...o.ops)
        if (o.status === 'held') held = true
      }
      return { added, held }
    })
    if (outcome.added.length > 0) gov.adopt(outcome.added)
    if (outcome.held && from !== null) {
      this.r.tasks.run('governance sync for held ops', async () => { await this.r.syncGov(from, ctx) }, { context: toHex(ctx), peer: from }, 'debug')
    }
  }
}
