// Chain-anchored contexts on this node. For each one the node follows its anchor's change
// feed (adapters/<chain>/, on the chain kit) from the context's creation, and keeps in
// the store:
//   - every accepted change, in chain order: the input of the membership timeline
//     (timeline.ts, through the shared reducer), the group-key shares, the audit;
//   - the membership entry at each position where the context changed, so every node
//     judges a delta by the position its author wrote at, identically;
//   - the position: how far the feed has been read (a delta written at a later position
//     waits until this node has read that far).
// A reorg arrives from the feed as changes with `accepted: false` and a position moved
// back to the fork: what was learnt past the fork is dropped and the timeline replayed,
// and the new branch is read. A reorg while the node was stopped is found when it starts
// again: the stored position is checked against the chain, and when it left it, what was
// learnt past the newest stored position still on the chain is dropped and read again.
import { TimeoutError, until, withTimeout } from '../../async/index.ts'
import { toHex } from '../../crypto/bytes.ts'
import { AnchorContextMissingError, MoorageError, NotFoundError, type MoorageErrorOptions } from '../../errors/index.ts'
import { GovernanceRejectedError, type ChainAction, type ChainAnchor, type ChainChange, type ChainGovernanceView, type Genesis, type Position, type Receipt, type Signer } from '../../governance/anchor.ts'
import { cloneState, type GovState } from '../../governance/acl.ts'
import type { KeyShareAction } from '../../governance/offchain/op.ts'
import type { Logger } from '../../log/index.ts'
import { key, prefixRange, type Store } from '../../store/index.ts'
import type { ChainChangeRecord, ChainMeta } from './records.ts'
import type { ChainAnchorRef, ChainRegistry } from './registry.ts'
import { decodePoint, encodePoint, entryOf, stateOfEntry, stateOfView, Timeline, type Entry } from './timeline.ts'
import { setChainPosition } from '../../log/metrics.ts'

export type { ChainChangeRecord } from './records.ts'

const META = Uint8Array.of(0)
const ENTRY = Uint8Array.of(1)
const CHANGE = Uint8Array.of(2)

/** How long a submit waits for its change to come back through the feed. */
const SUBMIT_SETTLE_MS = 60_000
/** How long attaching a new context waits for the feed to deliver its history. */
const CATCH_UP_MS = 60_000

