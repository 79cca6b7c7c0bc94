// Replication of contexts between member nodes: gossip of new deltas, governance ops and
// heartbeats on one topic per context, and catch-up over request/response streams
// (governance log, heads, deltas by id, snapshot, application WASM). Every payload is
// encrypted under the context's group key; every delta and op is checked (signature,
// membership at its governance point) before anything is applied.
//
// This facade wires one part per job: topics.ts (the topic of each context), keys.ts
// (keyrings and key duties), gossip.ts (publishing, heartbeats, what comes in),
// receive.ts (judging and applying), catchup.ts (the catch-up client), streams.ts (the
// serving side) and admission.ts (who may ask for what).
import { toHex } from '../../crypto/bytes.ts'
import type { KeyPair } from '../../crypto/ed25519.ts'
import type { KeyringView } from '../../governance/group-keys.ts'
import type { GovOp } from '../../governance/offchain/op.ts'
import type { Logger } from '../../log/index.ts'
import type { Delta } from '../../sync/delta.ts'
import type { InvitationClaim } from '../../sync/params.ts'
import { Background } from '../background.ts'
import { Admission } from './admission.ts'
import { CatchUp } from './catchup.ts'
import { Gossip } from './gossip.ts'
import { Keys } from './keys.ts'
import { topicOf, type ReplicationComponents, type SyncProgress, type SyncStatus } from './parts.ts'
import { Receiver } from './receive.ts'
import { Streams } from './streams.ts'
import { Topics } from './topics.ts'

export { SyncError, topicOf, type ReplicationComponents, type SyncProgress, type SyncStatus } from './parts.ts'
export type { InvitationClaim, OpenClaim } from '../../sync/params.ts'

export class Replicator {
  readonly c: ReplicationComponents
  readonly log: Logger
  readonly tasks: Background
  readonly topics: Topics
  readonly keys: Keys
  readonly gossip: Gossip
  readonly receiver: Receiver
  readonly client: CatchUp
  readonly admission: Admission
  private readonly streams: Streams

  constructor (components: ReplicationComponents) {
    this.c = components
    this.log = components.logger
    this.tasks = new Background(this.log)
    this.topics = new Topics(this)
    this.keys = new Keys(this)
    this.gossip = new Gossip(this)
    this.receiver = new Receiver(this)
    this.client = new CatchUp(this)
    this.admission = new Admission(this)
    this.streams = new Streams(this, this.admission)
  }

  async start (): Promise<void> {
    await this.streams.register()
    this.c.governance.offchain.onAdopt = (ops) => { this.governanceAdopted(ops) }
    for (const rec of this.c.contexts.all()) this.topics.refreshMembership(rec)
    this.gossip.start()
    this.c.network.on('peer:connect', (peer) => {
      // A new connection may bring history we lack (or lack ours): compare heads — with a
      // peer known as a member node of the context only (the request names our identity
      // in it). Others announce themselves by a heartbeat sealed under the group key.
      for (const hex of this.topics.subscribed) {
        if (!this.admission.mayAsk(peer, Buffer.from(hex, 'hex'))) continue
        this.tasks.run('sync with a new peer', async () => { await this.syncWith(peer, Buffer.from(hex, 'hex')) }, { context: hex, peer }, 'debug')
      }
    })
  }

  async stop (): Promise<void> {
    this.gossip.stop()
    this.keys.stop()
    // Syncs under way end (or fail) before the network stops; other background work
    // that fails once the store is closed is logged by its owner.
    await this.client.stop()
    await this.c.ratchetStore?.close()
  }

  // ---- keys and membership -------------------------------------------------

  keyring (ctx: Uint8Array): KeyringView {
    return this.keys.keyring(ctx)
  }

  async keyDuties (ctx: Uint8Array): Promise<void> {
    await this.keys.run(ctx)
  }

  /** Marks a context as being joined (see syncWith); returns the function that ends it. */
  beginJoin (ctx: Uint8Array): () => void {
    return this.client.beginJoin(ctx)
  }

  /** Re-reads a context's membership (after its record was created, e.g. on join). */
  refresh (ctx: Uint8Array): void {
    this.keys.invalidate(ctx)
    const rec = this.c.contexts.find(ctx)
    if (rec !== undefined) this.topics.refreshMembership(rec)
    else if (this.topics.leave(ctx)) {
      this.keys.forget(ctx)
      this.gossip.forget(ctx)
      this.admission.forget(ctx)
      this.receiver.forgetHeld(ctx)
    }
  }

