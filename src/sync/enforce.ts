// Strong removal inside the delta DAG (the rule: removal.ts): judging a delta by a
// removed identity as it arrives, and undoing — when a node learns of a removal — the
// deltas it applied before that fall outside the removal's frontier. A voided delta stays
// in the DAG (stored, served, its children apply) and is marked in `voided`; the state is
// recomputed from every delta that remains, parents first.
import { equalBytes, toHex } from '../crypto/bytes.ts'
import type { Logger } from '../log/index.ts'
import { applyAction } from '../state/actions.ts'
import { makeStamp, rootId } from '../state/ids.ts'
import { newRoot, StateOverlay } from '../state/overlay.ts'
import { key, prefixRange, type Store } from '../store/index.ts'
import type { DagInfo } from './dag.ts'
import { decodeDelta, peekDelta, type Delta } from './delta.ts'
import { judgeRemoved, type PastOfFrontier, type Removal, type RemovalVerdict } from './removal.ts'

const VOID = Uint8Array.of(0)
const ENFORCED = Uint8Array.of(1)

export class RemovalEnforcer {
  private readonly store: Store
  private readonly log: Logger
  private readonly removals: (ctx: Uint8Array) => Removal[]
  /** Walks back from a removal's frontier, once complete (they never change). */
  private readonly pasts = new Map<string, PastOfFrontier>()

  constructor (store: Store, log: Logger, removals: (ctx: Uint8Array) => Removal[]) {
    this.store = store
    this.log = log
    this.removals = removals
  }

  isVoid (ctx: Uint8Array, id: Uint8Array): boolean {
    return this.store.db.voided.doesExist(key(ctx, VOID, id))
  }

  /** The verdict on a delta arriving from a peer. */
  judge (delta: Delta): RemovalVerdict {
    const mine = this.removals(delta.context).filter((r) => equalBytes(r.identity, delta.author))
    if (mine.length === 0) return { status: 'admit' }
    return judgeRemoved(mine, delta, (r) => this.past(delta.context, r, delta))
  }

  /** Records a delta as voided (inside the transaction that stores it). */
  markVoid (delta: Delta, reason: string): void {
    this.store.db.voided.put(key(delta.context, VOID, delta.id), 1)
    this.log.warn('rejected delta of a removed member: kept in the DAG without effect', { context: toHex(delta.context), delta: toHex(delta.id), author: toHex(delta.author), reason })
  }

  /** Whether a context has removals with a frontier that were not enforced yet. */
  pending (ctx: Uint8Array): boolean {
    return this.removals(ctx).some((r) => r.frontier !== null && !this.store.db.voided.doesExist(key(ctx, ENFORCED, r.id)))
  }

  /**
   * Undoes (inside a transaction) what this node applied before it knew of a removal and
   * that falls outside it. A removal whose frontier reaches deltas this node lacks is
   * enforced later (the caller retries once more deltas came). Answers the ids voided.
   */
  enforce (ctx: Uint8Array): Uint8Array[] {
    const open = this.removals(ctx).filter((r) => r.frontier !== null && !this.store.db.voided.doesExist(key(ctx, ENFORCED, r.id)))
    if (open.length === 0) return []
    const authors = new Set(open.map((r) => toHex(r.identity)))
    const applied: Array<{ id: Uint8Array, anchor: Uint8Array[], author: string }> = []
    for (const { key: k, value } of this.store.db.deltas.getRange(prefixRange(ctx))) {
      const bytes = value as Uint8Array
      if (bytes.byteLength === 0) continue
      const peek = peekDelta(bytes)
      const author = toHex(peek.author)
      if (!authors.has(author)) continue
      const id = new Uint8Array((k as Buffer).subarray(32))
      if (this.isVoid(ctx, id)) continue
      applied.push({ id, anchor: decodeDelta(bytes).anchor, author })
    }
    const undo: Uint8Array[] = []
    for (const r of open) {
      const past = this.past(ctx, r)
      if (past.missing.length > 0) continue
      for (const d of applied) {
        if (d.author !== toHex(r.identity) || undo.some((u) => equalBytes(u, d.id))) continue
        const v = judgeRemoved([r], d, () => past)
        if (v.status === 'void') undo.push(d.id)
      }
      this.store.db.voided.put(key(ctx, ENFORCED, r.id), 1)
    }
    if (undo.length === 0) return []
    for (const id of undo) this.store.db.voided.put(key(ctx, VOID, id), 1)
    this.log.warn('undid deltas of a removed member applied before the removal was known', { context: toHex(ctx), deltas: undo.map(toHex) })
    this.recompute(ctx)
    return undo
  }

