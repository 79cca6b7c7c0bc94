// Defaults of the NEAR adapter (adapters/near/), in one place.

/** How often the change feed polls the endpoint (ms). */
export const DEFAULT_POLL_INTERVAL_MS = 1_000
export const MIN_POLL_INTERVAL_MS = 20
/** Blocks the feed reads per poll at most. */
export const DEFAULT_BLOCK_RANGE = 50
/**
 * How many blocks before a range the feed also looks at for transactions: a receipt runs
 * one or more blocks after its transaction was included (a callback later still), and its
 * events belong to the block it ran in.
 */
export const RECEIPT_LOOKBACK_BLOCKS = 8
/** Gas a `mutate` call attaches (Tgas × 10^12). */
export const MUTATE_GAS = 100_000_000_000_000n
/** How long to wait for a transaction's outcome at `final` before giving up (ms). */
export const DEFAULT_TX_TIMEOUT_MS = 60_000
/** The signing domain of requests (contracts/near/assembly/requests.ts). */
export const SIGNING_DOMAIN = 'moorage:near:v1'
/** 1 NEAR in yoctoNEAR. */
export const NEAR = 10n ** 24n

/** The devnet `moor devnet near` runs: its chain id, port, genesis account and dev key. */
export const DEVNET_CHAIN_ID = 'moorage-devnet'
export const DEVNET_PORT = 3030
export const DEVNET_ACCOUNT = 'test.near'
/** The dev key of the genesis account: a fixed seed, public knowledge, for this devnet only. */
export const DEVNET_SEED_HEX = '6d6f6f726167652d6e6561722d6465766e65742d67656e657369732d6b657921'
/** The account the devnet deploys the context config contract to. */
export const DEVNET_CONTRACT = 'config.test.near'
/** Blocks `final` lags the head by on the devnet. */
export const DEVNET_FINALITY_LAG = 2
/** The devnet's block producers and the blocks per epoch (a light client follows one step per epoch). */
export const DEVNET_PRODUCERS = 4
export const DEVNET_EPOCH_LENGTH = 20