  /**
   * A chain-anchored context's governance changed (membership, keys, application) or the
   * chain was read further: re-read membership and keys, and sync what waited for it.
   */
  chainUpdated (ctx: Uint8Array, changed: boolean): void {
    if (changed) {
      this.keys.invalidate(ctx)
      const rec = this.c.contexts.find(ctx)
      if (rec === undefined) return
      this.topics.refreshMembership(rec)
      this.keys.schedule(ctx)
      this.gossip.keysChanged(ctx)
    }
    // Deltas set aside because they named a block this node had not read yet.
    this.receiver.releaseWaiting(ctx)
  }

  /** Governance ops became part of a log (ours or a peer's). */
  private governanceAdopted (ops: GovOp[]): void {
    const contexts = new Map<string, Uint8Array>()
    for (const op of ops) contexts.set(toHex(op.context), op.context)
    for (const [hex, ctx] of contexts) {
      this.keys.invalidate(ctx)
      const rec = this.c.contexts.find(ctx)
      if (rec === undefined) continue
      // Publish the ops this node authored; peers' ops already travel.
      const mine = ops.filter((op) => toHex(op.context) === hex && this.c.identities.get(ctx, op.author) !== undefined)
      if (mine.length > 0) this.tasks.run('publishing governance ops', async () => { await this.publishGov(ctx, mine) }, { context: hex })
      this.topics.refreshMembership(rec)
      this.keys.schedule(ctx)
      this.gossip.keysChanged(ctx)
    }
  }

  // ---- gossip and receiving ------------------------------------------------

  /** Local deltas became durable: send them to the context's members. */
  deltasCommitted (deltas: Delta[]): void {
    this.gossip.deltasCommitted(deltas)
  }

  async publishGov (ctx: Uint8Array, ops: GovOp[]): Promise<void> {
    await this.gossip.publishGov(ctx, ops)
  }

  /** Checks and applies deltas from a peer; held ones trigger a fetch of their parents. */
  async receiveDeltas (ctx: Uint8Array, deltas: Delta[], from: string | null): Promise<{ applied: number, rejected: number }> {
    return await this.receiver.receiveDeltas(ctx, deltas, from)
  }

  async receiveOps (ctx: Uint8Array, ops: GovOp[], from: string | null, admission = false): Promise<Array<{ op: GovOp, reason: string }>> {
    return await this.receiver.receiveOps(ctx, ops, from, admission)
  }

  // ---- catch-up -------------------------------------------------------------

  async * ask (peer: string, protocol: string, ctx: Uint8Array, params: unknown, asIdentity?: KeyPair, maxFrameBytes?: number): AsyncGenerator<Uint8Array> {
    yield * this.client.ask(peer, protocol, ctx, params, asIdentity, maxFrameBytes)
  }

  /**
   * Fetches a context's governance log from `peer` (as a member, or as `asIdentity`, an
   * invitee; a claimer of an open invitation passes its `claim` = [invitation id, proof]).
   * A peer asked as an invitee is one the invitation named: it may be asked again.
   */
  async syncGov (peer: string, ctx: Uint8Array, asIdentity?: KeyPair, claim?: InvitationClaim): Promise<void> {
    if (asIdentity !== undefined) this.admission.vouch(ctx, peer)
    await this.client.syncGov(peer, ctx, asIdentity, claim)
  }

  /** Fetches a generation secret of a held epoch from `peer` (src/sync/ratchet/delivery.ts); answers whether it is held now. */
  async fetchGeneration (peer: string, ctx: Uint8Array, epochId: Uint8Array, genId: Uint8Array): Promise<boolean> {
    return await this.client.fetchGeneration(peer, ctx, epochId, genId)
  }

  /**
   * Brings a context up to date with `peer`: governance, application, then deltas — a
   * snapshot when this node has no history yet, else a walk back from the peer's heads.
   * One sync per context and peer at a time. A join names its peer (`joining`): it may be asked.
   */
  async syncWith (peer: string, ctx: Uint8Array, onProgress?: (p: SyncProgress) => void, options: { joining?: boolean } = {}): Promise<void> {
    if (options.joining === true) this.admission.vouch(ctx, peer)
    await this.client.syncWith(peer, ctx, onProgress, options)
  }

  /** Sends this node's own governance ops of a context directly to a peer (a joiner's claim). */
  async push (peer: string, ctx: Uint8Array, ops: GovOp[], asIdentity: KeyPair, claim?: InvitationClaim): Promise<void> {
    this.admission.vouch(ctx, peer)
    await this.client.push(peer, ctx, ops, asIdentity, claim)
  }

  /** Syncs a context with every connected member (used after start and by `moor context sync`). */
  async syncAll (ctx: Uint8Array, onProgress?: (p: SyncProgress) => void): Promise<void> {
    await this.client.syncAll(ctx, onProgress)
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
      lastSync: this.client.lastSync.get(hex) ?? null,
      lastError: this.client.lastError.get(hex) ?? null,
      keyEpoch: ring.current === undefined ? null : toHex(ring.current.id),
      awaitingKey: ring.current === undefined
    }
  }
}