interface Tracked {
  ctx: Uint8Array
  hex: string
  ref: ChainAnchorRef
  adapter: ChainAnchor
  genesis: Genesis
  timeline: Timeline
  through: Position
  /** What the node shows: the timeline's state, with the chain's view of the rest when it matches. */
  current: GovState
  changes: ChainChangeRecord[]
  queue: Promise<void>
  unwatch: () => void
  /** Bumped each time the context is watched anew: callbacks of an earlier watch are void. */
  watching: number
  /** Waiters for a revision (submit's read-your-writes). */
  waiters: Array<{ revision: number, done: () => void }>
  /** Set once the chain said it has no such context (a devnet that restarted, say). */
  missing?: { since: number }
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
   * Starts following a context: from what the store has (after a restart), or from its
   * creation, when `view` (a view the caller just read) or the chain says where that is.
   * A new context is returned once the feed delivered its history up to `view`.
   */
  async attach (ctx: Uint8Array, ref: ChainAnchorRef, view?: ChainGovernanceView): Promise<void> {
    const hex = toHex(ctx)
    if (this.tracked.has(hex)) return
    const adapter = await this.c.registry.get(ref)
    const meta = this.c.store.db.anchors.get(key(ctx, META)) as ChainMeta | { version?: undefined } | undefined
    if (meta?.version === 2) {
      const entries = [...this.c.store.db.anchors.getRange(prefixRange(key(ctx, ENTRY)))].map(({ value }) => value as Entry)
      const changes = [...this.c.store.db.anchors.getRange(prefixRange(key(ctx, CHANGE)))].map(({ value }) => value as ChainChangeRecord)
      const t = this.track(ctx, ref, adapter, meta.genesis, meta.through, changes)
      this.replay(t, entries)
      this.follow(t, meta.through.seq + 1)
      // Invitations, proposals and thresholds as the chain shows them; then check the
      // stored position is still on the chain (off the start path: the endpoint may be
      // slow or down).
      void this.refreshView(t).catch((err) => { this.c.logger.warn('could not read a chain context\'s view', { context: hex, error: (err as Error).message }) })
        .then(async () => { await this.recheck(t, meta.through, entries) })
        .catch((err) => { this.c.logger.warn('could not check a chain context\'s stored position against the chain', { context: hex, error: (err as Error).message }) })
      return
    }
    // Nothing stored (or stored by an older version of the node): read it all from the chain.
    if (meta !== undefined) await this.wipe(ctx)
    let v = view
    if (v === undefined) {
      const found = await adapter.lookup(ctx)
      if (!found.found) throw new NotFoundError(`context ${hex} is not on the chain (${found.missing})`)
      v = found.value
    }
    const t = this.track(ctx, ref, adapter, v.genesis, { seq: v.genesis.seq - 1, id: '' }, [])
    await this.c.store.transaction(() => {
      this.putMeta(t)
      this.putEntry(ctx, t.timeline.last)
    })
    this.follow(t, v.genesis.seq)
    const target = v.position.seq
    await withTimeout(CATCH_UP_MS, async (signal) => { await until('the chain feed to deliver the context\'s history', () => t.through.seq >= target, { signal, timeoutMs: CATCH_UP_MS, intervalMs: 10 }) }, { what: 'reading the context\'s history from the chain' })
      .catch((err: unknown) => { if (!(err instanceof TimeoutError)) throw err; this.c.logger.warn('the chain feed is slow to deliver a context\'s history; going on', { context: hex }) })
    void this.refreshView(t).catch(() => {})
  }

  /** Watches the context's changes from position `from` on (instead of any earlier watch). */
  private follow (t: Tracked, from: number): void {
    t.unwatch()
    const watching = ++t.watching
    const live = (): boolean => t.watching === watching && this.tracked.get(t.hex) === t
    t.unwatch = t.adapter.watch(t.ctx, (change) => { this.enqueue(t, async () => { if (live()) await this.onChange(t, change as ChainChange) }) }, {
      from,
      onPosition: (p, behind) => { this.enqueue(t, async () => { if (live()) await this.onPosition(t, p, behind) }) }
    })
  }

  private track (ctx: Uint8Array, ref: ChainAnchorRef, adapter: ChainAnchor, genesis: Genesis, through: Position, changes: ChainChangeRecord[]): Tracked {
    const timeline = new Timeline(ctx, genesis)
    const t: Tracked = { ctx, hex: toHex(ctx), ref, adapter, genesis, timeline, through, current: timeline.state, changes, queue: Promise.resolve(), unwatch: () => {}, watching: 0, waiters: [] }
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
    await this.wipe(ctx)
  }

  state (ctx: Uint8Array): GovState | undefined {
    return this.tracked.get(toHex(ctx))?.current
  }

  /** Where this node writes from now: the position its membership view is read up to. */
  point (ctx: Uint8Array): Uint8Array[] {
    return [encodePoint(this.require(ctx).through.seq)]
  }

  /** Whether this node has read the chain as far as a governance point. */
  knows (ctx: Uint8Array, point: Uint8Array[]): boolean {
    const n = decodePoint(point)
    const t = this.tracked.get(toHex(ctx))
    return t !== undefined && (n === undefined || n <= t.through.seq)
  }

  /** Whether stateAt answers for this point now (this node has read the chain that far). */
  answers (ctx: Uint8Array, point: Uint8Array[]): boolean {
    return this.stateAt(ctx, point) !== undefined
  }

