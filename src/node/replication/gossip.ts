// Gossip on the context topics: new deltas and governance ops going out, the periodic
// heartbeat (root hash and heads) that lets a peer notice what it missed, and what comes
// in — opened with the sender's message key (src/sync/ratchet/), then handed to the receiver or answered by a sync.
import type { MessageVerdict } from '../../network/index.ts'
import { decode, encode } from 'cborg'
import { equalBytes, toHex } from '../../crypto/bytes.ts'
import { DecryptionError } from '../../errors/index.ts'
import { decodeOp, type GovOp } from '../../governance/offchain/op.ts'
import { decodeDelta, type Delta } from '../../sync/delta.ts'
import { InvalidEnvelopeError, parseEnvelope, type EnvelopeKind } from '../../sync/envelope.ts'
import { MissingGenerationError, StaleMessageError } from '../../sync/ratchet/index.ts'
import { parseBeat } from '../../sync/params.ts'
import { HEARTBEAT_MS, IDLE_HEARTBEAT_MS, PENALTY_FORGED, PENALTY_FORGED_BY_STRANGER, PENALTY_STALE, PUBLISH_LINGER_MS, PUBLISH_MAX_BYTES, PUBLISH_MAX_DELTAS } from '../constants.ts'
import { EMPTY, SyncError, topicOf, type Parts } from './parts.ts'
import { countDeltasSent } from '../../log/metrics.ts'

/** Key ids (and peers per key id) remembered per context while this node waits for a key. */
const MISSED_KEYS = 8
const MISSED_PEERS = 32
/** How long a heartbeat naming heads this node lacks waits before it starts a sync (ms), and how many wait at once. */
const BEAT_RECHECK_MS = 150
const MAX_RECHECKS = 1024

