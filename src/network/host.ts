// The libp2p 3 host behind `Network`: TCP + Noise + Yamux, identify, ping, gossipsub
// (tuned for small meshes), optional mDNS, connection gating, bootstrap peers kept
// connected, and request/response protocols.
import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub, StrictSign, TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub, Message } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Identify } from '@libp2p/identify'
import type { Connection, IdentifyResult, Libp2p, PeerId, PeerInfo, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import type { Ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { TokenBuckets } from '../async/buckets.ts'
import { InvalidInputError, PayloadTooLargeError } from '../errors/index.ts'
import { silentLogger } from '../log/index.ts'
import type { Logger } from '../log/index.ts'
import * as C from './constants.ts'
import { DialError, NetworkError } from './errors.ts'
import { plain, raceSignal } from './frames.ts'
import { privateKeyFromSeed } from './identity.ts'
import { request as sendRequest, serve } from './protocol.ts'
import { Redialer } from './redial.ts'
import { PeerScores } from './scores.ts'
import type { AbortOptions, HandleOptions, MessageHandler, Network, NetworkEvent, NetworkInit, RequestHandler, RequestOptions } from './types.ts'

type Services = { identify: Identify, ping: Ping, pubsub: GossipSub }
type Node = Libp2p<Services>

/** A received message's origin and sequence number, as gossipsub's StrictSign id (empty when it has none: it then fails validation). */
function fastMessageId (msg: { from?: Uint8Array, seqno?: Uint8Array }): string {
  if (msg.from === undefined || msg.seqno === undefined) return ''
  return Buffer.from(msg.from).toString('base64') + Buffer.from(msg.seqno).toString('base64')
}

/** A signed message's id: its origin's peer id (multihash bytes) and its 8-byte sequence number. */
function messageId (msg: Message): Uint8Array {
  if (msg.type !== 'signed') throw new NetworkError('StrictSign gives every message an origin and a sequence number')
  const from = msg.from.toMultihash().bytes
  const id = new Uint8Array(from.byteLength + 8)
  id.set(from, 0)
  new DataView(id.buffer).setBigUint64(from.byteLength, msg.sequenceNumber, false)
  return id
}

/** Gossipsub's own fields this host reads (not in the GossipSub interface). */
interface GossipInternals {
  fastMsgIdCache?: { put: (fastId: string, msgId: string) => boolean }
  msgIdToStrFn: (id: Uint8Array) => string
}

export function createNetwork (init: NetworkInit): Network {
  return new Libp2pNetwork(init)
}

class Libp2pNetwork implements Network {
  readonly peerId: string
  readonly #privateKey: PrivateKey
  readonly #init: NetworkInit
  readonly #log: Logger
  readonly #subscriptions = new Map<string, MessageHandler>()
  /** Every topic's validator (one function, not one per topic: a node may follow thousands). */
  readonly #validate = (_source: unknown, msg: Message): TopicValidatorResult => this.#onMessage(msg)
  readonly #handlers = new Map<string, { handler: RequestHandler, options: HandleOptions }>()
  readonly #blocked = new Set<string>()
  readonly #scores = new PeerScores()
  /** Peers that had a connection with this node (most recent last), and the budget for the others. */
  readonly #known = new Set<string>()
  readonly #newInbound = new TokenBuckets(C.NEW_PEER_INBOUND_BURST, C.NEW_PEER_INBOUND_PER_S, 1)
  /** Peers that were connected when blocked: dialled again on unblock. */
  readonly #reconnectOnUnblock = new Set<string>()
  readonly #listeners = new Map<NetworkEvent, Set<(peer: string) => void>>()
  readonly #redialer: Redialer
  readonly #bootstrap: Map<string, string[]>
  #node: Node | undefined
  #stop: AbortController | undefined
  #starting: Promise<void> | undefined

  constructor (init: NetworkInit) {
    this.#init = init
    this.#privateKey = privateKeyFromSeed(init.seed)
    this.peerId = peerIdFromPrivateKey(this.#privateKey).toString()
    this.#log = (init.logger ?? silentLogger).child('network')
    this.#bootstrap = parseBootstrap(init.bootstrap ?? [], this.peerId)
    this.#redialer = new Redialer({
      dial: async (peer, addrs, signal) => { await this.#dialPeer(peer, addrs, signal) },
      isConnected: (peer) => this.#isConnected(peer),
      isBlocked: (peer) => this.#refused(peer),
      logger: this.#log
    })
    for (const [peer, addrs] of this.#bootstrap) this.#redialer.add(peer, addrs)
  }

  async start (): Promise<void> {
    if (this.#node !== undefined) return
    this.#starting ??= this.#start().finally(() => { this.#starting = undefined })
    await this.#starting
  }

  async #start (): Promise<void> {
    const denyPeer = (peerId: PeerId): boolean => this.#refused(peerId.toString())
    const self = peerIdFromPrivateKey(this.#privateKey)
    const node: Node = await createLibp2p({
      start: false,
      privateKey: this.#privateKey,
      addresses: { listen: [...(this.#init.listen ?? C.DEFAULT_LISTEN)] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: {
        denyDialPeer: denyPeer,
        denyInboundEncryptedConnection: (peerId: PeerId): boolean => denyPeer(peerId) || this.#overNewPeerBudget(peerId.toString()),
        denyOutboundEncryptedConnection: denyPeer
      },
      connectionManager: {
        maxConnections: C.MAX_CONNECTIONS,
        inboundConnectionThreshold: C.INBOUND_CONNECTION_THRESHOLD
      },
      // Loaded only when asked for (most nodes dial their bootstrap peers): less to hold.
      peerDiscovery: this.#init.mdns === true ? [(await import('@libp2p/mdns')).mdns()] : [],
      services: {
        identify: identify(),
        ping: ping(),
        pubsub: gossipsub({
          D: C.GOSSIP_D,
          Dlo: C.GOSSIP_D_LO,
          Dhi: C.GOSSIP_D_HI,
          Dscore: C.GOSSIP_D_SCORE,
          Dout: C.GOSSIP_D_OUT,
          Dlazy: C.GOSSIP_D_LAZY,
          heartbeatInterval: C.GOSSIP_HEARTBEAT_MS,
          pruneBackoff: C.GOSSIP_PRUNE_BACKOFF_MS,
          unsubcribeBackoff: C.GOSSIP_UNSUBSCRIBE_BACKOFF_MS,
          floodPublish: true,
          allowPublishToZeroTopicPeers: true,
          emitSelf: false,
          globalSignaturePolicy: StrictSign,
          // Under StrictSign a message's id is its origin and sequence number: a copy of one
          // already seen (a full mesh forwards each message to every node several times) is
          // then known as a duplicate before its signature is checked again. The cache takes
          // an id only once its message has passed validation, so a forged copy cannot
          // shadow the real one.
          fastMsgIdFn: fastMessageId,
          // Every peer of a mesh forwards a message to its mesh, the message's origin
          // included: the origin got each of its messages back from every mesh peer and
          // checked each copy's signature before finding it had published it. A message
          // this node publishes is entered in the fast-id cache as it is sent, so its copies
          // are dropped as duplicates before anything is checked.
          msgIdFn: (msg) => {
            const id = messageId(msg)
            if (msg.type === 'signed' && msg.from.equals(self)) {
              const pubsub = this.#node?.services.pubsub as unknown as GossipInternals | undefined
              const seqno = id.subarray(id.byteLength - 8)
              pubsub?.fastMsgIdCache?.put(fastMessageId({ from: msg.from.toMultihash().bytes, seqno }), pubsub.msgIdToStrFn(id))
            }
            return id
          },
          // One encoding of a published message for all its recipients, not one per peer.
          batchPublish: true,
          maxInboundDataLength: C.GOSSIP_MAX_RPC_BYTES,
          // Every node of a test or a benchmark shares 127.0.0.1; members are invited, so
          // many peers behind one address are no sign of a Sybil attack here.
          scoreParams: {
            IPColocationFactorWeight: 0,
            appSpecificScore: (peer) => this.#scores.value(peer),
            appSpecificWeight: C.GOSSIP_APP_SCORE_WEIGHT
          }
        })
      }
    })
    node.addEventListener('peer:connect', (evt) => {
      const peer = evt.detail.toString()
      this.#know(peer)
      this.#log.debug('peer connected', { peer })
      this.#redialer.onConnect(peer)
      this.#emit('peer:connect', peer)
    })
    node.addEventListener('peer:disconnect', (evt) => {
      const peer = evt.detail.toString()
      this.#log.debug('peer disconnected', { peer })
      this.#redialer.onDisconnect(peer)
      this.#emit('peer:disconnect', peer)
    })
    node.addEventListener('peer:discovery', (evt) => { this.#onDiscovery(evt.detail) })

    const stop = new AbortController()
    try {
      await node.start()
      for (const [protocol, { handler, options }] of this.#handlers) await this.#register(node, protocol, handler, options, stop.signal)
      for (const topic of this.#subscriptions.keys()) this.#follow(node, topic)
    } catch (err) {
      try {
        await node.stop()
      } catch {
        // the start error is the one worth reporting
      }
      throw startError(err)
    }
    this.#node = node
    this.#stop = stop
    this.#redialer.start()
    this.#log.info('network started', { peerId: this.peerId, addresses: this.addresses() })
  }

  async stop (): Promise<void> {
    await this.#starting?.catch(() => {})
    const node = this.#node
    if (node === undefined) return
    this.#redialer.stop()
    this.#stop?.abort(new NetworkError('the network is stopping'))
    this.#node = undefined
    this.#stop = undefined
    await node.stop()
    this.#log.info('network stopped')
  }

  addresses (): string[] {
    return this.#node?.getMultiaddrs().map(ma => ma.toString()) ?? []
  }

  peers (): string[] {
    return this.#node?.getPeers().map(peer => peer.toString()) ?? []
  }

  async dial (addr: string, options: AbortOptions = {}): Promise<string> {
    const node = this.#started('dial')
    let target: Multiaddr
    try {
      target = multiaddr(addr)
    } catch (err) {
      throw new InvalidInputError(`not a multiaddr: ${addr}`, { cause: err })
    }
    const peer = peerOf(target)
    if (peer !== undefined && this.#blocked.has(peer)) {
      throw new DialError(`cannot dial ${peer}: the peer is blocked`, { hint: 'unblock(peer) lifts the block' })
    }
    const signal = options.signal ?? AbortSignal.timeout(C.DIAL_TIMEOUT_MS)
    signal.throwIfAborted()
    try {
      const connection = await dialConfirmed(node, target, signal)
      return connection.remotePeer.toString()
    } catch (err) {
      if (signal.aborted) throw signal.reason
      throw new DialError(`cannot dial ${addr}`, { details: (err as Error).message, cause: err })
    }
  }

  subscribe (topic: string, handler: MessageHandler): void {
    const fresh = !this.#subscriptions.has(topic)
    this.#subscriptions.set(topic, handler)
    if (fresh && this.#node !== undefined) this.#follow(this.#node, topic)
  }

  /**
   * Subscribes, with the topic's handler as gossipsub's validator: a message is handed to
   * it before it is forwarded, and goes on to other peers only if the handler accepts it
   * (a member does not relay an outsider's junk to the other members).
   */
  #follow (node: Node, topic: string): void {
    node.services.pubsub.topicValidators.set(topic, this.#validate)
    node.services.pubsub.subscribe(topic)
  }

  unsubscribe (topic: string): void {
    if (!this.#subscriptions.delete(topic)) return
    this.#node?.services.pubsub.unsubscribe(topic)
    this.#node?.services.pubsub.topicValidators.delete(topic)
  }

  async publish (topic: string, data: Uint8Array): Promise<number> {
    const node = this.#started('publish')
    if (data.byteLength > C.GOSSIP_MAX_MESSAGE_BYTES) {
      throw new PayloadTooLargeError(`gossip message is over the limit of ${C.GOSSIP_MAX_MESSAGE_BYTES} bytes`, {
        details: `${data.byteLength} bytes on ${topic}`,
        hint: 'send large data over a request/response protocol'
      })
    }
    try {
      await this.#repairOutbound(node, topic)
      const { recipients } = await node.services.pubsub.publish(topic, data)
      return recipients.length
    } catch (err) {
      if ((err as Error).message === 'PublishError.NoPeersSubscribedToTopic') return 0
      throw new NetworkError(`cannot publish to ${topic}`, { details: (err as Error).message, cause: err })
    }
  }

  /**
   * Gossipsub opens its outbound stream to a peer once, when the connection comes up, and
   * forgets it when the stream's `close` event fires. Two races leave a subscriber with no
   * working stream for as long as the connection lasts, so it hears nothing: opening the
   * stream fails (the connection flapped while a block was lifted, say), or the stream
   * closes before gossipsub listens for its close (its connection went away while the open
   * was resolving), leaving a closed stream on record. Before each publish, replaces the
   * missing or closed streams of a topic's subscribers over their open connections.
   */
  async #repairOutbound (node: Node, topic: string): Promise<void> {
    // The implementation's own fields (not in the GossipSub interface).
    const pubsub = node.services.pubsub as unknown as {
      getSubscribers: (topic: string) => PeerId[]
      streamsOutbound: Map<string, { rawStream: { status: string } }>
      createOutboundStream: (peer: PeerId, connection: Connection) => Promise<void>
    }
    for (const peer of pubsub.getSubscribers(topic)) {
      const id = peer.toString()
      const current = pubsub.streamsOutbound.get(id)
      if (current !== undefined && current.rawStream.status === 'open') continue
      const connection = node.getConnections(peer).find((c) => c.status === 'open')
      if (connection === undefined) continue
      this.#log.debug('reopening the gossip stream to a subscriber', { peer: id, topic, was: current === undefined ? 'missing' : current.rawStream.status })
      if (current !== undefined) pubsub.streamsOutbound.delete(id)
      await pubsub.createOutboundStream(peer, connection)
    }
  }

  topicPeers (topic: string): string[] {
    return this.#node?.services.pubsub.getSubscribers(topic).map(peer => peer.toString()) ?? []
  }

  async handle (protocol: string, handler: RequestHandler, options: HandleOptions = {}): Promise<void> {
    this.#handlers.set(protocol, { handler, options })
    const node = this.#node
    if (node !== undefined) {
      await node.unhandle(protocol)
      await this.#register(node, protocol, handler, options, this.#stop?.signal ?? AbortSignal.abort())
    }
  }

  async unhandle (protocol: string): Promise<void> {
    this.#handlers.delete(protocol)
    await this.#node?.unhandle(protocol)
  }

  request (peer: string, protocol: string, payload: Uint8Array, options: RequestOptions = {}): AsyncIterable<Uint8Array> {
    const node = this.#started('request')
    const stopSignal = this.#stop?.signal
    return sendRequest({
      open: async (to, proto, signal) => {
        const target = parsePeer(to)
        if (this.#refused(to)) throw new DialError(`cannot reach ${to}: the peer is blocked`)
        return await node.dialProtocol(target, proto, {
          signal: stopSignal === undefined ? signal : AbortSignal.any([signal, stopSignal])
        })
      }
    }, peer, protocol, payload, options)
  }

  async block (peer: string): Promise<void> {
    const target = parsePeer(peer)
    this.#blocked.add(peer)
    const node = this.#node
    if (node === undefined) return
    if (this.#isConnected(peer)) this.#reconnectOnUnblock.add(peer)
    this.#log.info('peer blocked', { peer })
    await node.hangUp(target)
  }

  unblock (peer: string): void {
    if (!this.#blocked.delete(peer)) return
    this.#log.info('peer unblocked', { peer })
    const reconnect = this.#reconnectOnUnblock.delete(peer)
    if (this.#redialer.has(peer)) {
      this.#redialer.onUnblock(peer)
    } else if (reconnect && this.#node !== undefined && this.#stop !== undefined) {
      // Dial what the peer store knows of it; the peer may also dial us first.
      void this.#dialPeer(peer, [], AbortSignal.any([this.#stop.signal, AbortSignal.timeout(C.DIAL_TIMEOUT_MS)]))
        .catch((err: Error) => { this.#log.debug('redial after unblock failed', { peer, error: err.message }) })
    }
  }

  penalize (peer: string, points: number, reason: string): void {
    if (!this.#scores.penalize(peer, points)) return
    this.#log.warn('peer banned: it kept sending rejected material', { peer, reason, forMs: C.PEER_BAN_MS })
    this.#known.delete(peer)
    const node = this.#node
    if (node === undefined) return
    let target: PeerId
    try { target = peerIdFromString(peer) } catch { return }
    node.hangUp(target).catch((err: Error) => { this.#log.debug('hanging up on a banned peer failed', { peer, error: err.message }) })
  }

  score (peer: string): number {
    return this.#scores.value(peer)
  }

  /** Blocked by an operator, or banned for its conduct. */
  #know (peer: string): void {
    this.#known.delete(peer)
    this.#known.add(peer)
    if (this.#known.size > C.MAX_KNOWN_PEERS) this.#known.delete(this.#known.values().next().value!)
  }

  /** An inbound connection from a peer never connected before, over the budget for those. */
  #overNewPeerBudget (peer: string): boolean {
    if (this.#known.has(peer) || this.#newInbound.take('new')) return false
    this.#log.debug('inbound connection refused: too many new peers at once', { peer })
    return true
  }

  #refused (peer: string): boolean {
    return this.#blocked.has(peer) || this.#scores.banned(peer)
  }

  on (event: NetworkEvent, listener: (peer: string) => void): void {
    let set = this.#listeners.get(event)
    if (set === undefined) this.#listeners.set(event, set = new Set())
    set.add(listener)
  }

  off (event: NetworkEvent, listener: (peer: string) => void): void {
    this.#listeners.get(event)?.delete(listener)
  }

  #emit (event: NetworkEvent, peer: string): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        listener(peer)
      } catch (err) {
        this.#log.error(`${event} listener failed`, { peer, error: (err as Error).message })
      }
    }
  }

  #onMessage (msg: Message): TopicValidatorResult {
    const handler = this.#subscriptions.get(msg.topic)
    if (handler === undefined) return TopicValidatorResult.Ignore
    if (msg.type !== 'signed') {
      this.#log.warn('unsigned gossip message dropped', { topic: msg.topic })
      return TopicValidatorResult.Reject
    }
    try {
      const verdict = handler({ from: msg.from.toString(), topic: msg.topic, data: plain(msg.data) })
      return verdict === 'reject' ? TopicValidatorResult.Reject : verdict === 'ignore' ? TopicValidatorResult.Ignore : TopicValidatorResult.Accept
    } catch (err) {
      this.#log.error('gossip handler failed', { topic: msg.topic, error: (err as Error).message })
      return TopicValidatorResult.Ignore
    }
  }


  #onDiscovery (info: PeerInfo): void {
    const peer = info.id.toString()
    const node = this.#node
    if (node === undefined || peer === this.peerId || this.#blocked.has(peer) || this.#isConnected(peer)) return
    this.#log.debug('peer discovered', { peer })
    node.dial(info.multiaddrs.length > 0 ? info.multiaddrs : info.id, { signal: AbortSignal.timeout(C.DIAL_TIMEOUT_MS) })
      .catch((err: Error) => { this.#log.debug('dialling a discovered peer failed', { peer, error: err.message }) })
  }

  async #register (node: Node, protocol: string, handler: RequestHandler, options: HandleOptions, stopSignal: AbortSignal): Promise<void> {
    const logger = this.#log
    await node.handle(protocol, async (stream, connection) => {
      await serve(stream, connection, { protocol, handler, options, stopSignal, logger })
    }, {
      maxInboundStreams: C.MAX_PROTOCOL_STREAMS,
      maxOutboundStreams: C.MAX_PROTOCOL_STREAMS
    })
  }

  async #dialPeer (peer: string, addrs: string[], signal: AbortSignal): Promise<void> {
    const node = this.#node
    if (node === undefined) throw new NetworkError('the network is not started')
    const target = addrs.length > 0 ? addrs.map(addr => multiaddr(addr)) : parsePeer(peer)
    await dialConfirmed(node, target, signal)
  }

  #isConnected (peer: string): boolean {
    const node = this.#node
    if (node === undefined) return false
    return node.getConnections(parsePeer(peer)).some(conn => conn.status === 'open')
  }

  #started (what: string): Node {
    if (this.#node === undefined) throw new NetworkError(`cannot ${what}: the network is not started`, { hint: 'call start() first' })
    return this.#node
  }
}

/**
 * Dials and waits until the remote has accepted the connection: its identify arrived over
 * it. A peer that gates us closes the connection right after the handshake, so libp2p's
 * dial alone resolves even when the peer refuses us. A connection that stays open without
 * identify (a peer without the protocol) is accepted after CONFIRM_TIMEOUT_MS; an
 * existing connection is returned as it is.
 */
async function dialConfirmed (node: Node, target: PeerId | Multiaddr | Multiaddr[], signal: AbortSignal): Promise<Connection> {
  const identified = new Set<string>()
  const settled = Promise.withResolvers<void>()
  let connection: Connection | undefined
  const onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    identified.add(evt.detail.connection.id)
    if (evt.detail.connection.id === connection?.id) settled.resolve()
  }
  const refused = (): DialError => new DialError('the peer closed the connection right after the handshake', { hint: 'it may have blocked this node' })
  const onClose = (): void => { settled.reject(refused()) }
  node.addEventListener('peer:identify', onIdentify)
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const existing = new Set(node.getConnections().map(conn => conn.id))
    connection = await node.dial(target, { signal })
    if (connection.status !== 'open') throw refused()
    if (existing.has(connection.id) || identified.has(connection.id)) return connection
    connection.addEventListener('close', onClose)
    timer = setTimeout(() => { settled.resolve() }, C.CONFIRM_TIMEOUT_MS)
    await raceSignal(settled.promise, signal)
    return connection
  } finally {
    clearTimeout(timer)
    node.removeEventListener('peer:identify', onIdentify)
    connection?.removeEventListener('close', onClose)
  }
}

function parsePeer (peer: string): PeerId {
  try {
    return peerIdFromString(peer)
  } catch (err) {
    throw new InvalidInputError(`not a peer id: ${peer}`, { cause: err })
  }
}

function peerOf (addr: Multiaddr): string | undefined {
  return addr.getComponents().findLast(c => c.name === 'p2p')?.value
}

/** Groups bootstrap addresses by peer id; each must end in /p2p/<id>. */
function parseBootstrap (addrs: string[], self: string): Map<string, string[]> {
  const byPeer = new Map<string, string[]>()
  for (const addr of addrs) {
    let peer: string | undefined
    try {
      peer = peerOf(multiaddr(addr))
    } catch (err) {
      throw new InvalidInputError(`bootstrap address is not a multiaddr: ${addr}`, { cause: err })
    }
    if (peer === undefined) {
      throw new InvalidInputError(`bootstrap address has no peer id: ${addr}`, { hint: 'end it with /p2p/<peer id>' })
    }
    if (peer === self) continue
    const list = byPeer.get(peer) ?? []
    list.push(addr)
    byPeer.set(peer, list)
  }
  return byPeer
}

/**
 * Why the host did not start, in one line a user can act on: a p2p port in use is named
 * with what to do (libp2p's own text advises transport options and carries stacks).
 */
function startError (err: unknown): NetworkError {
  const message = String((err as Error)?.message ?? err)
  const inUse = /(\/ip[46]\/[^\s:]+\/tcp\/(\d+)): Error: listen EADDRINUSE/.exec(message)
  if (inUse !== null) {
    return new NetworkError(`the p2p port ${inUse[2]} is in use (${inUse[1]})`, {
      cause: err,
      hint: 'another node on this home, or another program, listens there: stop it, or start this node on another port with `moor node --p2p-port <port>` (0: any free port; `moor init --p2p-port <port> --force` keeps it)'
    })
  }
  return new NetworkError('cannot start the network', { details: message.split('\n')[0], cause: err, hint: 'check the listen addresses in config.json (p2p.listen)' })
}
