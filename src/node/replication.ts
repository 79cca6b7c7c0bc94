// Replication of contexts between member nodes: gossip of new deltas, governance ops and
// heartbeats on one topic per context, and catch-up over request/response streams
// (governance log, heads, deltas by id, snapshot, application WASM). Every payload is
// encrypted under the context's group key; every delta and op is checked (signature,
// membership at its governance point) before anything is applied.
import { randomBytes } from 'node:crypto'
import { decode, encode } from 'cborg'
import { concatBytes, equalBytes, toHex, utf8 } from '../crypto/bytes.ts'
import type { KeyPair } from '../crypto/ed25519.ts'
import { sha256 } from '../crypto/hash.ts'
import { unwrapKey, wrapKey } from '../crypto/keywrap.ts'
import { open, seal } from '../crypto/secretbox.ts'
import { DecryptionError, MoorageError, NotFoundError } from '../errors/index.ts'
import { checkOpenClaim, pendingInvitees, roleOf, type GovState } from '../governance/acl.ts'
import { newGroupKey, shareAction, type GroupKey, type KeyringView } from '../governance/group-keys.ts'
import { decodeOp, type GovOp } from '../governance/offchain/op.ts'
import type { Logger } from '../log/index.ts'
import type { Network } from '../network/index.ts'
import type { HybridClock } from '../state/hlc.ts'
import type { Store } from '../store/index.ts'
import { walkBack, type DeltaDag, type ReceiveOutcome } from '../sync/dag.ts'
import { decodeDelta, peekDelta, type Delta } from '../sync/delta.ts'
import { openEnvelope, parseEnvelope, sealEnvelope, type EnvelopeKind } from '../sync/envelope.ts'
import { decodePage, encodePage, exportSnapshot, SnapshotImport, type SnapshotCursor } from '../sync/snapshot.ts'
import { decodeRequest, encodeRequest, PROTOCOLS, SyncAuthError } from '../sync/wire.ts'
import type { Applications } from './applications.ts'
import { HEARTBEAT_MS, IDLE_HEARTBEAT_MS, KEY_DUTY_DELAY_MS, SYNC_BATCH_DELTAS, APP_CHUNK_BYTES } from './constants.ts'
import type { ContextRecord, Contexts } from './contexts.ts'
import type { EventBus } from './events.ts'
import type { Governance } from './governance.ts'
import type { Identities } from './identities.ts'
import type { SyncProgressEvent, SyncStatusInfo } from './types.ts'

export interface ReplicationComponents {
  network: Network
  store: Store
  dag: DeltaDag
  governance: Governance
  contexts: Contexts
  identities: Identities
  applications: Applications
  bus: EventBus
  clock: HybridClock
  logger: Logger
  heartbeatMs?: number
}

export type SyncStatus = SyncStatusInfo
export type SyncProgress = SyncProgressEvent

export class SyncError extends MoorageError {
  static override readonly status: number = 502
  override name = 'SyncError'
}

const topicOf = (ctx: Uint8Array): string => `moorage/ctx/${toHex(ctx)}`
const EMPTY = new Uint8Array(0)
const DEFERRED = 'its governance point is not known yet'
/** Most deltas from gossip applied in a synchronous transaction (see receiveDeltas). */
const GOSSIP_SYNC_APPLY_MAX = 4
/** Deltas kept per chain-anchored context while their block is not read yet. */
const MAX_WAITING_DELTAS = 4096

type ApplyResult = { ok: true, out: ReceiveOutcome } | { ok: false, reason: string, delta: Delta }

export class Replicator {
  private readonly c: ReplicationComponents
  private readonly log: Logger
  private readonly subscribed = new Set<string>()
  private readonly keyCache = new Map<string, Map<string, Uint8Array>>()
  private readonly keyrings = new Map<string, KeyringView>()
  private readonly lastSync = new Map<string, number>()
  private readonly lastError = new Map<string, string>()
  private readonly running = new Map<string, Promise<void>>()
  private readonly joining = new Set<string>()
  /**
   * Chain-anchored contexts' deltas that name a block this node has not read yet, kept
   * (up to MAX_WAITING_DELTAS per context) and judged once it has.
   */
  private readonly waiting = new Map<string, Delta[]>()
  private readonly duties = new Map<string, ReturnType<typeof setTimeout>>()
  /** The key duty under way per context: duties run one at a time, each seeing what the last one shared. */
  private readonly dutiesRunning = new Map<string, Promise<void>>()
  /** What the last heartbeat that reached a peer announced, per context, and when. */
  private readonly beats = new Map<string, { state: string, at: number }>()
  private timer: ReturnType<typeof setInterval> | undefined
  private stopped = false

  constructor (components: ReplicationComponents) {
    this.c = components
    this.log = components.logger
  }