  /**
   * Rebuilds a context's state from its deltas that are not voided, parents first. A node
   * that joined from a snapshot lacks the bodies of the history before it: it drops its
   * state and history instead, and the next sync takes a fresh snapshot from a peer.
   */
  private recompute (ctx: Uint8Array): void {
    const info = this.store.db.dag.get(Buffer.from(ctx)) as DagInfo
    const nodes = new Map<string, { parents: string[] }>()
    let bodiless = false
    for (const { key: k, value } of this.store.db.deltas.getRange(prefixRange(ctx))) {
      const bytes = value as Uint8Array
      if (bytes.byteLength === 0) { bodiless = true; break }
      nodes.set(toHex((k as Buffer).subarray(32)), { parents: peekDelta(bytes).parents.map(toHex) })
    }
    for (const name of ['state', 'children'] as const) {
      for (const k of [...this.store.db[name].getKeys(prefixRange(ctx))]) this.store.db[name].remove(k)
    }
    const root = newRoot()
    this.store.db.state.put(key(ctx, rootId(ctx)), root)
    if (bodiless) {
      for (const name of ['deltas', 'pending', 'waiting'] as const) {
        for (const k of [...this.store.db[name].getKeys(prefixRange(ctx))]) this.store.db[name].remove(k)
      }
      this.store.db.dag.put(Buffer.from(ctx), { heads: [], count: 0, rootHash: root.h, hlc: info.hlc } satisfies DagInfo)
      this.log.warn('history before a snapshot cannot be replayed: state dropped, a fresh snapshot is fetched at the next sync', { context: toHex(ctx) })
      return
    }
    // Kahn's order over the stored DAG.
    const children = new Map<string, string[]>()
    const indegree = new Map<string, number>()
    for (const [id, n] of nodes) {
      const known = n.parents.filter((p) => nodes.has(p))
      indegree.set(id, known.length)
      for (const p of known) children.set(p, [...(children.get(p) ?? []), id])
    }
    const ready = [...indegree].filter(([, d]) => d === 0).map(([id]) => id)
    let rootHash = root.h
    while (ready.length > 0) {
      const id = ready.pop()!
      const bin = new Uint8Array(Buffer.from(id, 'hex'))
      if (!this.isVoid(ctx, bin)) {
        const delta = decodeDelta(this.store.db.deltas.get(key(ctx, bin)) as Uint8Array)
        const overlay = new StateOverlay(this.store, ctx)
        delta.actions.forEach((a, i) => { applyAction(overlay, a, makeStamp(delta.hlc, delta.author, i), delta.author) })
        rootHash = overlay.seal()
        overlay.commit()
      }
      for (const c of children.get(id) ?? []) {
        const left = indegree.get(c)! - 1
        indegree.set(c, left)
        if (left === 0) ready.push(c)
      }
    }
    this.store.db.dag.put(Buffer.from(ctx), { ...info, rootHash } satisfies DagInfo)
  }

  /** The ids authored by the removed identity in the causal past of the removal's frontier. */
  private past (ctx: Uint8Array, r: Removal, judging?: Delta): PastOfFrontier {
    const cacheKey = `${toHex(ctx)}:${toHex(r.id)}`
    const cached = this.pasts.get(cacheKey)
    if (cached !== undefined) return cached
    const authored = new Set<string>()
    const missing: Uint8Array[] = []
    const seen = new Set<string>()
    const queue = [...(r.frontier ?? [])]
    const who = toHex(r.identity)
    while (queue.length > 0) {
      const id = queue.pop()!
      const hex = toHex(id)
      if (seen.has(hex)) continue
      seen.add(hex)
      // The delta being judged counts as known: the frontier may descend from it.
      const bytes = (this.store.db.deltas.get(key(ctx, id)) ?? this.store.db.pending.get(key(ctx, id)) ?? (judging !== undefined && equalBytes(judging.id, id) ? judging.bytes : undefined)) as Uint8Array | undefined
      if (bytes === undefined) { missing.push(id); continue }
      // Known by id only (a snapshot): everything below it came with the snapshot too.
      if (bytes.byteLength === 0) continue
      const peek = peekDelta(bytes)
      if (toHex(peek.author) === who) authored.add(hex)
      queue.push(...peek.parents)
    }
    const past = { authored, missing }
    if (missing.length === 0) this.pasts.set(cacheKey, past)
    return past
  }
}
