// The operations an application performs on a context's shared (CRDT) state.
// The runtime maps the host ABI (docs/abi.md) onto this interface one to one; the
// state layer implements it over an in-memory overlay of the store, recording each
// write as a CRDT action for the call's delta.

export type EntityId = Uint8Array // 32 bytes

export const KINDS = ['map', 'set', 'list', 'counter', 'register'] as const
export type CollectionKind = typeof KINDS[number]

/** ABI kind codes (docs/abi.md) to collection kinds. */
export const KIND_CODES: Record<number, CollectionKind> = { 1: 'map', 2: 'set', 3: 'list', 4: 'counter', 5: 'register' }

/** What a map key holds. */
export type MapSlot =
  | { type: 'absent' }
  | { type: 'value', value: Uint8Array }
  | { type: 'nested', kind: CollectionKind }

export interface SharedState {
  /** Id of the context's root map. */
  root (): EntityId
  /** Id of the nested collection of `kind` under `key` in map `col` (creates nothing). */
  child (col: EntityId, key: Uint8Array, kind: CollectionKind): EntityId

  mapGet (col: EntityId, key: Uint8Array): MapSlot
  mapSet (col: EntityId, key: Uint8Array, value: Uint8Array): void
  mapRemove (col: EntityId, key: Uint8Array): boolean
  mapHas (col: EntityId, key: Uint8Array): boolean
  /** Live keys, sorted bytewise. */
  mapKeys (col: EntityId): Uint8Array[]

  setAdd (col: EntityId, value: Uint8Array): void
  setRemove (col: EntityId, value: Uint8Array): boolean
  setHas (col: EntityId, value: Uint8Array): boolean
  /** Elements, sorted bytewise. */
  setValues (col: EntityId): Uint8Array[]

  listValues (col: EntityId): Uint8Array[]
  listLen (col: EntityId): number
  listGet (col: EntityId, index: number): Uint8Array | undefined
  listInsert (col: EntityId, index: number, value: Uint8Array): void
  listSet (col: EntityId, index: number, value: Uint8Array): void
  listRemove (col: EntityId, index: number): boolean

  counterAdd (col: EntityId, amount: bigint): void
  counterGet (col: EntityId): bigint

  registerSet (col: EntityId, value: Uint8Array): void
  registerGet (col: EntityId): Uint8Array | undefined
}

/** Node-local key-value data of one context; never replicated, not in the root hash. */
export interface PrivateStorage {
  get (key: Uint8Array): Uint8Array | undefined
  put (key: Uint8Array, value: Uint8Array): void
  remove (key: Uint8Array): boolean
}