  async start (): Promise<void> {
    const n = this.c.network
    await n.handle(PROTOCOLS.gov, this.serveGov)
    await n.handle(PROTOCOLS.heads, this.serveHeads)
    await n.handle(PROTOCOLS.deltas, this.serveDeltas)
    await n.handle(PROTOCOLS.snapshot, this.serveSnapshot)
    await n.handle(PROTOCOLS.app, this.serveApp)
    await n.handle(PROTOCOLS.push, this.servePush)
    this.c.governance.offchain.onAdopt = (ops) => { this.governanceAdopted(ops) }
    for (const rec of this.c.contexts.all()) this.refreshMembership(rec)
    this.timer = setInterval(() => { void this.heartbeat() }, this.c.heartbeatMs ?? HEARTBEAT_MS)
    this.timer.unref?.()
    n.on('peer:connect', (peer) => {
      // A new connection may bring history we lack (or lack ours): compare heads.
      for (const hex of this.subscribed) void this.syncWith(peer, Buffer.from(hex, 'hex')).catch(() => {})
    })
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) clearInterval(this.timer)
    for (const t of this.duties.values()) clearTimeout(t)
    await Promise.allSettled([...this.running.values()])
  }

  // ---- keys and membership -------------------------------------------------

  private me (ctx: Uint8Array): KeyPair | undefined {
    const rec = this.c.contexts.find(ctx)
    return rec === undefined ? undefined : this.c.identities.get(ctx, rec.identity)
  }

  keyring (ctx: Uint8Array): KeyringView {
    const hex = toHex(ctx)
    const cached = this.keyrings.get(hex)
    if (cached !== undefined) return cached
    const me = this.me(ctx)
    const cache = this.keyCache.get(hex) ?? new Map<string, Uint8Array>()
    this.keyCache.set(hex, cache)
    const ring = me === undefined ? { known: new Map(), holders: new Map(), stale: false } : this.c.governance.keyring(ctx, me, cache)
    this.keyrings.set(hex, ring)
    return ring
  }

  private keyById (ctx: Uint8Array): (id: string) => Uint8Array | undefined {
    return (id) => this.keyring(ctx).known.get(id)?.key
  }

  private state (ctx: Uint8Array): GovState | undefined {
    return this.c.governance.state(ctx)
  }

  /** Marks a context as being joined (see syncWith); returns the function that ends it. */
  beginJoin (ctx: Uint8Array): () => void {
    const hex = toHex(ctx)
    this.joining.add(hex)
    return () => { this.joining.delete(hex) }
  }

  /** Re-reads a context's membership (after its record was created, e.g. on join). */
  refresh (ctx: Uint8Array): void {
    const hex = toHex(ctx)
    this.keyrings.delete(hex)
    const rec = this.c.contexts.find(ctx)
    if (rec !== undefined) {
      this.refreshMembership(rec)
    } else if (this.subscribed.delete(hex)) {
      // The context was deleted here: stop following its topic.
      this.c.network.unsubscribe(topicOf(ctx))
      this.keyCache.delete(hex)
    }
  }

  /** Subscribes to a context's topic while this node is a member; leaves it otherwise. */
  private refreshMembership (rec: ContextRecord): void {
    const hex = toHex(rec.id)
    const s = this.state(rec.id)
    const member = s !== undefined && roleOf(s, rec.identity) !== undefined
    if (member && !this.subscribed.has(hex)) {
      this.subscribed.add(hex)
      this.c.network.subscribe(topicOf(rec.id), (msg) => { void this.onMessage(rec.id, msg.from, msg.data) })
    } else if (!member && this.subscribed.has(hex)) {
      this.subscribed.delete(hex)
      this.c.network.unsubscribe(topicOf(rec.id))
      this.log.info('no longer a member: left the context topic', { context: hex })
      this.c.bus.publish({ contextId: hex, type: 'delta', kind: 'membership-lost', data: '', deltaId: null, at: Date.now() })
    }
  }

  /**
   * A chain-anchored context's governance changed (membership, keys, application) or the
   * chain was read further: re-read membership and keys, and sync what waited for it.
   */
  chainUpdated (ctx: Uint8Array, changed: boolean): void {
    const hex = toHex(ctx)
    if (changed) {
      this.keyrings.delete(hex)
      const rec = this.c.contexts.find(ctx)
      if (rec === undefined) return
      this.refreshMembership(rec)
      this.scheduleKeyDuties(ctx)
    }
    // Deltas set aside because they named a block this node had not read yet.
    const waiting = this.waiting.get(hex)
    if (waiting === undefined) return
    const ready = waiting.filter((d) => this.c.governance.answers(ctx, d.anchor))
    if (ready.length === 0) return
    const rest = waiting.filter((d) => !ready.includes(d))
    if (rest.length === 0) this.waiting.delete(hex)
    else this.waiting.set(hex, rest)
    void this.receiveDeltas(ctx, ready, null).catch((err: unknown) => { this.log.warn('could not apply waiting deltas', { context: hex, error: (err as Error).message }) })
  }

  /** Governance ops became part of a log (ours or a peer's). */
  private governanceAdopted (ops: GovOp[]): void {
    const contexts = new Map<string, Uint8Array>()
    for (const op of ops) contexts.set(toHex(op.context), op.context)
    for (const [hex, ctx] of contexts) {
      this.keyrings.delete(hex)
      const rec = this.c.contexts.find(ctx)
      if (rec === undefined) continue
      // Publish the ops this node authored; peers' ops already travel.
      const mine = ops.filter((op) => toHex(op.context) === hex && this.c.identities.get(ctx, op.author) !== undefined)
      if (mine.length > 0) void this.publishGov(ctx, mine)
      this.refreshMembership(rec)
      this.scheduleKeyDuties(ctx)
    }
  }

  /**
   * Key duties of a member node: rotate the group key when there is none or it is stale
   * (someone was removed or left), and share the current key with members and invitees
   * who lack it. Done after a short random delay and re-checked, so that several nodes
   * seldom do the same work; when they do, the extra ops are harmless.
   */
  private scheduleKeyDuties (ctx: Uint8Array, delay = Math.random() * KEY_DUTY_DELAY_MS): void {
    const hex = toHex(ctx)
    if (this.duties.has(hex) || this.stopped) return
    this.duties.set(hex, setTimeout(() => {
      this.duties.delete(hex)
      void this.keyDuties(ctx).catch((err) => { this.log.warn('key duty failed', { context: hex, error: (err as Error).message }) })
    }, delay))
  }

  async keyDuties (ctx: Uint8Array): Promise<void> {
    // On a chain a share takes a block or more to land: a second duty started meanwhile
    // would share (or rotate) again. It waits, then finds the work done.
    const hex = toHex(ctx)
    const prev = this.dutiesRunning.get(hex) ?? Promise.resolve()
    const run = prev.catch(() => {}).then(async () => { await this.keyDutiesNow(ctx) })
    this.dutiesRunning.set(hex, run)
    try {
      await run
    } finally {
      if (this.dutiesRunning.get(hex) === run) this.dutiesRunning.delete(hex)
    }
  }

  private async keyDutiesNow (ctx: Uint8Array): Promise<void> {
    const s = this.state(ctx)
    const me = this.me(ctx)
    if (s === undefined || me === undefined) return
    const role = roleOf(s, me.publicKey)
    if (role === undefined) return
    const ring = this.keyring(ctx)
    const members = [...s.members.values()].map((m) => m.identity)
    if ((ring.latest === undefined || ring.stale) && role !== 'reader') {
      const { action } = newGroupKey(ctx, members)
      await this.c.governance.shareKeys(ctx, me, action)
      this.log.info('rotated the group key', { context: toHex(ctx) })
      return
    }
    const current = ring.current
    if (current === undefined) return
    const invitees = pendingInvitees(s, Date.now())
    const lacking = [...members, ...invitees].filter((id) => !(ring.holders.get(toHex(id))?.has(toHex(current.id)) ?? false))
    if (lacking.length > 0) {
      await this.c.governance.shareKeys(ctx, me, shareAction(ctx, current, dedupe(lacking), false))
    }
  }

  // ---- gossip ---------------------------------------------------------------

  /** Local deltas became durable: send them to the context's members. */
  deltasCommitted (deltas: Delta[]): void {
    for (const d of deltas) void this.publish(d.context, 'delta', d.id, d.bytes)
  }

  /**
   * Governance ops go out under the current key or, while it is stale, under the latest
   * one: a removed member must learn of its removal (its node then stops writing), and
   * nothing secret is in the op.
   */
  private async publishGov (ctx: Uint8Array, ops: GovOp[]): Promise<void> {
    const ring = this.keyring(ctx)
    const key = ring.current ?? (ring.latest === undefined ? undefined : ring.known.get(toHex(ring.latest)))
    for (const op of ops) await this.publish(ctx, 'gov', op.id, op.bytes, key)
  }

  /** Seals and publishes; answers how many peers it went to (0 when none, or on failure). */
  private async publish (ctx: Uint8Array, kind: EnvelopeKind, subject: Uint8Array, payload: Uint8Array, explicitKey?: GroupKey): Promise<number> {
    const key = explicitKey ?? this.keyring(ctx).current
    // No current key (none yet, or stale after a removal): heartbeats and catch-up send it later.
    if (key === undefined || !this.subscribed.has(toHex(ctx))) return 0
    try {
      return await this.c.network.publish(topicOf(ctx), sealEnvelope(kind, ctx, key, subject, payload))
    } catch (err) {
      this.log.debug('publish failed', { context: toHex(ctx), error: (err as Error).message })
      return 0
    }
  }

  /**
   * Announces heads (root hash, DAG heads, governance heads) on each context's topic, so
   * that a peer that missed a delta or an op (lost gossip, no mesh peer at the time)
   * fetches it. A beat goes out when the context or its topic peers changed since the
   * last beat that reached someone, and every IDLE_HEARTBEAT_MS otherwise; not at all
   * while no peer is on the topic (a peer that comes gets a beat as its arrival changes
   * the topic peers, and syncs on connect anyway). Idle contexts thus cost next to
   * nothing: a beat per second for each of 1,000 contexts kept a node busy and its
   * gossipsub caches (seen message ids) growing.
   */
  private async heartbeat (): Promise<void> {
    const now = Date.now()
    for (const hex of this.subscribed) {
      const ctx = Buffer.from(hex, 'hex')
      const info = this.c.dag.info(ctx)
      if (info === undefined) continue
      if (this.keyring(ctx).stale || this.keyring(ctx).latest === undefined) this.scheduleKeyDuties(ctx)
      if (this.waiting.has(hex)) this.chainUpdated(ctx, false)
      const peers = this.c.network.topicPeers(topicOf(ctx))
      if (peers.length === 0) continue
      const govHeads = this.c.governance.point(ctx)
      const state = `${toHex(info.rootHash)}:${info.heads.map(toHex).join()}:${govHeads.map(toHex).join()}:${peers.sort().join()}`
      const last = this.beats.get(hex)
      if (last !== undefined && last.state === state && now - last.at < IDLE_HEARTBEAT_MS) continue
      const sent = await this.publish(ctx, 'beat', EMPTY, encode([info.heads, govHeads, info.count, info.rootHash]))
      if (sent > 0) this.beats.set(hex, { state, at: now })
    }
  }

  private async onMessage (ctx: Uint8Array, from: string, data: Uint8Array): Promise<void> {
    const hex = toHex(ctx)
    let kind: EnvelopeKind
    let payload: Uint8Array
    let subject: Uint8Array
    try {
      const env = parseEnvelope(data)
      kind = env.kind
      subject = env.subject
      payload = openEnvelope(env, this.keyById(ctx), ctx)
    } catch (err) {
      // Nothing is applied. A key this node lacks may be a rotation it has not seen yet
      // (fetch the governance log); a malformed envelope or one that does not open under
      // the key it names is forged or corrupt: rejected, with the reason, at warn level.
      const reason = (err as Error).message
      if (err instanceof DecryptionError && reason.startsWith('no group key')) {
        this.log.info('gossip message under a group key this node does not hold', { context: hex, from, reason })
        void this.syncGov(from, ctx).catch(() => {})
      } else {
        this.log.warn('rejected a message from a peer', { context: hex, from, reason })
      }
      return
    }
    try {
      if (kind === 'delta') {
        const delta = decodeDelta(payload)
        if (!equalBytes(delta.id, subject) || !equalBytes(delta.context, ctx)) throw new SyncError('delta does not match its envelope')
        await this.receiveDeltas(ctx, [delta], from)
      } else if (kind === 'gov') {
        const op = decodeOp(payload)
        if (!equalBytes(op.id, subject) || !equalBytes(op.context, ctx)) throw new SyncError('governance op does not match its envelope')
        await this.receiveOps(ctx, [op], from)
      } else if (kind === 'beat') {
        const [heads, govHeads] = decode(payload) as [Uint8Array[], Uint8Array[]]
        // Held deltas count as lacking too: `has` knows them, but their parents are missing.
        const lacking = heads.some((h) => !this.c.dag.has(ctx, h)) || !this.c.governance.knows(ctx, govHeads) || this.c.dag.pendingCount(ctx) > 0 || this.neededApplication(ctx) !== undefined
        if (lacking) void this.syncWith(from, ctx).catch(() => {})
      }
    } catch (err) {
      this.log.warn('rejected a message from a peer', { context: hex, from, kind, reason: (err as Error).message })
    }
  }

  /** Checks and applies deltas from a peer; held ones trigger a fetch of their parents. */
  async receiveDeltas (ctx: Uint8Array, deltas: Delta[], from: string | null): Promise<{ applied: number, rejected: number }> {
    let needGov = false
    const verdicts = deltas.map((d) => {
      const s = this.c.governance.stateAt(ctx, d.anchor)
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
        return { ok: true as const, out: this.c.dag.receive(d) }
      } catch (err) {
        return { ok: false as const, reason: (err as Error).message, delta: d }
      }
    })
    // A delta from gossip commits in a transaction of its own, at once: joining the next
    // batched transaction costs several hand-offs between the main thread and LMDB's
    // writer thread, which on a busy machine were most of a hop's latency (p50 of the
    // 5-process propagation benchmark about a third lower). Catch-up batches stay batched.
    const results = from !== null && deltas.length <= GOSSIP_SYNC_APPLY_MAX
      ? this.c.store.transactionSync(apply)
      : await this.c.store.transaction(apply)
    let applied = 0
    let rejected = 0
    let held = false
    const announced: Delta[] = []
    for (const r of results) {
      if (!r.ok && r.reason === DEFERRED) {
        this.log.debug('delta deferred until the governance log catches up', { context: toHex(ctx), delta: toHex(r.delta.id) })
        if (this.c.governance.onChain(ctx)) this.wait(ctx, r.delta)
        continue
      }
      if (!r.ok) {
        rejected++
        this.log.warn('rejected delta', { context: toHex(ctx), delta: toHex(r.delta.id), author: toHex(r.delta.author), reason: r.reason })
        continue
      }
      if (r.out.status === 'applied') { applied += r.out.applied.length; announced.push(...r.out.applied) }
      if (r.out.status === 'held') held = true
    }
    for (const d of announced) {
      this.c.clock.observe(d.hlc)
      this.c.bus.publish({ contextId: toHex(d.context), type: 'delta', kind: 'received', data: toHex(d.id), deltaId: toHex(d.id), at: d.hlc.ms })
    }
    // On a chain, a point this node has not read yet is waited for (see chainUpdated);
    // offchain, the ops it lacks are fetched with the sync.
    if ((held || (needGov && !this.c.governance.onChain(ctx))) && from !== null) void this.syncWith(from, ctx).catch(() => {})
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
    if (this.c.governance.answers(ctx, delta.anchor)) queueMicrotask(() => { this.chainUpdated(ctx, false) })
  }

  private async receiveOps (ctx: Uint8Array, ops: GovOp[], from: string | null): Promise<void> {
    const gov = this.c.governance.offchain
    // Judged before stored (admissible, clock in bounds; missing parents held, bounded).
    const outcome = await this.c.store.transaction(() => gov.ingestAll(ctx, ops))
    if (outcome.added.length > 0) gov.adopt(outcome.added)
    if (outcome.held && from !== null) void this.syncGov(from, ctx).catch(() => {})
  }

  // ---- catch-up (requester side) --------------------------------------------

  private async * ask (peer: string, protocol: string, ctx: Uint8Array, params: unknown, asIdentity?: KeyPair): AsyncGenerator<Uint8Array> {
    const me = asIdentity ?? this.me(ctx)
    if (me === undefined) throw new NotFoundError(`this node holds no identity in context ${toHex(ctx)}`)
    yield * this.c.network.request(peer, protocol, encodeRequest(protocol, ctx, me, this.c.network.peerId, params))
  }

  private openFrame (ctx: Uint8Array, frame: Uint8Array): Uint8Array {
    return openEnvelope(parseEnvelope(frame), this.keyById(ctx), ctx)
  }

  /**
   * Fetches a context's governance log from `peer` (as a member, or as `asIdentity`, an
   * invitee; a claimer of an open invitation passes its `claim` = [invitation id, proof]).
   */
  async syncGov (peer: string, ctx: Uint8Array, asIdentity?: KeyPair, claim?: OpenClaim): Promise<void> {
    const me = asIdentity ?? this.me(ctx)
    if (me === undefined) return
    const ops: GovOp[] = []
    for await (const frame of this.ask(peer, PROTOCOLS.gov, ctx, claim ?? null, me)) {
      const [wrapped, sealed] = decode(frame) as [Uint8Array, Uint8Array]
      const aad = concatBytes(utf8('moorage:gov-session:v1'), ctx)
      const session = unwrapKey(wrapped, me.publicKey, me.secretKey, aad)
      for (const bytes of decode(open(session, sealed, aad)) as Uint8Array[]) ops.push(decodeOp(bytes))
    }
    // Parents first, so nothing is held needlessly.
    ops.sort((a, b) => a.hlc.ms - b.hlc.ms || a.hlc.c - b.hlc.c)
    await this.receiveOps(ctx, ops, null)
  }

  /**
   * Brings a context up to date with `peer`: governance, application, then deltas — a
   * snapshot when this node has no history yet, else a walk back from the peer's heads.
   * One sync per context at a time.
   */
  async syncWith (peer: string, ctx: Uint8Array, onProgress?: (p: SyncProgress) => void, options: { joining?: boolean } = {}): Promise<void> {
    const hex = toHex(ctx)
    // While a join is under way it runs the catch-up itself (reporting progress); syncs
    // that heartbeats or new connections would start meanwhile wait for it to finish.
    if (this.joining.has(hex) && options.joining !== true) return
    const busy = this.running.get(hex)
    if (busy !== undefined) return await busy
    const run = this.doSync(peer, ctx, onProgress).then(() => {
      this.lastSync.set(hex, Date.now())
      this.lastError.delete(hex)
    }, (err: unknown) => {
      this.lastError.set(hex, (err as Error).message)
      throw err
    }).finally(() => { this.running.delete(hex) })
    this.running.set(hex, run)
    return await run
  }

  private async doSync (peer: string, ctx: Uint8Array, onProgress?: (p: SyncProgress) => void): Promise<void> {
    onProgress?.({ phase: 'governance', done: 0, total: null })
    // A chain-anchored context's governance comes from the chain, not from peers.
    if (!this.c.governance.onChain(ctx)) await this.syncGov(peer, ctx)
    const rec = this.c.contexts.find(ctx)
    const s = this.state(ctx)
    if (rec === undefined || s === undefined || roleOf(s, rec.identity) === undefined) return
    if (this.keyring(ctx).current === undefined && this.keyring(ctx).known.size === 0) return // no key yet: a later heartbeat retries
    let remote: { heads: Uint8Array[], count: number } | undefined
    for await (const frame of this.ask(peer, PROTOCOLS.heads, ctx, null)) {
      const [heads, count] = decode(this.openFrame(ctx, frame)) as [Uint8Array[], number]
      remote = { heads, count }
    }
    if (remote === undefined) throw new SyncError('peer sent no heads')
    // The module this node's own governance view names (it may be ahead of the peer's
    // after an application update); a peer that does not run it yet refuses, and the
    // next heartbeat from one that does retries.
    const needed = this.neededApplication(ctx)
    if (needed !== undefined) await this.fetchApp(peer, ctx, needed, onProgress)
    const local = this.c.dag.info(ctx)
    // What to fetch: the peer's heads this node lacks, and the parents its held deltas
    // wait for. (A head this node holds pending is "had" by `has`, yet its ancestors may
    // be missing: say deltas set aside because they named a governance point this node
    // had not seen, whose children then arrived. Looking at the heads alone, such a node
    // believed itself up to date and stayed stuck.)
    const lacking = (): Uint8Array[] => [...remote.heads.filter((h) => !this.c.dag.has(ctx, h)), ...this.c.dag.missingParents(ctx)]
    let missing = lacking()
    if (missing.length === 0) return
    if ((local?.count ?? 0) === 0 && remote.count > 0) {
      await this.fetchSnapshot(peer, ctx, onProgress)
      missing = lacking()
    }
    let done = 0
    for (let round = 0; round < 64 && missing.length > 0; round++) {
      const stop = this.c.dag.info(ctx)?.heads ?? []
      for await (const frame of this.ask(peer, PROTOCOLS.deltas, ctx, [missing, stop, SYNC_BATCH_DELTAS])) {
        const raw = decode(this.openFrame(ctx, frame)) as Uint8Array[]
        // The peer walks back breadth-first from what we lack and stops only at our exact
        // heads, so after a fork (a partition, a write lost in a crash) it would send the
        // whole shared history. A frame of deltas we all have means the walk is inside
        // that history: stop the stream there; whatever is still missing (held deltas'
        // parents) is asked for by the next round.
        const fresh = raw.filter((bytes) => !this.c.dag.has(ctx, peekDelta(bytes).id))
        if (fresh.length > 0) await this.receiveDeltas(ctx, fresh.map(decodeDelta).reverse(), null)
        done += raw.length
        onProgress?.({ phase: 'deltas', done, total: remote.count })
        if (fresh.length === 0) break
      }
      missing = this.c.dag.missingParents(ctx)
    }
  }

  private async fetchSnapshot (peer: string, ctx: Uint8Array, onProgress?: (p: SyncProgress) => void): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const imp = new SnapshotImport(ctx)
      let consistent = true
      // Resumable: on a broken stream, ask again from the last cursor.
      for (let resume = 0; resume < 5 && imp.end === undefined && consistent; resume++) {
        try {
          for await (const frame of this.ask(peer, PROTOCOLS.snapshot, ctx, imp.cursor)) {
            const page = decodePage(this.openFrame(ctx, frame))
            if (!imp.add(page)) { consistent = false; break }
            onProgress?.({ phase: 'snapshot', done: imp.received, total: page.total })
          }
        } catch (err) {
          if (resume === 4) throw err
        }
      }
      if (!consistent || imp.end === undefined) continue
      // Heads and clock are covered by the exporter's signed statement; it must be a member.
      imp.verify({ isMember: (id) => { const s = this.state(ctx); return s !== undefined && roleOf(s, id) !== undefined } })
      // A snapshot replaces the whole state: only while this node still has no history.
      // A write of its own, or a delta from gossip, may have landed while the pages came;
      // the snapshot would then erase it from the state and the heads (the node would
      // keep the delta's id, never apply it again, and diverge). It catches up by deltas.
      const written = await this.c.store.transaction(() => {
        if ((this.c.dag.info(ctx)?.count ?? 0) > 0) return false
        imp.write(this.c.store)
        return true
      })
      if (!written) {
        this.log.info('history arrived while a snapshot was fetched: catching up by deltas instead', { context: toHex(ctx) })
        return
      }
      this.c.clock.observe(imp.end.info.hlc)
      this.log.info('state restored from a snapshot', { context: toHex(ctx), deltas: imp.end.deltas, entities: imp.end.entities })
      // Subscribers (SSE, apps) learn that the state changed; no per-delta events here,
      // as the snapshot carries the deltas' ids only.
      this.c.bus.publish({ contextId: toHex(ctx), type: 'delta', kind: 'snapshot', data: toHex(imp.end.info.rootHash), deltaId: null, at: Date.now() })
      return
    }
    throw new SyncError('could not get a consistent snapshot (the peer kept changing)')
  }

  /** The application this context's governance names, when it is not installed here. */
  private neededApplication (ctx: Uint8Array): Uint8Array | undefined {
    const app = this.state(ctx)?.application ?? this.c.contexts.find(ctx)?.applicationId
    return app === undefined || this.c.applications.has(app) ? undefined : app
  }

  private async fetchApp (peer: string, ctx: Uint8Array, appId: Uint8Array, onProgress?: (p: SyncProgress) => void): Promise<void> {
    const chunks: Uint8Array[] = []
    let offset = 0
    let size: number | null = null
    for (let attempt = 0; attempt < 5 && (size === null || offset < size); attempt++) {
      try {
        for await (const frame of this.ask(peer, PROTOCOLS.app, ctx, [appId, offset])) {
          const [total, chunk] = decode(this.openFrame(ctx, frame)) as [number, Uint8Array]
          size = total
          chunks.push(chunk)
          offset += chunk.byteLength
          onProgress?.({ phase: 'application', done: offset, total })
        }
      } catch (err) {
        if (attempt === 4) throw err
      }
    }
    const wasm = concatBytes(...chunks)
    if (!equalBytes(sha256(wasm), appId)) throw new SyncError('the application received does not match its id')
    await this.c.applications.install(wasm)
    this.log.info('application fetched from a peer', { application: toHex(appId), bytes: wasm.byteLength })
  }

  /** Sends this node's own governance ops of a context directly to a peer (a joiner's claim). */
  async push (peer: string, ctx: Uint8Array, ops: GovOp[], asIdentity: KeyPair, claim?: OpenClaim): Promise<void> {
    for await (const _ of this.ask(peer, PROTOCOLS.push, ctx, [ops.map((o) => o.bytes), claim ?? null], asIdentity)) { /* ack */ }
  }

  // ---- catch-up (responder side) --------------------------------------------

  /**
   * Who may ask: members; for governance and push, also invitees, former members (a
   * removed member must be able to learn that it was removed; the log holds no data) and
   * claimers of an open invitation whose params carry [invitation id, proof] with
   * proof = sign(invitation key, claimMessage(context, invitation, requester)).
   */
  private admit (protocol: string, bytes: Uint8Array, from: string, invitees: boolean): { ctx: Uint8Array, identity: Uint8Array, params: unknown } {
    const req = decodeRequest(protocol, bytes, from)
    const s = this.state(req.context)
    if (s === undefined || this.c.contexts.find(req.context) === undefined) throw new SyncAuthError('unknown context')
    if (roleOf(s, req.identity) !== undefined) return { ctx: req.context, identity: req.identity, params: req.params }
    if (invitees) {
      if (s.nonces.has(toHex(req.identity))) return { ctx: req.context, identity: req.identity, params: req.params }
      if (pendingInvitees(s, Date.now()).some((id) => equalBytes(id, req.identity))) return { ctx: req.context, identity: req.identity, params: req.params }
      const claim = protocol === PROTOCOLS.push && Array.isArray(req.params) ? req.params[1] : req.params
      if (isOpenClaim(claim)) {
        const why = checkOpenClaim(s, claim[0], req.identity, claim[1], Date.now())
        if (why !== null) throw new SyncAuthError(`open invitation refused: ${why}`)
        return { ctx: req.context, identity: req.identity, params: req.params }
      }
    }
    throw new SyncAuthError('not a member of this context')
  }

  private frameKey (ctx: Uint8Array): GroupKey {
    const key = this.keyring(ctx).current
    if (key === undefined) throw new SyncError('no current group key on this node yet; retry shortly')
    return key
  }

  private readonly serveGov = async (bytes: Uint8Array, from: string): Promise<Uint8Array> => {
    const { ctx, identity } = this.admit(PROTOCOLS.gov, bytes, from, true)
    const aad = concatBytes(utf8('moorage:gov-session:v1'), ctx)
    const session = new Uint8Array(randomBytes(32))
    return encode([wrapKey(session, identity, aad), seal(session, encode(this.c.governance.offchain.opsBytes(ctx)), aad)])
  }

  private readonly serveHeads = async (bytes: Uint8Array, from: string): Promise<Uint8Array> => {
    const { ctx } = this.admit(PROTOCOLS.heads, bytes, from, false)
    const info = this.c.dag.info(ctx)!
    const rec = this.c.contexts.get(ctx)
    const app = this.state(ctx)?.application ?? rec.applicationId
    return sealEnvelope('frame', ctx, this.frameKey(ctx), EMPTY, encode([info.heads, info.count, info.rootHash, app]))
  }

  private readonly serveDeltas = (bytes: Uint8Array, from: string): AsyncIterable<Uint8Array> => {
    const { ctx, params } = this.admit(PROTOCOLS.deltas, bytes, from, false)
    const [ids, stop, limit] = params as [Uint8Array[], Uint8Array[], number]
    const key = this.frameKey(ctx)
    const store = this.c.store
    return (async function * () {
      let batch: Uint8Array[] = []
      for (const d of walkBack(store, ctx, ids, stop, Math.min(limit, 100_000))) {
        batch.push(d)
        if (batch.length >= 256) { yield sealEnvelope('frame', ctx, key, EMPTY, encode(batch)); batch = [] }
      }
      if (batch.length > 0) yield sealEnvelope('frame', ctx, key, EMPTY, encode(batch))
    })()
  }

  private readonly serveSnapshot = (bytes: Uint8Array, from: string): AsyncIterable<Uint8Array> => {
    const { ctx, params } = this.admit(PROTOCOLS.snapshot, bytes, from, false)
    const key = this.frameKey(ctx)
    const me = this.me(ctx)
    const store = this.c.store
    return (async function * () {
      for (const page of exportSnapshot(store, ctx, params as SnapshotCursor, me)) {
        yield sealEnvelope('frame', ctx, key, EMPTY, encodePage(page))
      }
    })()
  }

  private readonly serveApp = (bytes: Uint8Array, from: string): AsyncIterable<Uint8Array> => {
    const { ctx, params } = this.admit(PROTOCOLS.app, bytes, from, false)
    const [appId, offset] = params as [Uint8Array, number]
    const s = this.state(ctx)
    if (s === undefined || !equalBytes(s.application, appId)) throw new SyncAuthError('that application is not this context\'s')
    const wasm = this.c.applications.wasm(appId)
    const key = this.frameKey(ctx)
    return (async function * () {
      for (let at = offset; at < wasm.byteLength; at += APP_CHUNK_BYTES) {
        yield sealEnvelope('frame', ctx, key, EMPTY, encode([wasm.byteLength, wasm.subarray(at, at + APP_CHUNK_BYTES)]))
      }
    })()
  }

  private readonly servePush = async (bytes: Uint8Array, from: string): Promise<Uint8Array> => {
    const { ctx, identity, params } = this.admit(PROTOCOLS.push, bytes, from, true)
    const list = Array.isArray(params) ? params[0] as unknown : undefined
    if (!Array.isArray(list) || !list.every((b) => b instanceof Uint8Array)) throw new SyncAuthError('push params must be [ops, claim]')
    const ops = list.map(decodeOp)
    if (ops.some((op) => !equalBytes(op.author, identity))) throw new SyncAuthError('only one\'s own ops can be pushed')
    await this.receiveOps(ctx, ops, from)
    return encode(ops.length)
  }

  // ---- status -----------------------------------------------------------------

  status (ctx: Uint8Array): SyncStatus {
    const hex = toHex(ctx)
    const info = this.c.dag.info(ctx)
    const ring = this.keyring(ctx)
    return {
      contextId: hex,
      peers: this.c.network.topicPeers(topicOf(ctx)),
      heads: (info?.heads ?? []).map(toHex),
      rootHash: info === undefined ? '' : toHex(info.rootHash),
      deltaCount: info?.count ?? 0,
      pendingDeltas: this.c.dag.pendingCount(ctx),
      lastSync: this.lastSync.get(hex) ?? null,
      lastError: this.lastError.get(hex) ?? null,
      keyEpoch: ring.current === undefined ? null : toHex(ring.current.id),
      awaitingKey: ring.current === undefined
    }
  }

  /** Syncs a context with every connected member (used after start and by `moor context sync`). */
  async syncAll (ctx: Uint8Array, onProgress?: (p: SyncProgress) => void): Promise<void> {
    const peers = this.c.network.peers()
    for (const peer of peers) {
      try { await this.syncWith(peer, ctx, onProgress) } catch (err) { this.log.debug('sync attempt failed', { peer, error: (err as Error).message }) }
    }
  }
}

/** Proof of an open invitation's secret: [invitation id, sign(invitation key, claimMessage(...))]. */
export type OpenClaim = [Uint8Array, Uint8Array]

function isOpenClaim (v: unknown): v is OpenClaim {
  return Array.isArray(v) && v.length === 2 && v[0] instanceof Uint8Array && v[0].byteLength === 32 && v[1] instanceof Uint8Array && v[1].byteLength === 64
}

function dedupe (ids: Uint8Array[]): Uint8Array[] {
  const m = new Map<string, Uint8Array>()
  for (const id of ids) m.set(toHex(id), id)
  return [...m.values()]
}
