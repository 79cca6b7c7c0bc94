// Node defaults: what `moor init` writes to config.json and what loadConfig fills in for
// a field the file leaves out.

import { MAX_COMMITMENTS_PER_INVITATION } from '../governance/acl.ts'
import type { LogLevel } from '../log/index.ts'
import { DEFAULT_GAS, DEFAULT_MEMORY_PAGES as RUNTIME_MEMORY_PAGES } from '../runtime/constants.ts'

/** The admin API listens on loopback only unless config.json says otherwise. */
export const DEFAULT_API_HOST = '127.0.0.1'

/** Port of the admin API and JSON-RPC. */
export const DEFAULT_API_PORT = 2528

/** Gas budget of one application call (see docs/abi.md). */
export const DEFAULT_GAS_LIMIT: bigint = DEFAULT_GAS

/** Linear-memory cap of one application instance, in 64 KiB pages. */
export const DEFAULT_MEMORY_PAGES: number = RUNTIME_MEMORY_PAGES

export const DEFAULT_LOG_LEVEL: LogLevel = 'info'

/** Directory under $XDG_DATA_HOME (or ~/.local/share) used when no home is given. */
export const HOME_DIR_NAME = 'moorage'

/** Files inside a node's home. */
export const CONFIG_FILE = 'config.json'
export const TOKEN_FILE = 'token'
/** Written by a running node (pid, API url), removed when it stops. */
export const RUN_FILE = 'node.json'

/** Bytes of randomness in the admin token. */
export const TOKEN_BYTES = 32

/** Largest application module accepted (bytes). */
export const MAX_APPLICATION_BYTES = 32 * 1024 * 1024

/** Largest argument of one call (bytes). */
export const MAX_CALL_ARGS_BYTES = 1024 * 1024

/** How deep cross-context calls may nest. */
export const MAX_XCALL_DEPTH = 4

/** Governance requests (moor.propose, moor.approve) one application call may make, xcalls included. */
export const MAX_CALL_GOVERNANCE_REQUESTS = 16

/** Version reported by `moor status`. */
export const NODE_VERSION = '0.1.0'

/** Most mutations one group commit takes (they share one delta per context). */
export const MAX_BATCH_CALLS = 512

/**
 * How often a member checks whether to announce its heads on a context's topic (ms). A
 * heartbeat goes out at this pace while the context changes (or its topic peers do), and
 * every IDLE_HEARTBEAT_MS otherwise; never while nobody else is on the topic.
 */
export const HEARTBEAT_MS = 1_000

/**
 * Deltas committed while a context's gossip is busy wait at most this long after its
 * previous message and go out together, one message for many (ms). A delta of a context
 * that has published nothing for this long goes out at once, alone: a quiet context pays
 * no delay, and a busy one sends a message per this interval rather than one per write
 * (each costs a signature, its checks and a copy per mesh peer on every member node).
 */
export const PUBLISH_LINGER_MS = 3

/** Most deltas, and bytes of deltas, one gossip message carries. */
export const PUBLISH_MAX_DELTAS = 256
export const PUBLISH_MAX_BYTES = 1024 * 1024

/** Heartbeat of a context whose heads and topic peers have not changed (ms). */
export const IDLE_HEARTBEAT_MS = 15_000

/** Upper bound of the random delay before a node rotates or shares a group key (ms). */
export const KEY_DUTY_DELAY_MS = 300
/** Keyrings (and their unwrapped keys) kept in memory, of the most recently used contexts. */
export const KEYRINGS_MAX = 1024
/** Context records and unsealed identities kept in memory, of the most recently used contexts. */
export const CONTEXT_RECORDS_MAX = 1024
export const UNSEALED_IDENTITIES_MAX = 1024
/** A background duty that keeps failing is retried after this, doubled per failure up to the max. */
export const BACKGROUND_BACKOFF_MS = 1_000
export const BACKGROUND_BACKOFF_MAX_MS = 60_000

/** Most deltas one catch-up request asks for. */
export const SYNC_BATCH_DELTAS = 20_000

/** Chunk size of application transfers (bytes). */
export const APP_CHUNK_BYTES = 256 * 1024

/** Default lifetime of an invitation (ms). */
export const DEFAULT_INVITATION_TTL_MS = 7 * 24 * 3600_000

