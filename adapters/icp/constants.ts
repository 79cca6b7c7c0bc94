// Constants of the ICP adapter.

/** What every request signature starts with (contracts/icp/src/Main.mo, signedMessage). */
export const SIGNING_DOMAIN = 'moorage:icp:v1'
/** The devnet's port unless told otherwise (dfx's local replica port). */
export const DEVNET_PORT = 4943
/** The CAIP-2 reference of the local devnet. */
export const DEVNET_NETWORK = 'local'
export const DEFAULT_POLL_INTERVAL_MS = 500
export const MIN_POLL_INTERVAL_MS = 20
/** Log entries per feed range (the canister answers at most 100 per `entries` call). */
export const FEED_RANGE = 500
/** The devnet's dev identity (ed25519 seed): public knowledge, for the devnet only. */
export const DEVNET_SEED_HEX = '6d6f6f726167652d6963702d6465766e65742d6964656e746974792d30303031'
/** What the devnet's ledger grants the dev identity at launch, in e8s (1000 ICP). */
export const DEVNET_LEDGER_GRANT = 100_000_000_000n
