// Gossip on the context topics: new deltas and governance ops going out, the periodic
// heartbeat (root hash and heads) that lets a peer notice what it missed, and what comes
// in — opened under the group key, then handed to the receiver or answered by a sync.
import type { MessageVerdict } from '../../network/index.ts'
import { encode } from 'cborg'
import { equalBytes, toHex } from '../../crypto/bytes.ts'
import { DecryptionError } from '../../errors/index.ts'
import { decodeOp, type GovOp } from '../../governance/offchain/op.ts'
import { decodeDelta, type Delta } from '../../sync/delta.ts'
import { openEnvelope, parseEnvelope, type EnvelopeKind } from '../../sync/envelope.ts'
import { parseBeat } from '../../sync/params.ts'
import { HEARTBEAT_MS, IDLE_HEARTBEAT_MS, PENALTY_FORGED, PENALTY_FORGED_BY_STRANGER, PENALTY_STALE } from '../constants.ts'
import { EMPTY, SyncError, topicOf, type Parts } from './parts.ts'
import { countDeltasSent } from '../../log/metrics.ts'

/** Key ids (and peers per key id) remembered per context while this node waits for a key. */
const MISSED_KEYS = 8
const MISSED_PEERS = 32

export class Gossip {
  private readonly r: Parts
  /** What the last heartbeat that reached a peer announced, per context, and when. */
  private readonly beats = new Map<string, { state: string, at: number }>()
  /**
   * Per context: peers whose messages came under a group key this node did not hold yet,
   * by key id. Those messages are gone; once the key arrives, a sync with each such peer
   * fetches what they carried (the sender's heartbeat may not come again for a while).
   */
  private readonly missed = new Map<string, Map<string, Set<string>>>()
  private timer: ReturnType<typeof setInterval> | undefined

  constructor (r: Parts) {
    this.r = r
  }

  start (): void {
    this.timer = setInterval(() => { this.r.tasks.run('heartbeat', async () => { await this.heartbeat() }) }, this.r.c.heartbeatMs ?? HEARTBEAT_MS)
    this.timer.unref?.()
  }

  stop (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
  }

  /** Local deltas became durable: send them to the context's members. */
  deltasCommitted (deltas: Delta[]): void {
    countDeltasSent(deltas.length)
    for (const d of deltas) this.r.tasks.run('publishing a delta', async () => await this.r.topics.publish(d.context, 'delta', d.id, d.bytes), { context: toHex(d.context) })
  }

