// SharedState for one application call: reads the overlay, and turns every write into
// a CRDT action that is applied to the overlay at once (so the call reads its own
// writes) and recorded for the call's delta.
import { compareBytes, equalBytes, toHex } from '../crypto/bytes.ts'
import { HostCallError, ReadOnlyViolationError } from '../errors/index.ts'
import { applyAction, OP, type Action } from './actions.ts'
import type { Entity } from './entity.ts'
import type { Timestamp } from './hlc.ts'
import { mapChildId, makeStamp, setElementId } from './ids.ts'
import type { StateOverlay } from './overlay.ts'
import { orderItems, type Item } from './rga.ts'
import type { CollectionKind, EntityId, MapSlot, SharedState } from './types.ts'

const KIND_CODE: Record<CollectionKind, number> = { map: 1, set: 2, list: 3, counter: 4, register: 5 }
const COLLECTIONS = new Set<string>(['map', 'set', 'list', 'counter', 'register'])

export interface SharedStateInit {
  overlay: StateOverlay
  /** Author of the resulting delta (the executor). */
  author: Uint8Array
  hlc: Timestamp
  readOnly: boolean
  /** Actions already in the delta this call's actions will join (group commit). */
  firstIndex?: number
  /**
   * The byte arrays passed in are the caller's to give away (the host copies every
   * argument out of guest memory): keep them as they are instead of copying.
   */
  ownsInputs?: boolean
}

export class RecordingState implements SharedState {
  readonly actions: Action[] = []
  private readonly o: StateOverlay
  private readonly author: Uint8Array
  private readonly hlc: Timestamp
  private readonly readOnly: boolean
  private readonly firstIndex: number
  private readonly ownsInputs: boolean
  /** Collections named through `child` in this call: where to create them on first write (made on first use). */
  private derived: Map<string, { parent: Uint8Array, key: Uint8Array, kind: CollectionKind }> | undefined

  constructor (init: SharedStateInit) {
    this.o = init.overlay
    this.author = init.author
    this.hlc = init.hlc
    this.readOnly = init.readOnly
    this.firstIndex = init.firstIndex ?? 0
    this.ownsInputs = init.ownsInputs === true
  }

  /** An input to keep: a copy, unless the caller gave it away. */
  private take (bytes: Uint8Array): Uint8Array {
    return this.ownsInputs ? bytes : new Uint8Array(bytes)
  }

  private record (action: Action): void {
    if (this.readOnly) throw new ReadOnlyViolationError('a query cannot write to shared state', { hint: 'call the method with execute instead of query' })
    const stamp = makeStamp(this.hlc, this.author, this.firstIndex + this.actions.length)
    applyAction(this.o, action, stamp, this.author)
    this.actions.push(action)
  }

  /** Makes sure `col` exists as a live collection of `kind`, creating it (and its parents) if needed. */
  private ensure (col: EntityId, kind: CollectionKind): void {
    if (equalBytes(col, this.o.rootId)) {
      if (kind !== 'map') throw new HostCallError(`the root collection is a map, not a ${kind}`)
      return
    }
    const e = this.o.get(col)
    if (e !== undefined && e.t === kind) return
    const info = this.derived?.get(toHex(col))
    if (info === undefined) {
      if (e !== undefined && COLLECTIONS.has(e.t)) throw new HostCallError(`collection is a ${e.t}, not a ${kind}`)
      throw new HostCallError('unknown collection id', { hint: 'obtain collection ids from root() or child() in the same call' })
    }
    if (info.kind !== kind) throw new HostCallError(`collection was opened as a ${info.kind}, not a ${kind}`)
    this.ensure(info.parent, 'map')
    this.record([OP.SLOT, info.parent, info.key, KIND_CODE[kind]])
  }

  private live (col: EntityId, kind: CollectionKind): Entity | undefined {
    const e = this.o.get(col)
    if (equalBytes(col, this.o.rootId)) return e
    return e !== undefined && e.t === kind ? e : undefined
  }

  root (): EntityId {
    return this.o.rootId
  }

  child (col: EntityId, key: Uint8Array, kind: CollectionKind): EntityId {
    const id = mapChildId(col, key)
    ;(this.derived ??= new Map()).set(toHex(id), { parent: col, key: this.take(key), kind })
    return id
  }

  // Map
  mapGet (col: EntityId, key: Uint8Array): MapSlot {
    if (this.live(col, 'map') === undefined) return { type: 'absent' }
    const e = this.o.get(mapChildId(col, key))
    if (e === undefined || e.t === 'tomb') return { type: 'absent' }
    if (e.t === 'value') return { type: 'value', value: e.v! }
    return { type: 'nested', kind: e.t as CollectionKind }
  }

  mapSet (col: EntityId, key: Uint8Array, value: Uint8Array): void {
    this.ensure(col, 'map')
    this.record([OP.PUT, col, this.take(key), this.take(value)])
  }

