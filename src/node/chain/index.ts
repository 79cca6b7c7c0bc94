// Chain-anchored contexts on this node. For each one the node follows its anchor's change
// feed (adapters/<chain>/) and keeps, in the store:
//   - the membership timeline (timeline.ts): who was a member at which block, so every
//     node judges a delta by the block its author wrote at, identically;
//   - the position: the block the feed has been read up to (a delta written at a later
//     block waits until this node has read that far);
//   - the group-key shares members published through the contract, in chain order;
//   - every change, for the audit.
// A reorg arrives from the feed as changes with `accepted: false` and a position moved
// back to the fork: what was learnt past the fork is dropped, and read again on the new
// branch. A reorg while the node was stopped is found when it starts again: the stored
// position is checked against the chain, and when it left it, what was learnt past the
// newest stored block still on the chain is dropped and read again.
import { toHex } from '../../crypto/bytes.ts'
import { NotFoundError } from '../../errors/index.ts'
import type { AnchorChange, BlockRef, ChainAnchor, ChainChange, ChainGovernanceView, Receipt, Signer } from '../../governance/anchor.ts'
import type { GovState } from '../../governance/acl.ts'
import type { KeyShareAction } from '../../governance/offchain/op.ts'
import type { GovAction } from '../../governance/types.ts'
import type { Logger } from '../../log/index.ts'
import { key, prefixRange, type Store } from '../../store/index.ts'
import type { ChainAnchorRef, ChainRegistry } from './registry.ts'
import { decodePoint, encodePoint, entryOf, stateOfEntry, stateOfView, Timeline, type Entry } from './timeline.ts'

const META = Uint8Array.of(0)
const ENTRY = Uint8Array.of(1)
const CHANGE = Uint8Array.of(2)

/** How long a submit waits for its change to come back through the feed. */
const SUBMIT_SETTLE_MS = 60_000

/** One change as the node keeps it (the audit, key shares, proposal history). */
export interface ChainChangeRecord {
  id: string
  block: number
  logIndex: number
  author: Uint8Array
  nonce: string
  action: AnchorChange['action']
  revision: number
  /** When this node learnt of it (chains give blocks, not times, in a change). */
  at: number
}

interface Meta { through: BlockRef, createdBlock: number }

interface Tracked {
  ctx: Uint8Array
  hex: string
  ref: ChainAnchorRef
  adapter: ChainAnchor
  timeline: Timeline
  through: BlockRef
  current: GovState
  changes: ChainChangeRecord[]
  /** States at single blocks below the timeline, read on demand. */
  exact: Map<number, GovState | 'loading'>
  queue: Promise<void>
  unwatch: () => void
  /** Bumped each time the context is watched anew: callbacks of an earlier watch are void. */
  watching: number
  /** Waiters for a revision (submit's read-your-writes). */
  waiters: Array<{ revision: number, done: () => void }>
}

export interface ChainGovernanceInit {
  store: Store
  registry: ChainRegistry
  logger: Logger
  /** Told when a context's governance changed (membership, keys, application) or its position moved. */
  onUpdate: (ctx: Uint8Array, update: { changed: boolean }) => void
}

export class ChainGovernance {
  private readonly c: ChainGovernanceInit
  private readonly tracked = new Map<string, Tracked>()
  private closed = false

  constructor (init: ChainGovernanceInit) {
    this.c = init
  }

  tracks (ctx: Uint8Array): boolean {
    return this.tracked.has(toHex(ctx))
  }