  /**
   * Governance ops go out under the current key or, while it is stale, under the latest
   * one: a removed member must learn of its removal (its node then stops writing), and
   * nothing secret is in the op.
   */
  async publishGov (ctx: Uint8Array, ops: GovOp[]): Promise<void> {
    const ring = this.r.keys.keyring(ctx)
    const key = ring.current ?? (ring.latest === undefined ? undefined : ring.known.get(toHex(ring.latest)))
    for (const op of ops) await this.r.topics.publish(ctx, 'gov', op.id, op.bytes, key)
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
  async heartbeat (): Promise<void> {
    const { c, keys, topics } = this.r
    const now = Date.now()
    for (const hex of topics.subscribed) {
      const ctx = Buffer.from(hex, 'hex')
      const info = c.dag.info(ctx)
      if (info === undefined) continue
      if (keys.keyring(ctx).stale || keys.keyring(ctx).latest === undefined) keys.schedule(ctx)
      if (this.r.receiver.hasWaiting(ctx)) this.r.chainUpdated(ctx, false)
      const peers = c.network.topicPeers(topicOf(ctx))
      if (peers.length === 0) continue
      const govHeads = c.governance.point(ctx)
      const state = `${toHex(info.rootHash)}:${info.heads.map(toHex).join()}:${govHeads.map(toHex).join()}:${peers.sort().join()}`
      const last = this.beats.get(hex)
      if (last !== undefined && last.state === state && now - last.at < IDLE_HEARTBEAT_MS) continue
      const sent = await topics.publish(ctx, 'beat', EMPTY, encode([info.heads, govHeads, info.count, info.rootHash]))
      if (sent > 0) this.beats.set(hex, { state, at: now })
    }
  }

  /** A message on a context's topic (called by the network, which logs what throws). */
  /**
   * A gossip message on the context's topic, judged before gossipsub forwards it: one that
   * does not open under a group key this node holds is not passed on (`reject` when it is
   * forged or junk, `ignore` when it names a key this node lacks); one that opens is
   * applied in the background.
   */
  onMessage (ctx: Uint8Array, from: string, data: Uint8Array): MessageVerdict {
    const opened = this.open(ctx, from, data)
    if (typeof opened === 'string') return opened
    this.r.tasks.run('handling a gossip message', async () => { await this.apply(ctx, from, opened) }, { context: toHex(ctx), from })
    return 'accept'
  }

  /** Governance changed (the keyring is read again): sync with the peers whose messages waited for a key now held. */
  keysChanged (ctx: Uint8Array): void {
    const hex = toHex(ctx)
    const byKey = this.missed.get(hex)
    if (byKey === undefined) return
    const holds = this.r.keys.keyById(ctx)
    for (const [id, peers] of byKey) {
      if (holds(id) === undefined) continue
      byKey.delete(id)
      for (const peer of peers) {
        if (this.r.admission.mayAsk(peer, ctx)) this.r.tasks.run('sync after a group key arrived', async () => { await this.r.syncWith(peer, ctx) }, { context: hex, peer }, 'debug')
      }
    }
    if (byKey.size === 0) this.missed.delete(hex)
  }

  /** Bounded: the newest MISSED_KEYS key ids per context, MISSED_PEERS peers each. */
  private noteMissed (hex: string, keyId: string, peer: string): void {
    const byKey = this.missed.get(hex) ?? new Map<string, Set<string>>()
    this.missed.set(hex, byKey)
    const peers = byKey.get(keyId) ?? new Set<string>()
    byKey.delete(keyId)
    byKey.set(keyId, peers)
    if (peers.size < MISSED_PEERS) peers.add(peer)
    while (byKey.size > MISSED_KEYS) byKey.delete(byKey.keys().next().value!)
  }

  /** The context is gone from this node. */
  forget (ctx: Uint8Array): void {
    this.missed.delete(toHex(ctx))
  }

  /** Opens an envelope from the topic, or says why not (logged, the sender penalised). */
  private open (ctx: Uint8Array, from: string, data: Uint8Array): Opened | 'reject' | 'ignore' {
    const { log, keys, admission } = this.r
    const hex = toHex(ctx)
    let keyId: Uint8Array | undefined
    try {
      const env = parseEnvelope(data)
      keyId = env.keyId
      const payload = openEnvelope(env, keys.keyById(ctx), ctx)
      // Sealed under the current key by its publisher (gossip is signed by the peer that
      // published it): that peer is a member node.
      const current = keys.keyring(ctx).current
      if (current !== undefined && equalBytes(current.id, env.keyId)) admission.noteMember(ctx, from)
      return { kind: env.kind, subject: env.subject, payload }
    } catch (err) {
      // Nothing is applied. A key this node lacks may be a rotation it has not seen yet
      // (fetch the governance log from the peer, if it is a known member node); a
      // malformed envelope or one that does not open under the key it names is forged or
      // corrupt: rejected, with the reason, at warn level.
      const reason = (err as Error).message
      if (err instanceof DecryptionError && reason.startsWith('no group key')) {
        log.info('gossip message under a group key this node does not hold', { context: hex, from, reason })
        if (keyId !== undefined && admission.mayAsk(from, ctx)) this.noteMissed(hex, toHex(keyId), from)
        if (admission.mayTrigger(from, ctx)) {
          this.r.tasks.run('governance sync', async () => { await this.r.syncGov(from, ctx) }, { context: hex, peer: from }, 'debug')
        } else if (!admission.mayAsk(from, ctx)) {
          admission.reject(from, PENALTY_STALE, reason)
        }
        return 'ignore'
      }
      log.warn('rejected a message from a peer', { context: hex, from, reason })
      admission.reject(from, admission.knownAnywhere(from) ? PENALTY_FORGED : PENALTY_FORGED_BY_STRANGER, reason)
      return 'reject'
    }
  }

  private async apply (ctx: Uint8Array, from: string, { kind, subject, payload }: Opened): Promise<void> {
    const { c, log, admission } = this.r
    const hex = toHex(ctx)
    try {
      if (kind === 'delta') {
        const delta = decodeDelta(payload)
        if (!equalBytes(delta.id, subject) || !equalBytes(delta.context, ctx)) throw new SyncError('delta does not match its envelope')
        const { rejected } = await this.r.receiveDeltas(ctx, [delta], from)
        if (rejected > 0) admission.reject(from, PENALTY_STALE, 'rejected delta')
      } else if (kind === 'gov') {
        const op = decodeOp(payload)
        if (!equalBytes(op.id, subject) || !equalBytes(op.context, ctx)) throw new SyncError('governance op does not match its envelope')
        await this.r.receiveOps(ctx, [op], from)
      } else if (kind === 'beat') {
        const { heads, govHeads } = parseBeat(payload)
        // Held deltas count as lacking too: `has` knows them, but their parents are missing.
        const lacking = heads.some((h) => !c.dag.has(ctx, h)) || !c.governance.knows(ctx, govHeads) || c.dag.pendingCount(ctx) > 0 || this.r.client.neededApplication(ctx) !== undefined
        if (lacking && admission.mayTrigger(from, ctx)) this.r.tasks.run('sync after a heartbeat', async () => { await this.r.syncWith(from, ctx) }, { context: hex, peer: from }, 'debug')
      }
    } catch (err) {
      log.warn('rejected a message from a peer', { context: hex, from, kind, reason: (err as Error).message })
      admission.reject(from, PENALTY_FORGED, (err as Error).message)
    }
  }
}

interface Opened { kind: EnvelopeKind, subject: Uint8Array, payload: Uint8Array }