  /**
   * Membership at a delta's governance point: undefined while this node has not read the
   * chain that far; a point that names no position, or one before the context, has no members.
   */
  stateAt (ctx: Uint8Array, point: Uint8Array[]): GovState | undefined {
    const t = this.tracked.get(toHex(ctx))
    if (t === undefined) return undefined
    const n = decodePoint(point)
    if (n !== undefined && n > t.through.seq) return undefined
    const e = n === undefined ? undefined : t.timeline.at(n)
    return e === undefined ? { ...t.current, members: new Map() } : stateOfEntry(ctx, e)
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
  async submit (ctx: Uint8Array, signer: Signer, action: ChainAction, options: { signal?: AbortSignal } = {}): Promise<Receipt> {
    const t = this.require(ctx)
    this.c.registry.canSubmit(t.ref.kind)
    // Asked of the registry at use, not the adapter the context was followed with: the
    // relayer key may have changed since (`moor relayer set` reloads a running node).
    const adapter = await this.c.registry.get(t.ref)
    let receipt: Receipt
    try {
      receipt = await adapter.submit(ctx, signer, action, options)
    } catch (err) {
      if (err instanceof GovernanceRejectedError && err.code === 'UnknownContext') {
        this.markMissing(t, true)
        throw this.missingError(t, err)
      }
      throw withContext(err, t.hex)
    }
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
      // Reorged out: forget it and everything learnt from its position on.
      await this.undoFrom(t, change.position.seq)
      this.c.logger.info('a chain change was reorged out', { context: t.hex, position: change.position.seq, action: change.action.type })
      this.c.onUpdate(t.ctx, { changed: true })
      return
    }
    if (t.changes.some((c) => c.position.seq === change.position.seq && c.index === change.index)) return
    const record: ChainChangeRecord = { id: change.id, position: change.position, index: change.index, author: change.author, nonce: change.nonce.toString(), action: change.action, revision: change.revision, at: change.at }
    t.changes.push(record)
    if (!t.timeline.apply(record)) await this.disagreed(t, record)
    t.current = t.timeline.state
    await this.c.store.transaction(() => {
      this.c.store.db.anchors.put(key(t.ctx, CHANGE, u64(change.position.seq), u64(change.index)), record)
      this.putEntry(t.ctx, t.timeline.last)
    })
    this.release(t)
    this.c.onUpdate(t.ctx, { changed: true })
  }

  /**
   * The reducer refused a change the chain accepted (a chain-only proposal action, or a
   * rule the chain's contract words differently): the chain is the authority. Where it
   * reads past state, its view at the change's position is taken; otherwise the change is
   * counted and the membership left as the reducer had it, loudly.
   */
  private async disagreed (t: Tracked, c: ChainChangeRecord): Promise<void> {
    const found = t.adapter.pastState ? await t.adapter.lookup(t.ctx, { at: c.position.seq }) : undefined
    const s = found?.found === true ? { ...stateOfView(found.value), nonces: t.timeline.state.nonces, commitments: t.timeline.state.commitments } : cloneState(t.timeline.state)
    s.nonces.set(toHex(c.author), BigInt(c.nonce))
    s.revision = c.revision
    t.timeline.record(c.position, s)
    const how = found?.found === true ? 'took the chain\'s view at its position' : 'the chain cannot read past state; membership kept as the reducer had it'
    this.c.logger.warn(`the shared reducer disagrees with the chain about a change; ${how}`, { context: t.hex, position: c.position.seq, action: c.action.type })
  }

  /**
   * Rebuilds the timeline from the stored changes (after a restart or an undo). Where the
   * reducer disagrees with the chain, the stored entry at that position (which the chain
   * said when it was first read) is taken.
   */
  private replay (t: Tracked, stored: Entry[]): void {
    t.timeline = new Timeline(t.ctx, t.genesis)
    const bySeq = new Map(stored.map((e) => [e.position.seq, e]))
    for (const c of t.changes) {
      if (t.timeline.apply(c)) continue
      const e = bySeq.get(c.position.seq)
      const s = e === undefined ? cloneState(t.timeline.state) : { ...cloneState(t.timeline.state), ...stateOfEntry(t.ctx, e), nonces: new Map(t.timeline.state.nonces) }
      s.nonces.set(toHex(c.author), BigInt(c.nonce))
      s.revision = c.revision
      t.timeline.record(c.position, s)
    }
    t.current = t.timeline.state
  }

