// The delta DAG of each context: stored deltas, current heads, and deltas held until
// their parents arrive (then released in a cascade). Every method that writes must run
// inside a store transaction, so state entities, the delta, the heads and the root hash
// of a context always commit together.
import { compareBytes, equalBytes, toHex } from '../crypto/bytes.ts'
import { InvalidDeltaError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'
import { applyAction, type Action } from '../state/actions.ts'
import { ClockDriftError, aheadReason, type Timestamp } from '../state/hlc.ts'
import { makeStamp, rootId } from '../state/ids.ts'
import { newRoot, StateOverlay } from '../state/overlay.ts'
import { key, prefixRange, type Store } from '../store/index.ts'
import { createDelta, decodeDelta, peekDelta, type Delta } from './delta.ts'
import { RemovalEnforcer } from './enforce.ts'
import type { Removal } from './removal.ts'

export interface DagInfo {
  heads: Uint8Array[]
  /** Deltas applied. */
  count: number
  rootHash: Uint8Array
  /** Greatest HLC among applied deltas. */
  hlc: Timestamp
}

export type ReceiveOutcome =
  | { status: 'duplicate' }
  | { status: 'held', missing: Uint8Array[] }
  | { status: 'applied', applied: Delta[] }

export interface ReceiveOptions {
  /** Decides whether a delta's author may write; a string is the rejection reason. */
  authorize?: (delta: Delta) => true | string
}

export interface DeltaDagOptions {
  /** The accepted removals of a context, for strong removal (removal.ts); none by default. */
  removals?: (ctx: Uint8Array) => Removal[]
}

export class DeltaDag {
  private readonly store: Store
  private readonly log: Logger
  private readonly removal: RemovalEnforcer

  constructor (store: Store, log: Logger, options: DeltaDagOptions = {}) {
    this.store = store
    this.log = log
    this.removal = new RemovalEnforcer(store, log, options.removals ?? (() => []))
  }

  /**
   * Strong removal, once this node learns of a removal (and again while a removal's
   * frontier reaches deltas it lacks): undoes the removed identity's deltas outside the
   * removal's causal past, recomputing the state. Runs its own transaction; answers the
   * ids undone.
   */
  async enforceRemovals (context: Uint8Array): Promise<Uint8Array[]> {
    if (!this.removal.pending(context)) return []
    return await this.store.transaction(() => this.removal.enforce(context))
  }

  /** Whether a stored delta was voided by strong removal (kept in the DAG without effect). */
  voided (context: Uint8Array, id: Uint8Array): boolean {
    return this.removal.isVoid(context, id)
  }

  info (context: Uint8Array): DagInfo | undefined {
    return this.store.db.dag.get(Buffer.from(context)) as DagInfo | undefined
  }

  /** Records the empty state and DAG of a new context (inside a transaction); returns the root hash. */
  init (context: Uint8Array): Uint8Array {
    const root = newRoot()
    this.store.db.state.put(key(context, rootId(context)), root)
    const rootHash = root.h
    const info: DagInfo = { heads: [], count: 0, rootHash, hlc: { ms: 0, c: 0 } }
    this.store.db.dag.put(Buffer.from(context), info)
    return rootHash
  }

  has (context: Uint8Array, id: Uint8Array): boolean {
    return this.store.db.deltas.doesExist(key(context, id)) || this.store.db.pending.doesExist(key(context, id))
  }

  get (context: Uint8Array, id: Uint8Array): Uint8Array | undefined {
    return this.store.db.deltas.get(key(context, id)) as Uint8Array | undefined
  }

  /**
   * The signed delta of a local write on top of the context's current heads (inside the
   * transaction that commits it): the writer seals and commits the state it wrote, then
   * has the delta recorded with `append`.
   */
  createLocal (context: Uint8Array, init: { author: Uint8Array, secretKey: Uint8Array, hlc: Timestamp, actions: Action[], anchor?: Uint8Array[] }): Delta {
    const info = this.info(context)
    if (info === undefined) throw new InvalidDeltaError(`context ${toHex(context)} has no DAG`)
    return createDelta({ context, author: init.author, parents: info.heads, anchor: init.anchor ?? [], hlc: init.hlc, actions: init.actions }, init.secretKey)
  }

  /** A delta from a peer, applied to `overlay`: the state commits, then the delta is recorded on it. */
  private commitApplied (overlay: StateOverlay, delta: Delta): Uint8Array {
    const rootHash = overlay.seal()
    overlay.commit()
    this.append(delta, rootHash)
    return rootHash
  }

  /** Stores a delta whose state is committed (its root hash `rootHash`), and advances the heads (inside a transaction). */
  append (delta: Delta, rootHash: Uint8Array): void {
    const ctx = delta.context
    this.store.db.deltas.put(key(ctx, delta.id), delta.bytes)
    const info = this.info(ctx)
    if (info === undefined) throw new InvalidDeltaError(`context ${toHex(ctx)} has no DAG`)
    const heads = info.heads.filter((h) => !delta.parents.some((p) => equalBytes(p, h)))
    heads.push(delta.id)
    heads.sort(compareBytes)
    const hlc = delta.hlc.ms > info.hlc.ms || (delta.hlc.ms === info.hlc.ms && delta.hlc.c > info.hlc.c) ? delta.hlc : info.hlc
    this.store.db.dag.put(Buffer.from(ctx), { heads, count: info.count + 1, rootHash, hlc } satisfies DagInfo)
  }

  /**
   * Takes a delta from a peer (inside a transaction): drops duplicates, holds it while
   * parents are missing, otherwise applies it and every held delta it unblocks.
   */
  receive (delta: Delta, options: ReceiveOptions = {}): ReceiveOutcome {
    const ctx = delta.context
    if (this.has(ctx, delta.id)) return { status: 'duplicate' }
    // A clock far ahead would win every last-writer-wins race and drag this node's clock
    // along: refused, not stored, so a sync fetches it again once its time has come.
    const ahead = aheadReason(delta.hlc)
    if (ahead !== null) throw new ClockDriftError(`delta ${toHex(delta.id)} refused: ${ahead}`)
    const verdict = options.authorize?.(delta) ?? true
    if (verdict !== true) throw new InvalidDeltaError(`delta ${toHex(delta.id)} rejected: ${verdict}`)
    const missing = delta.parents.filter((p) => !this.store.db.deltas.doesExist(key(ctx, p)))
    const applied: Delta[] = []
    if (missing.length > 0) {
      this.store.db.pending.put(key(ctx, delta.id), delta.bytes)
      for (const m of missing) this.store.db.waiting.put(key(ctx, m, delta.id), 1)
      // A removed identity's delta may wait for this one to be known (held is enough) to
      // be judged (see admit): those are released now, and may release this one.
      this.cascade(ctx, [delta.id], applied)
      if (!this.store.db.deltas.doesExist(key(ctx, delta.id))) {
        this.retryRemovals(ctx, [delta])
        return { status: 'held', missing }
      }
    } else {
      const first = this.admit(delta)
      if (first === 'wait') return { status: 'held', missing: [] }
      if (first === 'applied') applied.push(delta)
      this.cascade(ctx, [delta.id], applied)
    }
    this.retryRemovals(ctx, [delta, ...applied])
    return { status: 'applied', applied }
  }

  /** A removal whose frontier reached deltas this node lacked may be decidable once they came (held is enough). */
  private retryRemovals (ctx: Uint8Array, arrived: Delta[]): void {
    if (!arrived.some((d) => this.removal.awaits(ctx, d.id))) return
    queueMicrotask(() => { void this.enforceRemovals(ctx).catch((err: unknown) => { this.log.warn('could not enforce a removal', { context: toHex(ctx), error: (err as Error).message }) }) })
  }

  /** Releases held deltas that waited for `ids` and now have every parent, transitively. */
  private cascade (ctx: Uint8Array, ids: Uint8Array[], applied: Delta[]): void {
    const queue = [...ids]
    while (queue.length > 0) {
      const parent = queue.shift()!
      for (const k of [...this.store.db.waiting.getKeys(prefixRange(key(ctx, parent)))]) {
        const childId = (k as Buffer).subarray(64)
        const bytes = this.store.db.pending.get(key(ctx, childId)) as Uint8Array | undefined
        if (bytes === undefined) { this.store.db.waiting.remove(k); continue }
        const child = decodeDelta(bytes)
        if (!child.parents.every((p) => this.store.db.deltas.doesExist(key(ctx, p)))) {
          // It waits for `parent` itself (held, not stored yet): keep the link.
          if (this.store.db.deltas.doesExist(key(ctx, parent))) this.store.db.waiting.remove(k)
          continue
        }
        this.store.db.waiting.remove(k)
        try {
          // Still held while judged: a walk back from a removal's frontier may pass through it.
          const outcome = this.admit(child)
          if (outcome === 'wait') continue
          this.store.db.pending.remove(key(ctx, childId))
          if (outcome === 'applied') applied.push(child)
          queue.push(child.id)
        } catch (err) {
          this.store.db.pending.remove(key(ctx, childId))
          this.log.warn('held delta rejected', { context: toHex(ctx), delta: toHex(childId), reason: (err as Error).message })
        }
      }
    }
  }

  /**
   * Applies a delta whose parents are all stored — or, by strong removal, stores it
   * without effect ('voided'), or holds it until the deltas its verdict depends on came.
   */
  private admit (delta: Delta): 'applied' | 'voided' | 'wait' {
    const v = this.removal.judge(delta)
    if (v.status === 'wait') {
      const ctx = delta.context
      this.store.db.pending.put(key(ctx, delta.id), delta.bytes)
      for (const m of v.missing) this.store.db.waiting.put(key(ctx, m, delta.id), 1)
      return 'wait'
    }
    if (v.status === 'void') {
      this.removal.markVoid(delta, v.reason)
      this.commitApplied(new StateOverlay(this.store, delta.context), delta)
      return 'voided'
    }
    this.applyRemote(delta)
    return 'applied'
  }

  private applyRemote (delta: Delta): Delta {
    // (only through admit: strong removal judges first)
    const overlay = new StateOverlay(this.store, delta.context)
    delta.actions.forEach((a, i) => { applyAction(overlay, a, makeStamp(delta.hlc, delta.author, i), delta.author) })
    this.commitApplied(overlay, delta)
    return delta
  }

  /** Ids that held deltas wait for and that are not stored (to fetch from peers). */
  missingParents (context: Uint8Array, limit = 1024): Uint8Array[] {
    const out = new Map<string, Uint8Array>()
    for (const k of this.store.db.waiting.getKeys(prefixRange(context))) {
      const parent = (k as Buffer).subarray(32, 64)
      if (!this.store.db.deltas.doesExist(key(context, parent))) out.set(toHex(parent), new Uint8Array(parent))
      if (out.size >= limit) break
    }
    return [...out.values()]
  }

  /** Number of deltas held for missing parents. */
  pendingCount (context: Uint8Array): number {
    return this.store.db.pending.getKeysCount(prefixRange(context))
  }

  /** Removes every trace of a context's state and DAG (inside a transaction). */
  clear (context: Uint8Array): void {
    for (const name of ['deltas', 'pending', 'waiting', 'state', 'children', 'voided'] as const) {
      const db = this.store.db[name]
      for (const k of [...db.getKeys(prefixRange(context))]) db.remove(k)
    }
    this.store.db.dag.remove(Buffer.from(context))
  }
}

/**
 * Deltas a peer lacks, for the `deltas` protocol: the ancestors of `ids` (inclusive) that
 * are not ancestors of the requester's heads `stopAt`, at most `limit` of them, parents
 * before children — so the requester applies each as it comes and holds nothing, however
 * large the deltas (a walk that went out children first made it hold the whole answer).
 *
 * Both sides are walked back together, newest clock first: a delta reached from the
 * requester's heads is one it has, and so is everything behind it. After a fork the
 * shared history is therefore not sent. A clock that runs against causality (only an
 * author can write one) costs at most some deltas sent that the requester has. Deltas
 * known only by id (from a snapshot) end the walk on their path.
 */
export function * walkBack (store: Store, context: Uint8Array, ids: Uint8Array[], stopAt: Uint8Array[], limit: number): Generator<Uint8Array> {
  const read = (id: Uint8Array): Uint8Array | undefined => {
    const bytes = store.db.deltas.get(key(context, id)) as Uint8Array | undefined
    return bytes === undefined || bytes.byteLength === 0 ? undefined : bytes
  }
  // Per delta reached: whether the requester has it, and (for the others) its parents.
  const reached = new Map<string, { theirs: boolean, walked: boolean, id: Uint8Array, parents: Uint8Array[] }>()
  const queue = new ClockHeap()
  let wanted = 0
  const reach = (id: Uint8Array, theirs: boolean): void => {
    const hex = toHex(id)
    const seen = reached.get(hex)
    if (seen !== undefined) {
      // Reached from the requester's side too: it has it (counted only if not walked yet).
      if (theirs && !seen.theirs) { seen.theirs = true; if (!seen.walked) wanted-- }
      return
    }
    const bytes = read(id)
    if (bytes === undefined) return
    const peek = peekDelta(bytes)
    reached.set(hex, { theirs, walked: false, id, parents: peek.parents })
    if (!theirs) wanted++
    queue.push(peek.hlc, hex)
  }
  for (const id of stopAt) reach(id, true)
  for (const id of ids) reach(id, false)
  const send: string[] = []
  // The requester's side is walked at most WALK_PER_DELTA times the limit: a requester
  // whose heads are far newer than what it asks for must not make this node walk its whole
  // history per request. Past that, only what is asked for is walked on; deltas both sides
  // share may then be sent (the requester skips them).
  let theirsWalked = 0
  // Ends when only the requester's side is left to walk, or at the limit.
  while (queue.size > 0 && wanted > 0 && send.length < limit) {
    const hex = queue.pop()!
    const entry = reached.get(hex)!
    entry.walked = true
    if (entry.theirs && theirsWalked++ >= WALK_PER_DELTA * limit) continue
    if (!entry.theirs) { send.push(hex); wanted-- }
    for (const p of entry.parents) reach(p, entry.theirs)
  }
  // Parents first: a depth-first post-order over the deltas to send.
  const chosen = new Set(send.filter((hex) => !reached.get(hex)!.theirs))
  const done = new Set<string>()
  for (const root of chosen) {
    const stack: Array<{ hex: string, next: number }> = [{ hex: root, next: 0 }]
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      if (done.has(top.hex)) { stack.pop(); continue }
      const parents = reached.get(top.hex)!.parents
      if (top.next < parents.length) {
        const p = toHex(parents[top.next++]!)
        if (chosen.has(p) && !done.has(p)) stack.push({ hex: p, next: 0 })
        continue
      }
      done.add(top.hex)
      stack.pop()
      // Read again rather than kept from the walk: it may pass thousands of 4 MiB deltas.
      const bytes = read(reached.get(top.hex)!.id)
      if (bytes !== undefined) yield bytes
    }
  }
}

/** How far walkBack walks the requester's side, per delta it may send. */
const WALK_PER_DELTA = 4

/** A max-heap of delta ids by clock: the newest first. */
class ClockHeap {
  private readonly items: Array<{ at: Timestamp, hex: string }> = []

  get size (): number {
    return this.items.length
  }

  push (at: Timestamp, hex: string): void {
    const a = this.items
    a.push({ at, hex })
    for (let i = a.length - 1; i > 0;) {
      const up = (i - 1) >> 1
      if (!newer(a[i]!.at, a[up]!.at)) break
      ;[a[i], a[up]] = [a[up]!, a[i]!]
      i = up
    }
  }

  pop (): string | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (top === undefined || last === undefined) return undefined
    if (a.length > 0) {
      a[0] = last
      for (let i = 0; ;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && newer(a[l]!.at, a[m]!.at)) m = l
        if (r < a.length && newer(a[r]!.at, a[m]!.at)) m = r
        if (m === i) break
        ;[a[i], a[m]] = [a[m]!, a[i]!]
        i = m
      }
    }
    return top.hex
  }
}

function newer (x: Timestamp, y: Timestamp): boolean {
  return x.ms > y.ms || (x.ms === y.ms && x.c > y.c)
}