  mapRemove (col: EntityId, key: Uint8Array): boolean {
    if (!this.mapHas(col, key)) return false
    this.record([OP.DEL, col, this.take(key)])
    return true
  }

  mapHas (col: EntityId, key: Uint8Array): boolean {
    return this.mapGet(col, key).type !== 'absent'
  }

  mapKeys (col: EntityId): Uint8Array[] {
    if (this.live(col, 'map') === undefined) return []
    const keys: Uint8Array[] = []
    for (const id of this.o.children(col)) {
      const e = this.o.get(id)
      if (e !== undefined && e.t !== 'tomb' && e.t !== 'elem' && e.t !== 'item') keys.push(e.k)
    }
    return keys.sort(compareBytes)
  }

  // Set
  private element (col: EntityId, value: Uint8Array): Entity | undefined {
    if (this.live(col, 'set') === undefined) return undefined
    return this.o.get(setElementId(col, value))
  }

  setAdd (col: EntityId, value: Uint8Array): void {
    this.ensure(col, 'set')
    this.record([OP.SADD, col, this.take(value)])
  }

  setRemove (col: EntityId, value: Uint8Array): boolean {
    const e = this.element(col, value)
    if (e === undefined || (e.tags ?? []).length === 0) return false
    this.record([OP.SREM, col, this.take(value), e.tags!.map((t) => new Uint8Array(t))])
    return true
  }

  setHas (col: EntityId, value: Uint8Array): boolean {
    return (this.element(col, value)?.tags ?? []).length > 0
  }

  setValues (col: EntityId): Uint8Array[] {
    if (this.live(col, 'set') === undefined) return []
    const out: Uint8Array[] = []
    for (const id of this.o.children(col)) {
      const e = this.o.get(id)
      if (e !== undefined && e.t === 'elem' && (e.tags ?? []).length > 0) out.push(e.k)
    }
    return out.sort(compareBytes)
  }

  // List
  /**
   * A list's live items in order, computed once per overlay version: a call that reads a
   * list item by item (list_get in a loop) then costs one ordering, not one per item.
   */
  private items (col: EntityId): Item[] {
    const version = this.o.version
    if (this.listCache === undefined || this.listCache.version !== version) this.listCache = { version, lists: new Map() }
    const hex = toHex(col)
    let items = this.listCache.lists.get(hex)
    if (items === undefined) {
      items = this.orderedItems(col)
      this.listCache.lists.set(hex, items)
    }
    return items
  }

  private listCache: { version: number, lists: Map<string, Item[]> } | undefined

  private orderedItems (col: EntityId): Item[] {
    if (this.live(col, 'list') === undefined) return []
    const all: Item[] = []
    for (const id of this.o.children(col)) {
      const e = this.o.get(id)
      if (e !== undefined && e.t === 'item') all.push({ id, entity: e })
    }
    return orderItems(all).filter((it) => it.entity.v !== null)
  }

  listValues (col: EntityId): Uint8Array[] {
    return this.items(col).map((it) => it.entity.v!)
  }

  listLen (col: EntityId): number {
    return this.items(col).length
  }

  listGet (col: EntityId, index: number): Uint8Array | undefined {
    return this.items(col)[index]?.entity.v ?? undefined
  }

  listInsert (col: EntityId, index: number, value: Uint8Array): void {
    this.ensure(col, 'list')
    const items = this.items(col)
    if (!Number.isInteger(index) || index < 0 || index > items.length) {
      throw new HostCallError(`list index ${index} out of range (length ${items.length})`)
    }
    const after = index === 0 ? null : items[index - 1]!.id
    this.record([OP.INS, col, after, this.take(value)])
  }

  listSet (col: EntityId, index: number, value: Uint8Array): void {
    const item = this.items(col)[index]
    if (item === undefined) throw new HostCallError(`list index ${index} out of range`)
    this.record([OP.LSET, col, item.id, this.take(value)])
  }

  listRemove (col: EntityId, index: number): boolean {
    const item = this.items(col)[index]
    if (item === undefined) return false
    this.record([OP.LREM, col, item.id])
    return true
  }

  // Counter
  counterAdd (col: EntityId, amount: bigint): void {
    this.ensure(col, 'counter')
    if (amount !== 0n) this.record([OP.CNT, col, amount])
  }

  counterGet (col: EntityId): bigint {
    const e = this.live(col, 'counter')
    let sum = 0n
    for (const [, p, n] of e?.cnt ?? []) sum += p - n
    return sum
  }

  // Register
  registerSet (col: EntityId, value: Uint8Array): void {
    this.ensure(col, 'register')
    this.record([OP.REG, col, this.take(value)])
  }

  registerGet (col: EntityId): Uint8Array | undefined {
    return this.live(col, 'register')?.rv ?? undefined
  }
}
