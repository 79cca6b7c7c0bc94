// The network's contract: a libp2p host that knows nothing about contexts. Peers are named
// by their libp2p peer id (base58 string), addresses are multiaddr strings.
import type { Logger } from '../log/index.ts'

export interface NetworkInit {
  /** 32-byte ed25519 seed: the node's libp2p identity (derived by the node from its node key). */
  seed: Uint8Array
  /** Addresses to listen on. Default DEFAULT_LISTEN: loopback, an ephemeral TCP port. */
  listen?: string[]
  /**
   * Multiaddrs with /p2p/<id>: dialled at start and re-dialled with backoff whenever the
   * peer is disconnected (and not blocked).
   */
  bootstrap?: string[]
  /** Discover and dial peers on the local network with mDNS. Default false. */
  mdns?: boolean
  /** Default: silent. */
  logger?: Logger
}

export interface InboundMessage {
  /** Peer id of the message's author (gossip messages are signed). */
  from: string
  topic: string
  data: Uint8Array
}

export interface AbortOptions {
  signal?: AbortSignal
}

export interface HandleOptions {
  /** Largest request accepted (bytes). Default MAX_REQUEST_BYTES. */
  maxRequestBytes?: number
  /** Largest response frame the handler may produce (bytes). Default MAX_RESPONSE_FRAME_BYTES. */
  maxResponseFrameBytes?: number
}

export interface RequestOptions extends AbortOptions {
  /** Largest response frame accepted (bytes). Default MAX_RESPONSE_FRAME_BYTES. */
  maxResponseFrameBytes?: number
}

/**
 * Answers one request. Return one payload (a promise) or a sequence of payloads (an async
 * iterable, for paged transfers). A throw reaches the requester as a ProtocolError with the
 * message. `signal` aborts when the requester goes away or the network stops. Payloads are
 * sent without copying: do not modify one after handing it over.
 */
export type RequestHandler = (request: Uint8Array, from: string, signal: AbortSignal) => AsyncIterable<Uint8Array> | Promise<Uint8Array>

/**
 * What to do with a gossip message, decided before it is passed on: `accept` (deliver and
 * forward), `reject` (drop; the sender broke the rules) or `ignore` (drop; cannot be
 * judged here). A handler that returns nothing accepts.
 */
export type MessageVerdict = 'accept' | 'reject' | 'ignore'

/** Runs before the message is forwarded, so it must be quick: heavy work goes to the background. */
export type MessageHandler = (msg: InboundMessage) => MessageVerdict | void

export type NetworkEvent = 'peer:connect' | 'peer:disconnect'

export interface Network {
  readonly peerId: string
  /** Starts listening, dials the bootstrap peers (in the background) and joins subscribed topics. */
  start (): Promise<void>
  stop (): Promise<void>
  /** Full multiaddrs, each ending in /p2p/<peerId>. Empty while stopped. */
  addresses (): string[]
  /** Connected peer ids. */
  peers (): string[]
  /** Connects to a multiaddr (with or without /p2p/<id>) and answers the peer's id. Default timeout DIAL_TIMEOUT_MS. */
  dial (addr: string, options?: AbortOptions): Promise<string>
  /** Joins a gossip topic; messages go to `handler` (one handler per topic: a second call replaces it). */
  subscribe (topic: string, handler: MessageHandler): void
  unsubscribe (topic: string): void
  /** Publishes to a topic; answers how many peers it was sent to, 0 when none is subscribed. */
  publish (topic: string, data: Uint8Array): Promise<number>
  /** Peers known to be subscribed to a topic. */
  topicPeers (topic: string): string[]
  /**
   * Serves a request/response protocol: each request is one length-prefixed frame; the
   * response is a sequence of frames (for paged transfers), then the stream closes.
   * May be called before start.
   */
  handle (protocol: string, handler: RequestHandler, options?: HandleOptions): Promise<void>
  unhandle (protocol: string): Promise<void>
  /**
   * Sends a request and yields the response payloads. Throws ProtocolError when the remote
   * handler fails (with its message), FrameTooLargeError when a frame is over a limit, and
   * the signal's reason when aborted (default timeout REQUEST_TIMEOUT_MS). Stopping the
   * iteration early resets the stream, which aborts the remote handler's signal.
   */
  request (peer: string, protocol: string, payload: Uint8Array, options?: RequestOptions): AsyncIterable<Uint8Array>
  /** Connection gating for tests and operators: refuse and drop connections to/from a peer. */
  block (peer: string): Promise<void>
  /** Lifts a block; a bootstrap peer, or one connected when it was blocked, is dialled again. */
  unblock (peer: string): void
  /**
   * Lowers a peer's standing for material the layers above rejected (`points` > 0; the
   * reason is logged if it leads to a ban). Gossipsub scores the peer by it; at
   * PEER_BAN_SCORE the peer is disconnected and refused for PEER_BAN_MS.
   */
  penalize (peer: string, points: number, reason: string): void
  /** A peer's standing: 0 is neutral, negative after penalties (they wear off). */
  score (peer: string): number
  on (event: NetworkEvent, listener: (peer: string) => void): void
  off (event: NetworkEvent, listener: (peer: string) => void): void
}
