/**
 * Bumped whenever the layout of any sub-database changes incompatibly.
 * 2: `state` values in the entity codec of entity-codec.ts instead of msgpack.
 */
export const SCHEMA_VERSION = 2

/**
 * Address space the store's file is mapped into from the start (only the pages read use
 * memory; the file grows as written). LMDB maps a growing file anew at each doubling and
 * keeps the earlier maps for the buffers that point into them: from a small start, the
 * same pages were resident in several maps, about twice the file.
 */
export const MAP_BYTES = 64 * 1024 ** 3

/** Named sub-databases of the node's one LMDB environment. */
export const DATABASES = [
  'meta', // schema version, node facts
  'identities', // context identities; secret keys sealed under the node key
  'applications', // application records and their WASM bytes
  'contexts', // context records
  'state', // CRDT entities: ctx ‖ entity id -> entity (entity-codec.ts)
  'children', // ctx ‖ parent id ‖ child id -> 1 (enumerates collections)
  'private', // ctx ‖ key -> bytes (node-local app data)
  'deltas', // ctx ‖ delta id -> signed delta bytes
  'dag', // ctx -> heads, counts, root hash
  'pending', // ctx ‖ delta id -> signed delta still missing parents
  'waiting', // ctx ‖ missing parent ‖ child delta -> 1
  'governance', // governance ops (offchain anchor)
  'voided', // ctx ‖ 0 ‖ delta id -> 1: deltas of removed members kept without effect; ctx ‖ 1 ‖ removal id -> 1: removals enforced
  'anchors' // chain adapters' caches
] as const

export type DatabaseName = typeof DATABASES[number]
