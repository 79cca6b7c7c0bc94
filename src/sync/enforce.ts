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
  /** Per context, the ids whose arrival may decide what the last enforcement left open. */
  private readonly awaited = new Map<string, Set<string>>()

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

  /** The removals with a frontier, and their signature (what the voided set was last computed for). */
  private strong (ctx: Uint8Array): { list: Removal[], signature: string } {
    const list = this.removals(ctx).filter((r) => r.frontier !== null)
    return { list, signature: list.map((r) => toHex(r.id)).sort().join() }
  }

  /** Whether the arrival of `id` may decide what the last enforcement in the context left open. */
  awaits (ctx: Uint8Array, id: Uint8Array): boolean {
    return this.awaited.get(toHex(ctx))?.has(toHex(id)) ?? false
  }

  /** Whether the context's removals changed since its voided set was last computed (or that left something undecided). */
  pending (ctx: Uint8Array): boolean {
    const { signature } = this.strong(ctx)
    const done = (this.store.db.voided.get(key(ctx, ENFORCED)) as string | undefined) ?? ''
    return signature !== done
  }

  /**
   * Brings the voided set in line with the context's current removals (inside a
   * transaction): voids what this node applied of a removed identity outside its removal,
   * and restores what a removal now overturned (say one of two concurrent mutual removals,
   * rejected once the other arrived) had voided; then recomputes the state. A removal whose
   * frontier reaches deltas this node lacks leaves the set open: the caller retries as
   * deltas come. Answers the ids whose verdict changed.
   */
  enforce (ctx: Uint8Array): Uint8Array[] {
    const { list, signature } = this.strong(ctx)
    const byAuthor = new Map<string, Removal[]>()
    for (const r of list) byAuthor.set(toHex(r.identity), [...(byAuthor.get(toHex(r.identity)) ?? []), r])
    const current = new Set<string>()
    for (const k of this.store.db.voided.getKeys(prefixRange(key(ctx, VOID)))) current.add(toHex((k as Buffer).subarray(33)))
    const wanted = new Set<string>()
    let undecided = false
    const awaited = new Set<string>()
    for (const { key: k, value } of this.store.db.deltas.getRange(prefixRange(ctx))) {
      const bytes = value as Uint8Array
      if (bytes.byteLength === 0) continue
      const removals = byAuthor.get(toHex(peekDelta(bytes).author))
      if (removals === undefined) continue
      const id = new Uint8Array((k as Buffer).subarray(32))
      const v = judgeRemoved(removals, { id, anchor: decodeDelta(bytes).anchor }, (r) => this.past(ctx, r))
      if (v.status === 'void') wanted.add(toHex(id))
      if (v.status === 'wait') { undecided = true; for (const m of v.missing) awaited.add(toHex(m)) }
    }
    if (undecided) this.awaited.set(toHex(ctx), awaited)
    else this.awaited.delete(toHex(ctx))
    const voidNow = [...wanted].filter((h) => !current.has(h))
    const restore = [...current].filter((h) => !wanted.has(h))
    if (!undecided) this.store.db.voided.put(key(ctx, ENFORCED), signature)
    if (voidNow.length === 0 && restore.length === 0) return []
    for (const h of voidNow) this.store.db.voided.put(key(ctx, VOID, Buffer.from(h, 'hex')), 1)
    for (const h of restore) this.store.db.voided.remove(key(ctx, VOID, Buffer.from(h, 'hex')))
    if (voidNow.length > 0) this.log.warn('undid deltas of a removed member applied before the removal was known', { context: toHex(ctx), deltas: voidNow })
    if (restore.length > 0) this.log.warn('restored deltas whose removal was overturned', { context: toHex(ctx), deltas: restore })
    this.recompute(ctx)
    return [...voidNow, ...restore].map((h) => new Uint8Array(Buffer.from(h, 'hex')))
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
