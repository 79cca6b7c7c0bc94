// A plain in-memory SharedState / PrivateStorage for runtime tests: enough CRDT-shaped
// behaviour (maps, sets, lists, counters, registers, nested collections) to check the
// ABI marshalling. The node-level tests use the real CRDT store.

import { createHash } from 'node:crypto'
import type { CollectionKind, EntityId, MapSlot, PrivateStorage, SharedState } from '../../src/state/types.ts'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const compare = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b)

type Collection =
  | { kind: 'map', entries: Map<string, { key: Uint8Array, value: Uint8Array }> }
  | { kind: 'set', values: Map<string, Uint8Array> }
  | { kind: 'list', items: Uint8Array[] }
  | { kind: 'counter', total: bigint }
  | { kind: 'register', value: Uint8Array | undefined }

interface ChildRef { parent: string, key: Uint8Array, kind: CollectionKind }

export class MemoryState implements SharedState {
  readonly rootId: EntityId
  readonly collections = new Map<string, Collection>()
  readonly #children = new Map<string, ChildRef>()
  /** Each write as `op:collection-hex`, for assertions. */
  readonly writes: string[] = []

  constructor (rootId: EntityId = new Uint8Array(32).fill(0xaa)) {
    this.rootId = rootId
    this.collections.set(hex(rootId), { kind: 'map', entries: new Map() })
  }

  root (): EntityId {
    return this.rootId.slice()
  }

  child (col: EntityId, key: Uint8Array, kind: CollectionKind): EntityId {
    const id = createHash('sha256').update(col).update(key).digest()
    const out = new Uint8Array(id)
    this.#children.set(hex(out), { parent: hex(col), key: key.slice(), kind })
    return out
  }

  // ---- maps
  mapGet (col: EntityId, key: Uint8Array): MapSlot {
    const nested = this.#nestedAt(col, key)
    if (nested !== undefined) return { type: 'nested', kind: nested }
    const e = this.#read(col, 'map')?.entries.get(hex(key))
    return e === undefined ? { type: 'absent' } : { type: 'value', value: e.value.slice() }
  }

  mapSet (col: EntityId, key: Uint8Array, value: Uint8Array): void {
    this.#write(col, 'map').entries.set(hex(key), { key: key.slice(), value: value.slice() })
    this.writes.push(`map_set:${hex(col)}`)
  }

  mapRemove (col: EntityId, key: Uint8Array): boolean {
    this.writes.push(`map_remove:${hex(col)}`)
    const m = this.#read(col, 'map')
    if (m === undefined) return false
    for (const [id, ref] of this.#children) {
      if (ref.parent === hex(col) && compare(ref.key, key) === 0 && this.collections.delete(id)) return true
    }
    return m.entries.delete(hex(key))
  }

  mapHas (col: EntityId, key: Uint8Array): boolean {
    return this.mapGet(col, key).type !== 'absent'
  }

  mapKeys (col: EntityId): Uint8Array[] {
    const m = this.#read(col, 'map')
    const keys = m === undefined ? [] : [...m.entries.values()].map((e) => e.key.slice())
    for (const [id, ref] of this.#children) {
      if (ref.parent === hex(col) && this.collections.has(id)) keys.push(ref.key.slice())
    }
    return keys.sort(compare)
  }

  // ---- sets
  setAdd (col: EntityId, value: Uint8Array): void {
    this.#write(col, 'set').values.set(hex(value), value.slice())
    this.writes.push(`set_add:${hex(col)}`)
  }

  setRemove (col: EntityId, value: Uint8Array): boolean {
    this.writes.push(`set_remove:${hex(col)}`)
    return this.#read(col, 'set')?.values.delete(hex(value)) ?? false
  }

  setHas (col: EntityId, value: Uint8Array): boolean {
    return this.#read(col, 'set')?.values.has(hex(value)) ?? false
  }

  setValues (col: EntityId): Uint8Array[] {
    const s = this.#read(col, 'set')
    return s === undefined ? [] : [...s.values.values()].map((v) => v.slice()).sort(compare)
  }

  // ---- lists
  listValues (col: EntityId): Uint8Array[] {
    return (this.#read(col, 'list')?.items ?? []).map((v) => v.slice())
  }

  listLen (col: EntityId): number {
    return this.#read(col, 'list')?.items.length ?? 0
  }

  listGet (col: EntityId, index: number): Uint8Array | undefined {
    return this.#read(col, 'list')?.items[index]?.slice()
  }

  listInsert (col: EntityId, index: number, value: Uint8Array): void {
    const l = this.#write(col, 'list')
    if (index < 0 || index > l.items.length) throw new RangeError(`list index ${index} out of range`)
    l.items.splice(index, 0, value.slice())
    this.writes.push(`list_insert:${hex(col)}`)
  }

  listSet (col: EntityId, index: number, value: Uint8Array): void {
    const l = this.#write(col, 'list')
    if (index < 0 || index >= l.items.length) throw new RangeError(`list index ${index} out of range`)
    l.items[index] = value.slice()
    this.writes.push(`list_set:${hex(col)}`)
  }

  listRemove (col: EntityId, index: number): boolean {
    this.writes.push(`list_remove:${hex(col)}`)
    const l = this.#read(col, 'list')
    if (l === undefined || index < 0 || index >= l.items.length) return false
    l.items.splice(index, 1)
    return true
  }

  // ---- counters
  counterAdd (col: EntityId, amount: bigint): void {
    this.#write(col, 'counter').total += amount
    this.writes.push(`counter_add:${hex(col)}`)
  }

  counterGet (col: EntityId): bigint {
    return this.#read(col, 'counter')?.total ?? 0n
  }

  // ---- registers
  registerSet (col: EntityId, value: Uint8Array): void {
    this.#write(col, 'register').value = value.slice()
    this.writes.push(`register_set:${hex(col)}`)
  }

  registerGet (col: EntityId): Uint8Array | undefined {
    return this.#read(col, 'register')?.value?.slice()
  }

  // ---- internals
  #kindOf (col: EntityId): CollectionKind | undefined {
    return this.collections.get(hex(col))?.kind ?? this.#children.get(hex(col))?.kind
  }

