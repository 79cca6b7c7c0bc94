// Defaults of the Ethereum adapter (adapters/ethereum/), in one place.

/**
 * Blocks a change needs (its own included) before the adapter reports or reads it:
 * 1 = as soon as it is mined. Public chains want more (e.g. 12), or reads at `finalized`.
 */
export const DEFAULT_CONFIRMATIONS = 1
/** How often the change feed polls the chain (ms). */
export const DEFAULT_POLL_INTERVAL_MS = 1_000
/** Blocks of history whose hashes the change feed keeps to find where a reorg forked. */
export const DEFAULT_REORG_DEPTH = 128
/** Most blocks asked of one eth_getLogs call (public RPCs cap the range). */
export const DEFAULT_LOG_RANGE = 5_000
/** Times a request is re-signed and re-sent after a nonce race or a reverted transaction. */
export const DEFAULT_SUBMIT_RETRIES = 3
/** Gas limit = estimate × this (in percent), to absorb state changes between estimate and inclusion. */
export const GAS_MARGIN_PERCENT = 125n
/** How long to wait for a transaction's receipt and confirmations before giving up (ms). */
export const DEFAULT_TX_TIMEOUT_MS = 120_000

/** The EVM the contracts are compiled for; the devnet runs the same hardfork. */
export const EVM_VERSION = 'prague'
/** solc settings for contracts/ethereum/ (via-IR: the Ed25519 verifier needs it). */
export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  viaIR: true,
  evmVersion: EVM_VERSION
} as const

/** EIP-712 domain of the ContextConfig contract (name, version; chain id and address added). */
export const EIP712_NAME = 'Moorage'
export const EIP712_VERSION = '1'

/** Domain tags of the byte strings the adapter signs or hashes (docs/ethereum.md). */
export const BIND_DOMAIN = 'moorage:bind:v1'
export const EVM_KEY_DOMAIN = 'moorage:evm-key:v1'

/** Chain id of the devnet (Hardhat's default). */
export const DEVNET_CHAIN_ID = 31337
/** Port `moor devnet` listens on unless told otherwise (the usual JSON-RPC port). */
export const DEVNET_PORT = 8545
/** Smallest chains.ethereum.pollIntervalMs: polling faster only loads the endpoint. */
export const MIN_POLL_INTERVAL_MS = 50
/** Hardhat's first default account: funded on every Hardhat/EDR devnet. Never use it elsewhere. */
export const DEVNET_RELAYER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