  /**
   * Starts following a context: from what the store has (after a restart), or from the
   * view at the confirmed head (`view`, when the caller just read it). The feed then
   * delivers everything after that, and the context's history for its key shares.
   */
  async attach (ctx: Uint8Array, ref: ChainAnchorRef, view?: ChainGovernanceView): Promise<void> {
    const hex = toHex(ctx)
    if (this.tracked.has(hex)) return
    const adapter = await this.c.registry.get(ref)
    const meta = this.c.store.db.anchors.get(key(ctx, META)) as Meta | undefined
    let t: Tracked
    let fromBlock: number
    if (meta !== undefined) {
      const entries = [...this.c.store.db.anchors.getRange(prefixRange(key(ctx, ENTRY)))].map(({ value }) => value as Entry)
      const changes = [...this.c.store.db.anchors.getRange(prefixRange(key(ctx, CHANGE)))].map(({ value }) => value as ChainChangeRecord)
      const timeline = new Timeline(entries)
      if (timeline.last === undefined) throw new NotFoundError(`the stored timeline of context ${hex} is empty`)
      t = this.track(ctx, ref, adapter, timeline, meta.through, stateOfEntry(ctx, timeline.last), changes)
      fromBlock = meta.through.number + 1
      // Invitations, proposals and thresholds are not kept by block: read them again. Then
      // check the stored position is still on the chain (off the start path: the endpoint
      // may be slow or down; the view read first makes the check cheap).
      void this.refreshView(t).catch((err) => { this.c.logger.warn('could not read a chain context\'s view', { context: hex, error: (err as Error).message }) })
        .then(async () => { await this.recheck(t, meta.through, entries) })
        .catch((err) => { this.c.logger.warn('could not check a chain context\'s stored position against the chain', { context: hex, error: (err as Error).message }) })
    } else {
      const v = view ?? await adapter.viewAt(ctx)
      const timeline = new Timeline([entryOf(v)])
      t = this.track(ctx, ref, adapter, timeline, v.block, stateOfView(v), [])
      await this.c.store.transaction(() => {
        this.c.store.db.anchors.put(key(ctx, META), { through: v.block, createdBlock: v.createdBlock } satisfies Meta)
        this.putEntry(ctx, entryOf(v))
      })
      fromBlock = v.createdBlock
    }
    this.follow(t, fromBlock)
  }

  /** Watches the context's changes from `fromBlock` on (instead of any earlier watch). */
  private follow (t: Tracked, fromBlock: number): void {
    t.unwatch()
    const watching = ++t.watching
    const live = (): boolean => t.watching === watching && this.tracked.get(t.hex) === t
    t.unwatch = t.adapter.watch(t.ctx, (change) => { this.enqueue(t, async () => { if (live()) await this.onChange(t, change as ChainChange) }) }, {
      fromBlock,
      onPosition: (block) => { this.enqueue(t, async () => { if (live()) await this.onPosition(t, block) }) }
    })
  }

  private track (ctx: Uint8Array, ref: ChainAnchorRef, adapter: ChainAnchor, timeline: Timeline, through: BlockRef, current: GovState, changes: ChainChangeRecord[]): Tracked {
    const t: Tracked = { ctx, hex: toHex(ctx), ref, adapter, timeline, through, current, changes, exact: new Map(), queue: Promise.resolve(), unwatch: () => {}, watching: 0, waiters: [] }
    this.tracked.set(t.hex, t)
    return t
  }

  /** Stops following a context and forgets what the store kept of it. */
  async forget (ctx: Uint8Array): Promise<void> {
    const t = this.tracked.get(toHex(ctx))
    if (t !== undefined) {
      t.unwatch()
      this.tracked.delete(t.hex)
      await t.queue
    }
    await this.c.store.transaction(() => {
      for (const k of [...this.c.store.db.anchors.getKeys(prefixRange(ctx))]) this.c.store.db.anchors.remove(k)
    })
  }

  state (ctx: Uint8Array): GovState | undefined {
    return this.tracked.get(toHex(ctx))?.current
  }

  /** Where this node writes from now: the block its membership view is read up to. */
  point (ctx: Uint8Array): Uint8Array[] {
    const t = this.require(ctx)
    return [encodePoint(t.through.number)]
  }

  /** Whether this node has read the chain as far as a governance point. */
  knows (ctx: Uint8Array, point: Uint8Array[]): boolean {
    const n = decodePoint(point)
    const t = this.tracked.get(toHex(ctx))
    return t !== undefined && (n === undefined || n <= t.through.number)
  }