  #nestedAt (col: EntityId, key: Uint8Array): CollectionKind | undefined {
    for (const [id, ref] of this.#children) {
      if (ref.parent === hex(col) && compare(ref.key, key) === 0 && this.collections.has(id)) return ref.kind
    }
    return undefined
  }

  #read<K extends CollectionKind> (col: EntityId, kind: K): Extract<Collection, { kind: K }> | undefined {
    const known = this.#kindOf(col)
    if (known !== undefined && known !== kind) throw new TypeError(`collection ${hex(col).slice(0, 8)} is a ${known}, not a ${kind}`)
    return this.collections.get(hex(col)) as Extract<Collection, { kind: K }> | undefined
  }

  #write<K extends CollectionKind> (col: EntityId, kind: K): Extract<Collection, { kind: K }> {
    const existing = this.#read(col, kind)
    if (existing !== undefined) return existing
    const ref = this.#children.get(hex(col))
    if (ref === undefined) throw new TypeError(`unknown collection ${hex(col).slice(0, 8)}`)
    // First write into a child creates it and turns the parent's key into a nested slot.
    const parent = this.#write(Buffer.from(ref.parent, 'hex'), 'map')
    parent.entries.delete(hex(ref.key))
    const created = fresh(kind)
    this.collections.set(hex(col), created)
    return created as Extract<Collection, { kind: K }>
  }
}

function fresh (kind: CollectionKind): Collection {
  switch (kind) {
    case 'map': return { kind, entries: new Map() }
    case 'set': return { kind, values: new Map() }
    case 'list': return { kind, items: [] }
    case 'counter': return { kind, total: 0n }
    case 'register': return { kind, value: undefined }
  }
}

export class MemoryPrivateStorage implements PrivateStorage {
  readonly entries = new Map<string, Uint8Array>()

  get (key: Uint8Array): Uint8Array | undefined {
    return this.entries.get(hex(key))?.slice()
  }

  put (key: Uint8Array, value: Uint8Array): void {
    this.entries.set(hex(key), value.slice())
  }

  remove (key: Uint8Array): boolean {
    return this.entries.delete(hex(key))
  }
}

export interface TestEnv {
  env: import('../../src/runtime/types.ts').CallEnv
  state: MemoryState
  private: MemoryPrivateStorage
  events: Array<{ kind: string, data: Uint8Array }>
  logs: string[]
  xcalls: Array<{ target: Uint8Array, method: string, args: Uint8Array }>
  /** Governance requests in call order: a proposal's actions (as given) and the id it was given, or an approval. */
  governance: Array<{ type: 'propose', actions: Uint8Array, proposal: Uint8Array } | { type: 'approve', proposal: Uint8Array }>
}

/** A CallEnv over fresh in-memory state that records events, logs, xcalls and governance requests. */
export function createTestEnv (overrides: Partial<import('../../src/runtime/types.ts').CallEnv> = {}): TestEnv {
  const state = new MemoryState()
  const priv = new MemoryPrivateStorage()
  const events: TestEnv['events'] = []
  const logs: string[] = []
  const xcalls: TestEnv['xcalls'] = []
  const governance: TestEnv['governance'] = []
  const env = {
    contextId: new Uint8Array(32).fill(0x11),
    executor: new Uint8Array(32).fill(0x22),
    now: 1_700_000_000_123,
    readOnly: false,
    input: new Uint8Array(0),
    state,
    private: priv,
    emit: (kind: string, data: Uint8Array) => { events.push({ kind, data }) },
    xcall: (target: Uint8Array, method: string, args: Uint8Array) => {
      xcalls.push({ target, method, args })
      return new TextEncoder().encode(JSON.stringify({ xcall: method }))
    },
    log: (line: string) => { logs.push(line) },
    propose: (actions: Uint8Array) => {
      // Ids count up from 0x01…: recognisable in tests.
      const proposal = new Uint8Array(32).fill(governance.length + 1)
      governance.push({ type: 'propose', actions, proposal })
      return proposal
    },
    approve: (proposal: Uint8Array) => { governance.push({ type: 'approve', proposal }) },
    ...overrides
  }
  return { env, state, private: priv, events, logs, xcalls, governance }
}
