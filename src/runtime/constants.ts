// Runtime defaults. Everything that affects gas accounting is part of the consensus
// surface: changing a value changes how much gas the same call uses on every node.

/** Gas budget of one call when the caller gives none (docs/abi.md: 300,000,000 units). */
export const DEFAULT_GAS = 300_000_000n

/** Linear-memory cap in 64 KiB pages (1,024 pages = 64 MiB). */
export const DEFAULT_MEMORY_PAGES = 1024

/** Bytes in one WebAssembly page. */
export const WASM_PAGE_BYTES = 65_536

/** Flat fee of every host call, charged before the call does anything. */
export const HOST_CALL_BASE_GAS = 200n

/** Fee per byte a host call moves: read from or written to guest memory, or produced into the result buffer. */
export const HOST_GAS_PER_BYTE = 1n

/** Largest argument a call accepts (bytes). */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024

/** Largest value a method may pass to value_return (bytes). */
export const MAX_RETURN_BYTES = 4 * 1024 * 1024

/**
 * Idle instances kept per compiled application for reuse (src/runtime/pool.ts). Reuse
 * does not affect gas: a reused instance is restored to the state of a fresh one.
 */
export const DEFAULT_INSTANCE_POOL_SIZE = 4

/**
 * Largest initial linear memory (bytes) of a pooled instance. Restoring memory copies all
 * of it; past about 10 MiB that costs more than a fresh instance, so larger modules get
 * a fresh instance per call.
 */
export const MAX_POOLED_MEMORY_BYTES = 8 * 1024 * 1024

/** Compiled modules kept in memory by the module cache. */
export const DEFAULT_MODULE_CACHE_SIZE = 64

/** Length of entity ids, context ids and public keys in guest memory. */
export const ID_BYTES = 32