  /** Whether stateAt would answer for this point now (it has read that far, or has that old block's state). */
  answers (ctx: Uint8Array, point: Uint8Array[]): boolean {
    return typeof this.lookup(ctx, point) === 'object'
  }

  /**
   * Membership at a delta's governance point: undefined while this node has not read the
   * chain that far (or is reading an older block); a point that names no block has no members.
   */
  stateAt (ctx: Uint8Array, point: Uint8Array[]): GovState | undefined {
    const found = this.lookup(ctx, point)
    if (typeof found === 'object') return found
    if (found !== 'unread') return undefined
    // An old block (before this node followed the context): read it once.
    const t = this.require(ctx)
    const n = decodePoint(point)!
    t.exact.set(n, 'loading')
    void t.adapter.viewAtBlock(ctx, n).then((v) => {
      t.exact.set(n, stateOfEntry(ctx, entryOf(v)))
      this.c.onUpdate(ctx, { changed: false })
    }, (err: unknown) => {
      t.exact.delete(n)
      this.c.logger.warn('could not read membership at an old block', { context: t.hex, block: n, error: (err as Error).message })
    }).catch((err: unknown) => { this.c.logger.warn('could not use membership read at an old block', { context: t.hex, block: n, error: (err as Error).message }) })
    return undefined
  }

  /**
   * What this node knows of membership at a point, without reading anything: the state,
   * or why not — `ahead` (not read that far), `loading` (an old block being read),
   * `unread` (an old block not asked for yet), `untracked`.
   */
  private lookup (ctx: Uint8Array, point: Uint8Array[]): GovState | 'ahead' | 'loading' | 'unread' | 'untracked' {
    const t = this.tracked.get(toHex(ctx))
    if (t === undefined) return 'untracked'
    const n = decodePoint(point)
    if (n === undefined) return { ...t.current, members: new Map() }
    if (n > t.through.number) return 'ahead'
    const e = t.timeline.at(n)
    if (e !== undefined) return stateOfEntry(ctx, e)
    return t.exact.get(n) ?? 'unread'
  }

  /** Group-key shares published through the chain, in chain order. */
  keyShares (ctx: Uint8Array): KeyShareAction[] {
    const t = this.tracked.get(toHex(ctx))
    if (t === undefined) return []
    return t.changes.filter((c) => c.action.type === 'keys').map((c) => c.action as KeyShareAction)
  }

  /** Every change of the context this node knows of, in chain order. */
  changes (ctx: Uint8Array): readonly ChainChangeRecord[] {
    return this.tracked.get(toHex(ctx))?.changes ?? []
  }

  /**
   * Submits a request and waits until this node's view includes it (so the caller reads
   * its own write), up to a minute: with many confirmations it returns before that.
   */
  async submit (ctx: Uint8Array, signer: Signer, action: GovAction | KeyShareAction): Promise<Receipt> {
    const t = this.require(ctx)
    this.c.registry.canSubmit(t.ref.kind)
    const receipt = await t.adapter.submit(ctx, signer, action as GovAction)
    await this.settled(t, receipt.revision)
    return receipt
  }

  async close (): Promise<void> {
    this.closed = true
    for (const t of this.tracked.values()) t.unwatch()
    await Promise.allSettled([...this.tracked.values()].map(async (t) => { await t.queue }))
    this.tracked.clear()
  }

  // ---- the feed ----------------------------------------------------------------

  private enqueue (t: Tracked, fn: () => Promise<void>): void {
    t.queue = t.queue.then(fn).catch((err: unknown) => {
      this.c.logger.warn('chain governance update failed', { context: t.hex, error: (err as Error).message })
    })
  }