  private async onPosition (t: Tracked, p: Position, behind: number | undefined): Promise<void> {
    if (this.tracked.get(t.hex) !== t) return
    t.through = p
    setChainPosition(t.ref.kind, t.hex, p.seq, behind)
    await this.c.store.transaction(() => { this.putMeta(t) })
    this.c.onUpdate(t.ctx, { changed: false })
  }

  /** Forgets, here and in the store, every change and entry from position `seq` on. */
  private async undoFrom (t: Tracked, seq: number): Promise<void> {
    const stored = t.timeline.all().filter((e) => e.position.seq < seq)
    t.changes = t.changes.filter((c) => c.position.seq < seq)
    this.replay(t, stored)
    if (t.through.seq >= seq) t.through = { seq: seq - 1, id: '' }
    await this.c.store.transaction(() => {
      for (const k of [...this.c.store.db.anchors.getKeys(prefixRange(key(t.ctx, CHANGE)))]) {
        if (seqOfKey(k) >= seq) this.c.store.db.anchors.remove(k)
      }
      for (const e of [...this.c.store.db.anchors.getKeys(prefixRange(key(t.ctx, ENTRY)))]) {
        if (seqOfKey(e) >= seq) this.c.store.db.anchors.remove(e)
      }
    })
    void this.refreshView(t).catch(() => {})
  }

  /**
   * After a restart: whether the stored position is still on the chain. When it is not
   * (a reorg while this node was stopped), the newest stored entry still on the chain is
   * the fork point: what was learnt past it is dropped and the context is watched again
   * from there. With no such entry, the context is followed afresh from its creation.
   */
  private async recheck (t: Tracked, through: Position, stored: Entry[]): Promise<void> {
    const onChain = async (p: Position): Promise<boolean> => p.id !== '' && await t.adapter.idAt(p.seq) === p.id
    if (this.tracked.get(t.hex) !== t || through.id === '' || await onChain(through)) return
    let fork: Entry | undefined
    for (const e of [...stored].sort((x, y) => y.position.seq - x.position.seq)) {
      if (e.position.seq <= through.seq && await onChain(e.position)) { fork = e; break }
    }
    if (this.closed || this.tracked.get(t.hex) !== t) return
    this.c.logger.warn('the chain reorganised while this node was stopped; reading it again from the fork', { context: t.hex, stored: through.seq, fork: fork?.position.seq ?? null })
    const at = fork?.position ?? { seq: t.genesis.seq - 1, id: '' }
    this.enqueue(t, async () => {
      if (this.closed || this.tracked.get(t.hex) !== t) return
      await this.undoFrom(t, at.seq + 1)
      t.through = at
      await this.c.store.transaction(() => { this.putMeta(t) })
      this.follow(t, at.seq + 1)
      this.c.onUpdate(t.ctx, { changed: true })
    })
  }

  /** Since when the chain has said it has no such context (undefined while it has it). */
  missing (ctx: Uint8Array): { since: number } | undefined {
    return this.tracked.get(toHex(ctx))?.missing
  }

  private markMissing (t: Tracked, missing: boolean): void {
    if (missing === (t.missing !== undefined)) return
    t.missing = missing ? { since: Date.now() } : undefined
    if (missing) this.c.logger.warn('the chain has no such context any more (a devnet that restarted loses its contexts)', { context: t.hex, contract: t.ref.contract, rpc: t.ref.rpc })
    else this.c.logger.info('the chain has the context again', { context: t.hex })
  }

  private missingError (t: Tracked, cause?: unknown): AnchorContextMissingError {
    return new AnchorContextMissingError(`context ${t.hex} is not on its ${t.ref.kind} contract ${t.ref.contract} (via ${t.ref.rpc}) any more`, {
      hint: `the chain behind ${t.ref.rpc} does not have it: a devnet keeps its chain in memory, and restarting it loses every context. Point the node at the chain that has it, or drop the context here with \`moor context delete ${t.hex}\``,
      cause
    })
  }