/** A context's deltas waiting to go out, and when its last gossip message did. */
interface Outbox { ctx: Uint8Array, deltas: Delta[], last: number, cancel: (() => void) | undefined, sending: boolean }

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
  private readonly outbox = new Map<string, Outbox>()
  /** Heartbeats waiting to be looked at again (see recheck), by context and peer. */
  private readonly rechecks = new Map<string, Recheck>()

  constructor (r: Parts) {
    this.r = r
  }

  start (): void {
    this.timer = setInterval(() => { this.r.tasks.run('heartbeat', async () => { await this.heartbeat() }) }, this.r.c.heartbeatMs ?? HEARTBEAT_MS)
    this.timer.unref?.()
  }

  stop (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    for (const box of this.outbox.values()) box.cancel?.()
    this.outbox.clear()
    for (const r of this.rechecks.values()) clearTimeout(r.timer)
    this.rechecks.clear()
  }

  /**
   * Local deltas became durable: they go to the context's members beside the caller's
   * acknowledgement (never before it: sealing and signing run in a later turn), those of
   * a busy context batched (PUBLISH_LINGER_MS).
   */
  deltasCommitted (deltas: Delta[]): void {
    countDeltasSent(deltas.length)
    for (const d of deltas) {
      const hex = toHex(d.context)
      let box = this.outbox.get(hex)
      if (box === undefined) this.outbox.set(hex, box = { ctx: d.context, deltas: [], last: -Infinity, cancel: undefined, sending: false })
      box.deltas.push(d)
      this.schedule(hex, box)
    }
  }

  private schedule (hex: string, box: Outbox): void {
    if (box.cancel !== undefined || box.sending || box.deltas.length === 0) return
    const wait = box.last + PUBLISH_LINGER_MS - performance.now()
    if (wait <= 0) {
      const t = setImmediate(() => { this.flush(hex, box) })
      box.cancel = () => { clearImmediate(t) }
    } else {
      const t = setTimeout(() => { this.flush(hex, box) }, wait)
      box.cancel = () => { clearTimeout(t) }
    }
  }

  /** Sends what waits in a context's outbox: one delta as `delta`, more as one `deltas` message. */
  private flush (hex: string, box: Outbox): void {
    box.cancel = undefined
    let bytes = 0
    let n = 0
    while (n < box.deltas.length && n < PUBLISH_MAX_DELTAS && (n === 0 || bytes + box.deltas[n]!.bytes.byteLength <= PUBLISH_MAX_BYTES)) bytes += box.deltas[n++]!.bytes.byteLength
    const batch = box.deltas.splice(0, n)
    box.last = performance.now()
    box.sending = true
    this.r.tasks.run('publishing deltas', async () => {
      try {
        if (batch.length === 1) await this.r.topics.publish(box.ctx, 'delta', batch[0]!.id, batch[0]!.bytes)
        else await this.r.topics.publish(box.ctx, 'deltas', EMPTY, encode(batch.map((d) => d.bytes)))
      } finally {
        box.sending = false
        this.schedule(hex, box)
      }
    }, { context: hex })
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
      if (keys.dutyDue(ctx)) keys.schedule(ctx)
      if (this.r.receiver.hasWaiting(ctx)) this.r.chainUpdated(ctx, false)
      const peers = c.network.topicPeers(topicOf(ctx))
      if (peers.length === 0) continue
      // Deltas still waiting to go out: a beat now would name heads the peers cannot have
      // yet, and each would sync to fetch what the next gossip message brings anyway.
      const box = this.outbox.get(hex)
      if (box !== undefined && (box.deltas.length > 0 || box.sending)) continue
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

  /** Whether a heartbeat's heads name deltas or ops this node lacks (held deltas count: their parents are missing). */
  private lacks (ctx: Uint8Array, heads: Uint8Array[], govHeads: Uint8Array[]): boolean {
    const { c } = this.r
    return heads.some((h) => !c.dag.has(ctx, h)) || !c.governance.knows(ctx, govHeads) || c.dag.pendingCount(ctx) > 0 || this.r.client.neededApplication(ctx) !== undefined
  }

  /**
   * A heartbeat named heads this node lacks. Usually they are on their way: a peer's beat
   * can overtake the gossip of a delta it has just applied, and a sync started then
   * fetches what arrives a moment later and takes the write lock the delta waits for. So
   * the heads are looked at again after BEAT_RECHECK_MS, and only what is still missing
   * starts a sync (one pending look per context and peer, the latest beat's heads).
   */
  private recheck (ctx: Uint8Array, hex: string, from: string, heads: Uint8Array[], govHeads: Uint8Array[]): void {
    const k = `${hex}/${from}`
    const pending = this.rechecks.get(k)
    if (pending !== undefined) { pending.heads = heads; pending.govHeads = govHeads; return }
    if (this.rechecks.size >= MAX_RECHECKS) return
    const timer = setTimeout(() => {
      const r = this.rechecks.get(k)!
      this.rechecks.delete(k)
      if (!this.r.topics.has(ctx) || !this.lacks(ctx, r.heads, r.govHeads) || !this.r.admission.mayTrigger(from, ctx)) return
      this.r.tasks.run('sync after a heartbeat', async () => { await this.r.syncWith(from, ctx) }, { context: hex, peer: from }, 'debug')
    }, BEAT_RECHECK_MS)
    timer.unref?.()
    this.rechecks.set(k, { ctx, from, heads, govHeads, timer })
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
    this.outbox.get(toHex(ctx))?.cancel?.()
    this.outbox.delete(toHex(ctx))
  }

  /** Opens an envelope from the topic, or says why not (logged, the sender penalised). */
  private open (ctx: Uint8Array, from: string, data: Uint8Array): Opened | 'reject' | 'ignore' {
    const { log, keys, admission } = this.r
    const hex = toHex(ctx)
    let keyId: Uint8Array | undefined
    let gen: Uint8Array | undefined
    try {
      const env = parseEnvelope(data)
      keyId = env.keyId
      gen = env.gen
      if (env.kind === 'frame') throw new InvalidEnvelopeError('stream frames do not go on the topic')
      const payload = keys.ratchets.open(ctx, env, keys.epochs(ctx))
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
      if (err instanceof StaleMessageError) {
        // A duplicate, or a message whose key this node no longer keeps (too late, too far
        // ahead, an epoch out of the window): nothing to hold against the sender; what it
        // carried, if missing here, comes by catch-up.
        log.debug('gossip message whose key is gone', { context: hex, from, reason })
        if (admission.mayTrigger(from, ctx)) this.r.tasks.run('sync after a stale message', async () => { await this.r.syncWith(from, ctx) }, { context: hex, peer: from }, 'debug')
        return 'ignore'
      }
      if (err instanceof MissingGenerationError && keyId !== undefined && gen !== undefined) {
        // A scheduled rotation this node has not caught up with: the generation is fetched
        // from the peer that passed the message on (it opened it, so it holds it), and the
        // message is opened then (what it does not carry comes by catch-up).
        log.debug('gossip message under a generation this node does not hold yet', { context: hex, from, reason })
        // Fetches are not counted against the peer's sync triggers (each generation is
        // fetched once, see CatchUp.fetchGeneration): a burst of messages across rotations
        // must not use up the syncs that repair what did not open.
        const [epochId, genId] = [keyId, gen]
        if (admission.mayAsk(from, ctx)) {
          this.r.tasks.run('fetching a generation', async () => {
            let held = false
            try {
              held = await this.r.fetchGeneration(from, ctx, epochId, genId)
            } catch (err) {
              log.debug('could not fetch a generation', { context: hex, from, reason: (err as Error).message })
            }
            const opened = held ? this.open(ctx, from, data) : 'ignore'
            if (typeof opened !== 'string') await this.apply(ctx, from, opened)
            else if (admission.mayTrigger(from, ctx)) await this.r.syncWith(from, ctx)
          }, { context: hex, peer: from }, 'debug')
        } else {
          admission.reject(from, PENALTY_STALE, reason)
        }
        return 'ignore'
      }
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
    const { log, admission } = this.r
    const hex = toHex(ctx)
    try {
      if (kind === 'delta') {
        const delta = decodeDelta(payload)
        if (!equalBytes(delta.id, subject) || !equalBytes(delta.context, ctx)) throw new SyncError('delta does not match its envelope')
        const { rejected } = await this.r.receiveDeltas(ctx, [delta], from)
        if (rejected > 0) admission.reject(from, PENALTY_STALE, 'rejected delta')
      } else if (kind === 'deltas') {
        const deltas = decodeDeltaBatch(payload, ctx)
        const { rejected } = await this.r.receiveDeltas(ctx, deltas, from)
        if (rejected > 0) admission.reject(from, PENALTY_STALE, 'rejected delta')
      } else if (kind === 'gov') {
        const op = decodeOp(payload)
        if (!equalBytes(op.id, subject) || !equalBytes(op.context, ctx)) throw new SyncError('governance op does not match its envelope')
        await this.r.receiveOps(ctx, [op], from)
      } else if (kind === 'beat') {
        const { heads, govHeads } = parseBeat(payload)
        if (this.lacks(ctx, heads, govHeads)) this.recheck(ctx, hex, from, heads, govHeads)
      }
    } catch (err) {
      log.warn('rejected a message from a peer', { context: hex, from, kind, reason: (err as Error).message })
      admission.reject(from, PENALTY_FORGED, (err as Error).message)
    }
  }
}

interface Opened { kind: EnvelopeKind, subject: Uint8Array, payload: Uint8Array }

/** A heartbeat that named what this node lacked, looked at again once gossip in flight has had time to land. */
interface Recheck { ctx: Uint8Array, from: string, heads: Uint8Array[], govHeads: Uint8Array[], timer: ReturnType<typeof setTimeout> }

/** A `deltas` message's payload: a CBOR array of 2…PUBLISH_MAX_DELTAS encoded deltas of `ctx`. */
function decodeDeltaBatch (payload: Uint8Array, ctx: Uint8Array): Delta[] {
  let list: unknown
  try {
    list = decode(payload, { strict: true, allowUndefined: false, allowIndefinite: false })
  } catch (err) {
    throw new SyncError(`delta batch is not CBOR: ${(err as Error).message}`)
  }
  if (!Array.isArray(list) || list.length < 2 || list.length > PUBLISH_MAX_DELTAS || !list.every((b) => b instanceof Uint8Array)) {
    throw new SyncError(`a delta batch is an array of 2 to ${PUBLISH_MAX_DELTAS} encoded deltas`)
  }
  return (list as Uint8Array[]).map((bytes) => {
    const delta = decodeDelta(bytes)
    if (!equalBytes(delta.context, ctx)) throw new SyncError('a delta of the batch is for another context')
    return delta
  })
}
