// Network defaults. Every figure a caller can override lives here, documented once.

/** Where a node listens unless told otherwise: loopback, an ephemeral port. */
export const DEFAULT_LISTEN: readonly string[] = ['/ip4/127.0.0.1/tcp/0']

/** Deadline of one `dial` when the caller passes no signal. */
export const DIAL_TIMEOUT_MS = 10_000

/** How long a dial waits for the remote's identify before taking an open connection as accepted. */
export const CONFIRM_TIMEOUT_MS = 2_000

/** Deadline of one whole `request` (open, send, every response frame) when the caller passes no signal. */
export const REQUEST_TIMEOUT_MS = 60_000

/** Largest request frame a `handle`d protocol accepts (payload bytes). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024

/** Largest response frame a requester accepts, and a responder sends (payload bytes). */
export const MAX_RESPONSE_FRAME_BYTES = 16 * 1024 * 1024

/**
 * A reader pauses the stream (stops granting the muxer window) once this many bytes of
 * complete frames wait for the consumer, and resumes below the low-water mark: a slow
 * consumer of a paged transfer holds at most a few MiB, not the whole transfer.
 */
export const READ_HIGH_WATER_BYTES = 4 * 1024 * 1024
export const READ_LOW_WATER_BYTES = 1024 * 1024

/**
 * Per-stream read buffer of libp2p (what it holds while the stream is paused). It must
 * exceed the yamux stream window (16 MiB) or a pause would reset the stream.
 */
export const STREAM_READ_BUFFER_BYTES = 40 * 1024 * 1024

/** How long a responder waits for the requester to close its side after a refused request. */
export const REFUSED_STREAM_GRACE_MS = 2_000

/** Concurrent streams of one request/response protocol, per connection. */
export const MAX_PROTOCOL_STREAMS = 256

/** Bootstrap peers are re-dialled after a disconnect or a failed dial with this backoff. */
export const REDIAL_INITIAL_DELAY_MS = 100
export const REDIAL_MAX_DELAY_MS = 5_000
export const REDIAL_FACTOR = 2
/** A connection that lasted this long resets the backoff when it drops. */
export const REDIAL_STABLE_MS = 2_000

/**
 * libp2p refuses more than this many inbound connections per second from one host. Its
 * default (5) is too low when many nodes share one machine (tests, benchmarks on loopback).
 */
export const INBOUND_CONNECTION_THRESHOLD = 100

/**
 * Inbound connections from peers this node has never been connected to: a burst, then so
 * many a second. A banned flooder comes back under a fresh peer id at no cost; this caps
 * how often (a new honest peer refused during an attack is retried by its redialer).
 */
export const NEW_PEER_INBOUND_BURST = 8
export const NEW_PEER_INBOUND_PER_S = 0.5
/** Peers remembered as having been connected (for the budget above). */
export const MAX_KNOWN_PEERS = 4096

/** Most connections a node keeps. */
export const MAX_CONNECTIONS = 300

/**
 * Gossipsub tuned for small meshes (2–50 peers per context): a mesh degree of about 4, a
 * short heartbeat so meshes form and repair quickly, and flood publishing so a message
 * reaches every subscribed neighbour at once rather than only the mesh.
 */
export const GOSSIP_D = 4
export const GOSSIP_D_LO = 3
export const GOSSIP_D_HI = 8
export const GOSSIP_D_SCORE = 2
export const GOSSIP_D_OUT = 2
export const GOSSIP_D_LAZY = 4
export const GOSSIP_HEARTBEAT_MS = 500
/** Backoff after a PRUNE, and after unsubscribing, before a peer is grafted again. */
export const GOSSIP_PRUNE_BACKOFF_MS = 5_000
export const GOSSIP_UNSUBSCRIBE_BACKOFF_MS = 2_000
/**
 * Largest gossipsub RPC frame: @libp2p/gossipsub 17 length-prefixes outbound RPCs with
 * it-length-prefixed's fixed 4 MiB cap (a larger RPC is silently not sent).
 */
export const GOSSIP_MAX_RPC_BYTES = 4 * 1024 * 1024
/**
 * Largest gossip payload `publish` sends (bytes): the RPC cap less room for the envelope
 * (topic, signature, key) and the control messages piggybacked on it (IHAVE lists).
 */
export const GOSSIP_MAX_MESSAGE_BYTES = GOSSIP_MAX_RPC_BYTES - 512 * 1024

/**
 * Peer standing (scores.ts): a peer at or below PEER_BAN_SCORE is disconnected and its
 * connections refused for PEER_BAN_MS; penalties wear off at PEER_SCORE_RECOVERY_PER_S.
 * Gossipsub reads the standing as its application-specific score, weighted by
 * GOSSIP_APP_SCORE_WEIGHT, against its default thresholds (-10 gossip, -50 publish, -80
 * graylist): at a standing of -20 the peer gets no gossip from us, at -100 no flood
 * publish, and it is banned there. The weight keeps the graylist (which would hide the
 * peer's further messages, and so its further penalties) below the ban.
 */
export const PEER_BAN_SCORE = -100
export const PEER_BAN_MS = 5 * 60_000
export const PEER_SCORE_RECOVERY_PER_S = 1
export const GOSSIP_APP_SCORE_WEIGHT = 0.5
/** Most peers whose standing (or ban) is remembered; the least recently penalized go first. */
export const MAX_SCORED_PEERS = 4096