/** Longest lifetime of an invitation (ms). */
export const MAX_INVITATION_TTL_MS = 365 * 24 * 3600_000

/** Most uses of one open invitation: each claim leaves a commitment, and governance keeps at most this many per invitation. */
export const MAX_INVITATION_USES = MAX_COMMITMENTS_PER_INVITATION

/** How long `leave` waits for its op to reach the mesh before the topic is dropped (ms). */
export const LEAVE_GRACE_MS = 200

/** Address the peer-to-peer host listens on (`moor init` picks a port and keeps it in config.json). */
export const DEFAULT_P2P_HOST = '127.0.0.1'
/** Listen address of the peer-to-peer host when config.json names none (a new port at each start). */
export const DEFAULT_P2P_LISTEN = '/ip4/127.0.0.1/tcp/0'

/** How long `join` waits for the group key after claiming its invitation (ms). */
export const MEMBERSHIP_WAIT_MS = 15_000

/** How often `join` asks again for governance while it waits for the group key (ms). */
export const JOIN_POLL_MS = 150

/** How long creating a chain-anchored context waits for the creation to be confirmed. */
export const CHAIN_CONFIRM_WAIT_MS = 10 * 60_000

/**
 * Catch-up streams one peer may open (all protocols together): a burst, then a steady
 * rate per second. An honest peer stays far below (a join or a catch-up takes a few
 * dozen); beyond it a request is refused with SyncRateLimitError and the peer penalized.
 */
export const PEER_STREAM_BURST = 1024
export const PEER_STREAMS_PER_S = 256

/** Syncs that gossip from one peer may trigger for one context: a burst, then per second. */
export const GOSSIP_SYNC_BURST = 4
export const GOSSIP_SYNCS_PER_S = 2

/** A generation whose fetch failed is not asked for again for this long (ms) … */
export const GENERATION_RETRY_MS = 10_000
/** … remembering at most this many such failures. */
export const MAX_FAILED_FETCHES = 1024

/**
 * Penalties (points of peer standing, see src/network/scores.ts; a ban at -100):
 * material that no honest node sends (a malformed or forged request, envelope or frame)
 * costs PENALTY_FORGED; what an honest node may send in a race (a request just before
 * its membership reached us, a delta or op judged by a view that moved, a message under
 * a key we do not hold yet) costs PENALTY_STALE; a refused request over the rate limit
 * costs PENALTY_RATE.
 */
export const PENALTY_FORGED = 10
/**
 * What a forged envelope costs a peer proven a member node of no context: banned at the
 * third. It has nothing to lose by coming back under a fresh peer id, so the ten strikes a
 * member node gets would only multiply what a flood costs (docs/security.md, Under a flood).
 */
export const PENALTY_FORGED_BY_STRANGER = 34
export const PENALTY_STALE = 1
export const PENALTY_RATE = 5

/** Peers remembered as member nodes per context (the most recently proven stay). */
export const MAX_MEMBER_PEERS = 1024

/** Deltas (and their bytes) held for missing parents per context; beyond, a new one is dropped (a sync fetches it again). */
export const MAX_HELD_DELTAS = 4096
export const MAX_HELD_BYTES = 256 * 1024 * 1024
/**
 * The share of those one author may fill: a member that floods deltas with made-up parents
 * fills its own share, and the deltas of the others are still held (it takes four members
 * colluding to fill the whole buffer).
 */
export const MAX_HELD_DELTAS_PER_AUTHOR = 1024
export const MAX_HELD_BYTES_PER_AUTHOR = 64 * 1024 * 1024

/** Deltas (and their bytes) kept per chain-anchored context while their block is not read yet. */
export const MAX_WAITING_DELTAS = 4096
export const MAX_WAITING_BYTES = 64 * 1024 * 1024

/** Largest snapshot this node imports (bytes of pages, read as they come). */
export const MAX_SNAPSHOT_IMPORT_BYTES = 1024 * 1024 * 1024

/** Largest governance answer accepted (one frame). */
export const MAX_GOV_ANSWER_BYTES = 16 * 1024 * 1024

/** Largest answer to `heads` accepted (one frame). */
export const MAX_HEADS_ANSWER_BYTES = 1024 * 1024