  private async onChange (t: Tracked, change: ChainChange): Promise<void> {
    if (this.tracked.get(t.hex) !== t) return
    if (!change.accepted) {
      // Reorged out: forget it and everything learnt from its block on.
      await this.undoFrom(t, change.block)
      this.c.logger.info('a chain change was reorged out', { context: t.hex, block: change.block, action: change.action.type })
      this.c.onUpdate(t.ctx, { changed: true })
      return
    }
    if (t.changes.some((c) => c.block === change.block && c.logIndex === change.logIndex)) return
    const record: ChainChangeRecord = { id: change.id, block: change.block, logIndex: change.logIndex, author: change.author, nonce: change.nonce.toString(), action: change.action, revision: change.revision, at: Date.now() }
    t.changes.push(record)
    let entry: Entry | undefined
    const covered = t.timeline.coveredFrom ?? Infinity
    if (change.block > covered && (t.timeline.last?.block ?? -1) < change.block) {
      const v = await t.adapter.viewAtBlock(t.ctx, change.block)
      entry = entryOf(v)
      t.timeline.add(entry)
      t.current = stateOfView(v)
    }
    await this.c.store.transaction(() => {
      this.c.store.db.anchors.put(key(t.ctx, CHANGE, u64(change.block), u64(change.logIndex)), record)
      if (entry !== undefined) this.putEntry(t.ctx, entry)
    })
    this.release(t)
    this.c.onUpdate(t.ctx, { changed: true })
  }

  private async onPosition (t: Tracked, block: BlockRef): Promise<void> {
    if (this.tracked.get(t.hex) !== t) return
    if (block.number < t.through.number) this.dropAbove(t, block.number)
    t.through = block
    await this.saveThrough(t)
    this.c.onUpdate(t.ctx, { changed: false })
  }

  /** Forgets, here and in the store, every change and entry from `block` on. */
  private async undoFrom (t: Tracked, block: number): Promise<void> {
    t.changes = t.changes.filter((c) => c.block < block)
    this.dropAbove(t, block - 1)
    await this.c.store.transaction(() => {
      for (const k of [...this.c.store.db.anchors.getKeys(prefixRange(key(t.ctx, CHANGE)))]) {
        if (blockOfKey(k) >= block) this.c.store.db.anchors.remove(k)
      }
      for (const e of [...this.c.store.db.anchors.getKeys(prefixRange(key(t.ctx, ENTRY)))]) {
        if (blockOfKey(e) >= block) this.c.store.db.anchors.remove(e)
      }
    })
  }

  /**
   * After a restart: whether the stored position is still on the chain. When it is not
   * (a reorg while this node was stopped, or between a reorg's undo and its new position),
   * the newest stored entry still on the chain is the fork point: what was learnt past it
   * is dropped and the context is watched again from there. With no such entry, the
   * context is followed afresh from the chain's view.
   */
  private async recheck (t: Tracked, through: BlockRef, stored: Entry[]): Promise<void> {
    const onChain = async (number: number, hash: string): Promise<boolean> => {
      try {
        return (await t.adapter.viewAtBlock(t.ctx, number)).block.hash === hash
      } catch (err) {
        // The block (or the context, at it) is not on the chain any more.
        if (err instanceof NotFoundError) return false
        throw err
      }
    }
    if (this.tracked.get(t.hex) !== t || await onChain(through.number, through.hash)) return
    let fork: Entry | undefined
    for (const e of [...stored].sort((x, y) => y.block - x.block)) {
      if (e.block <= through.number && await onChain(e.block, e.hash)) { fork = e; break }
    }
    if (this.closed || this.tracked.get(t.hex) !== t) return
    this.c.logger.warn('the chain reorganised while this node was stopped; reading it again from the fork', { context: t.hex, stored: through.number, fork: fork?.block ?? null })
    if (fork === undefined) {
      await this.forget(t.ctx)
      if (this.closed) return
      await this.attach(t.ctx, t.ref)
      this.c.onUpdate(t.ctx, { changed: true })
      return
    }
    const at = fork
    this.enqueue(t, async () => {
      if (this.closed || this.tracked.get(t.hex) !== t) return
      await this.undoFrom(t, at.block + 1)
      t.through = { number: at.block, hash: at.hash }
      await this.saveThrough(t)
      this.follow(t, at.block + 1)
      this.c.onUpdate(t.ctx, { changed: true })
    })
  }