  /** Takes the chain's view of what is not kept by position (invitations, proposals, thresholds) when it matches the timeline. */
  private async refreshView (t: Tracked): Promise<void> {
    const found = await t.adapter.lookup(t.ctx)
    if (this.tracked.get(t.hex) !== t) return
    this.markMissing(t, !found.found && found.missing === 'no-context')
    if (!found.found) return
    const v = found.value
    if (v.revision !== t.timeline.state.revision) return
    const mine = JSON.stringify(entryOf(v.position, t.timeline.state).members.map((m) => [toHex(m.identity), m.role]).sort())
    const chain = JSON.stringify(v.members.map((m) => [toHex(m.identity), m.role]).sort())
    if (mine !== chain) this.c.logger.warn('the chain lists other members than the replayed timeline; showing the chain\'s', { context: t.hex, revision: v.revision })
    t.current = { ...stateOfView(v), nonces: t.timeline.state.nonces, commitments: t.timeline.state.commitments }
    this.c.onUpdate(t.ctx, { changed: true })
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

  private putMeta (t: Tracked): void {
    this.c.store.db.anchors.put(key(t.ctx, META), { version: 2, through: t.through, genesis: t.genesis } satisfies ChainMeta)
  }

  private putEntry (ctx: Uint8Array, e: Entry): void {
    this.c.store.db.anchors.put(key(ctx, ENTRY, u64(e.position.seq)), e)
  }

  private async wipe (ctx: Uint8Array): Promise<void> {
    await this.c.store.transaction(() => {
      for (const k of [...this.c.store.db.anchors.getKeys(prefixRange(ctx))]) this.c.store.db.anchors.remove(k)
    })
  }

  private require (ctx: Uint8Array): Tracked {
    const t = this.tracked.get(toHex(ctx))
    if (t === undefined) throw new NotFoundError(`context ${toHex(ctx)} is not followed on a chain by this node`)
    return t
  }
}

/**
 * The view at the confirmed head once `ready` holds: a new context, or a claim, shows there
 * only once it counts under the chain's finality. A context not there yet is waited for
 * too. Past `waitMs`, throws `late()` (or NotFoundError).
 */
export async function confirmedView (adapter: ChainAnchor, ctx: Uint8Array, ready: (v: ChainGovernanceView) => boolean, options: { waitMs: number, pollMs: number, late?: () => Error, signal?: AbortSignal }): Promise<ChainGovernanceView> {
  try {
    return await until('the chain to show the context', async () => {
      const found = await adapter.lookup(ctx, options.signal !== undefined ? { signal: options.signal } : {})
      return found.found && ready(found.value) ? found.value : undefined
    }, { timeoutMs: options.waitMs, intervalMs: options.pollMs, signal: options.signal })
  } catch (err) {
    if (!(err instanceof TimeoutError)) throw err
    throw options.late?.() ?? new NotFoundError(`context ${toHex(ctx)} is not on the confirmed chain`)
  }
}

function u64 (n: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(n))
  return out
}

/** The position in an ENTRY or CHANGE key: the 8 bytes after context (32) and tag (1). */
function seqOfKey (k: unknown): number {
  const b = k as Uint8Array
  return Number(new DataView(b.buffer, b.byteOffset + 33, 8).getBigUint64(0))
}

/**
 * A failure of the chain itself (its endpoint, 5xx) also names the context the request was
 * for; the error keeps its class and name. Refusals and input errors are passed as they are.
 */
function withContext (err: unknown, context: string): unknown {
  if (!(err instanceof MoorageError) || err instanceof GovernanceRejectedError || err.status < 500 || err.shortMessage.includes(context)) return err
  const Class = err.constructor as new (message: string, options: MoorageErrorOptions) => MoorageError
  return new Class(`${err.shortMessage} (context ${context})`, { details: err.details, hint: err.hint, cause: err })
}
