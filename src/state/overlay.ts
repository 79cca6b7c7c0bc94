// A write buffer over one context's stored entities. Reads fall through to the store;
// writes stay in memory until `commit`, so a failed call or an invalid delta is simply
// dropped. Merkle hashes are recomputed once, bottom-up, in `seal`.
//
// An overlay may sit on a `base` overlay instead of the store: each call of a group
// commit gets its own layer, merged into the batch's layer only if the call succeeds.
import type { Store } from '../store/index.ts'
import { key, prefixRange } from '../store/index.ts'
import { toHex } from '../crypto/bytes.ts'
import { accumulate, contribution, fromStored, hashEntity, ZERO32, type Entity } from './entity.ts'
import { rootId } from './ids.ts'

interface Dirty {
  id: Uint8Array
  entity: Entity
  /** Hash as stored before this overlay touched it (null: new entity). */
  before: Uint8Array | null
}

export class StateOverlay {
  readonly context: Uint8Array
  readonly rootId: Uint8Array
  private readonly store: Store
  private readonly base: StateOverlay | undefined
  private readonly dirty = new Map<string, Dirty>()
  private readonly newChildren = new Map<string, Uint8Array[]>()
  /** Store reads of this overlay (null: absent), so a write does not read twice. */
  private readonly loaded = new Map<string, Entity | null>()

  constructor (store: Store, context: Uint8Array, base?: StateOverlay) {
    this.store = store
    this.context = context
    this.rootId = rootId(context)
    this.base = base
  }

  /** A layer on top of this overlay, for one call that may fail. */
  layer (): StateOverlay {
    return new StateOverlay(this.store, this.context, this)
  }

  /** Moves a layer's writes into this overlay (the layer's call succeeded). */
  merge (layer: StateOverlay): void {
    for (const d of layer.dirty.values()) this.put(d.id, d.entity)
  }

  get (id: Uint8Array): Entity | undefined {
    const hex = toHex(id)
    const d = this.dirty.get(hex)
    if (d !== undefined) return d.entity
    return this.below(hex, id)
  }

  /** What lies under this overlay: the base overlay, or the store. */
  private below (hex: string, id: Uint8Array): Entity | undefined {
    if (this.base !== undefined) return this.base.get(id)
    const cached = this.loaded.get(hex)
    if (cached !== undefined) return cached ?? undefined
    const raw = this.store.db.state.get(key(this.context, id))
    const e = raw === undefined ? undefined : fromStored(raw)
    this.loaded.set(hex, e ?? null)
    return e
  }

  /** Stores a new version of an entity; `fresh` marks a new child of `entity.p`. */
  put (id: Uint8Array, entity: Entity): void {
    const hex = toHex(id)
    const existing = this.dirty.get(hex)
    if (existing !== undefined) {
      existing.entity = entity
      return
    }
    const stored = this.below(hex, id)
    if (stored === undefined && entity.p !== null) {
      const parent = toHex(entity.p)
      const list = this.newChildren.get(parent)
      if (list === undefined) this.newChildren.set(parent, [id])
      else list.push(id)
    }
    this.dirty.set(hex, { id, entity, before: stored === undefined ? null : stored.h })
  }

  /** Ids of every child of `parent`, stored or new. */
  children (parent: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = []
    if (this.base !== undefined) {
      out.push(...this.base.children(parent))
    } else {
      const prefix = key(this.context, parent)
      for (const k of this.store.db.children.getKeys(prefixRange(prefix))) {
        out.push((k as Buffer).subarray(64))
      }
    }
    const added = this.newChildren.get(toHex(parent))
    if (added !== undefined) out.push(...added)
    return out
  }

  get size (): number {
    return this.dirty.size
  }

  /**
   * Recomputes the hashes of every touched entity and its ancestors, deepest first,
   * and returns the new root hash.
   */
  seal (): Uint8Array {
    const depthOf = new Map<string, number>()
    const depth = (id: Uint8Array): number => {
      const hex = toHex(id)
      const known = depthOf.get(hex)
      if (known !== undefined) return known
      const e = this.get(id)
      const d = e === undefined || e.p === null ? 0 : depth(e.p) + 1
      depthOf.set(hex, d)
      return d
    }
    const levels: Dirty[][] = []
    const queued = new Set<string>()
    const enqueue = (d: Dirty): void => {
      const hex = toHex(d.id)
      if (queued.has(hex)) return
      queued.add(hex)
      const lvl = depth(d.id);
      (levels[lvl] ??= []).push(d)
    }
    for (const d of this.dirty.values()) enqueue(d)
    for (let lvl = levels.length - 1; lvl >= 0; lvl--) {
      for (const d of levels[lvl] ?? []) {
        const h = hashEntity(d.entity)
        d.entity = { ...d.entity, h }
        const parentId = d.entity.p
        const oldH = d.before
        if (parentId === null || (oldH !== null && Buffer.compare(oldH, h) === 0)) continue
        const parent = this.get(parentId)
        if (parent === undefined) throw new Error('entity without parent')
        const acc = accumulate(parent.acc, contribution(d.id, h), oldH === null ? null : contribution(d.id, oldH))
        this.put(parentId, { ...parent, acc })
        enqueue(this.dirty.get(toHex(parentId))!)
      }
    }
    const root = this.get(this.rootId)
    return root === undefined ? ZERO32 : root.h
  }

  /** Writes every change into the current store transaction (call `seal` first). */
  commit (): void {
    const { state, children } = this.store.db
    for (const d of this.dirty.values()) {
      state.put(key(this.context, d.id), d.entity)
    }
    for (const [parentHex, ids] of this.newChildren) {
      const parent = Buffer.from(parentHex, 'hex')
      for (const id of ids) children.put(key(this.context, parent, id), 1)
    }
  }
}

/** The root map of a new context. */
export function newRoot (): Entity {
  const e: Entity = { p: null, k: new Uint8Array(0), t: 'map', ts: null, v: null, acc: ZERO32, h: ZERO32 }
  return { ...e, h: hashEntity(e) }
}