  /** Forgets what was learnt above `block`; the current state falls back to the newest entry left. */
  private dropAbove (t: Tracked, block: number): void {
    t.timeline.truncateAbove(block)
    if (t.through.number > block) t.through = { number: block, hash: '' }
    for (const n of [...t.exact.keys()]) if (n > block) t.exact.delete(n)
    const last = t.timeline.last
    if (last !== undefined) {
      // Membership and application from the entry; the rest stays until refreshView reads it.
      const { members, application, revision } = stateOfEntry(t.ctx, last)
      t.current = { ...t.current, members, application, revision }
    }
    void this.refreshView(t).catch(() => {})
  }

  /** Reads the full view again (invitations, proposals, thresholds) when it matches the timeline. */
  private async refreshView (t: Tracked): Promise<void> {
    const v = await t.adapter.viewAt(t.ctx)
    if (this.tracked.get(t.hex) !== t) return
    const last = t.timeline.last
    if (last !== undefined && v.revision === last.revision) {
      t.current = stateOfView(v)
      this.c.onUpdate(t.ctx, { changed: true })
    }
  }

  private async settled (t: Tracked, revision: number): Promise<void> {
    if (t.current.revision >= revision) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { t.waiters = t.waiters.filter((w) => w.done !== done); resolve() }, SUBMIT_SETTLE_MS)
      const done = (): void => { clearTimeout(timer); resolve() }
      t.waiters.push({ revision, done })
    })
  }

  private release (t: Tracked): void {
    const ready = t.waiters.filter((w) => t.current.revision >= w.revision)
    t.waiters = t.waiters.filter((w) => t.current.revision < w.revision)
    for (const w of ready) w.done()
  }

  /** Stores the block the context has been read up to. */
  private async saveThrough (t: Tracked): Promise<void> {
    await this.c.store.transaction(() => {
      const meta = this.c.store.db.anchors.get(key(t.ctx, META)) as Meta | undefined
      this.c.store.db.anchors.put(key(t.ctx, META), { through: t.through, createdBlock: meta?.createdBlock ?? 0 } satisfies Meta)
    })
  }

  private putEntry (ctx: Uint8Array, e: Entry): void {
    this.c.store.db.anchors.put(key(ctx, ENTRY, u64(e.block)), e)
  }

  private require (ctx: Uint8Array): Tracked {
    const t = this.tracked.get(toHex(ctx))
    if (t === undefined) throw new NotFoundError(`context ${toHex(ctx)} is not followed on a chain by this node`)
    return t
  }
}

/**
 * The view at the confirmed head once `ready` holds: a new context, or a claim, shows there
 * only once buried `confirmations` deep. A context not there yet is waited for too. Past
 * `waitMs`, throws `late()` (or the last "not found").
 */
export async function confirmedView (adapter: ChainAnchor, ctx: Uint8Array, ready: (v: ChainGovernanceView) => boolean, options: { waitMs: number, pollMs: number, late?: () => Error }): Promise<ChainGovernanceView> {
  const deadline = Date.now() + options.waitMs
  for (;;) {
    let notFound: unknown
    try {
      const v = await adapter.viewAt(ctx)
      if (ready(v)) return v
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err
      notFound = err
    }
    if (Date.now() > deadline) throw options.late?.() ?? notFound
    await new Promise((resolve) => setTimeout(resolve, options.pollMs))
  }
}

function u64 (n: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(n))
  return out
}

/** The block number in an ENTRY or CHANGE key: the 8 bytes after context (32) and tag (1). */
function blockOfKey (k: unknown): number {
  const b = k as Uint8Array
  return Number(new DataView(b.buffer, b.byteOffset + 33, 8).getBigUint64(0))
}
