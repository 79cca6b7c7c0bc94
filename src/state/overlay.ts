// A write buffer over one context's stored entities. Reads fall through to the store;
// writes stay in memory until `commit`, so a failed call or an invalid delta is simply
// dropped. Merkle hashes are recomputed once, bottom-up, in `seal`.
//
// A call of a group commit that may fail writes into the batch's overlay between `begin`
// and `keep` (it succeeded) or `drop` (it failed: its writes are undone). An overlay may
// also sit on a `base` overlay instead of the store (`layer`/`merge`), for the same use.
import { asBinary } from 'lmdb'
import type { Store } from '../store/index.ts'
import { key, prefixRange } from '../store/index.ts'
import { toHex } from '../crypto/bytes.ts'
import { accumulateChild, fromStored, hashEntity, ZERO32, type Entity } from './entity.ts'
import { rootId } from './ids.ts'

// Scratch keys for store reads and writes (lmdb-js copies a key as soon as it is given
// one, so one buffer serves every call): ctx ‖ id, and ctx ‖ parent ‖ child.
const KEY2 = Buffer.allocUnsafeSlow(64)
const KEY3 = Buffer.allocUnsafeSlow(96)

function key2 (ctx: Uint8Array, id: Uint8Array): Buffer {
  if (ctx.length !== 32 || id.length !== 32) return key(ctx, id)
  KEY2.set(ctx, 0)
  KEY2.set(id, 32)
  return KEY2
}

function key3 (ctx: Uint8Array, parent: Uint8Array, id: Uint8Array): Buffer {
  if (ctx.length !== 32 || parent.length !== 32 || id.length !== 32) return key(ctx, parent, id)
  KEY3.set(ctx, 0)
  KEY3.set(parent, 32)
  KEY3.set(id, 64)
  return KEY3
}

/** The value of a children-index entry: 1, already msgpack-encoded (0x01), as lmdb-js takes raw bytes. */
export const CHILD_MARK = asBinary(Uint8Array.of(0x01))

interface Dirty {
  id: Uint8Array
  /** toHex(id): the key of `dirty`. */
  hex: string
  entity: Entity
  /** Hash as stored before this overlay touched it (null: new entity). */
  before: Uint8Array | null
  /** toHex(entity.p), once known (an entity never changes parent). */
  phex?: string
}

/** New children of one parent. */
interface Added {
  parent: Uint8Array
  ids: Uint8Array[]
}

/**
 * How to undo one write of the open call: restore an entity's previous version, forget a
 * new entity, or take a new child back off its parent's list.
 */
type Undo =
  | { d: Dirty, prev: Entity }
  | { d: Dirty, prev: null, parent: string | null }

export class StateOverlay {
  readonly context: Uint8Array
  readonly rootId: Uint8Array
  private readonly store: Store
  private readonly base: StateOverlay | undefined
  private readonly dirty = new Map<string, Dirty>()
  private readonly newChildren = new Map<string, Added>()
  /** Store reads of this overlay (null: absent), so a write does not read twice. */
  private readonly loaded: Map<string, Entity | null> | undefined
  /** Undo records of the open call (between begin and keep/drop), oldest first. */
  private journal: Undo[] | null = null

  constructor (store: Store, context: Uint8Array, base?: StateOverlay) {
    this.store = store
    this.context = context
    this.rootId = base === undefined ? rootId(context) : base.rootId
    this.base = base
    this.loaded = base === undefined ? new Map() : undefined
  }

  /** A layer on top of this overlay, for one call that may fail. */
  /**
   * Changes whenever what this overlay shows may have changed (a write, an undo, a merged
   * layer, here or in an overlay below): readers may cache what they computed from it.
   */
  get version (): number {
    return this.writes + (this.base?.version ?? 0)
  }

  private writes = 0

  layer (): StateOverlay {
    return new StateOverlay(this.store, this.context, this)
  }

  /** Moves a layer's writes into this overlay (the layer's call succeeded); the layer is spent. */
  merge (layer: StateOverlay): void {
    this.writes++
    // The layer read through this overlay, so what it saw below itself is what this
    // overlay holds: its `before` and its new children carry over as they are, and its
    // records are taken over rather than copied.
    for (const d of layer.dirty.values()) {
      const existing = this.dirty.get(d.hex)
      if (existing !== undefined) existing.entity = d.entity
      else this.dirty.set(d.hex, d)
    }
    for (const [hex, added] of layer.newChildren) {
      const mine = this.newChildren.get(hex)
      if (mine === undefined) this.newChildren.set(hex, added)
      else for (const id of added.ids) mine.ids.push(id)
    }
    layer.dirty.clear()
    layer.newChildren.clear()
  }

  /** Opens a call whose writes `drop` can undo; `keep` accepts them. */
  begin (): void {
    if (this.journal !== null) throw new Error('overlay: a call is already open (bug in the caller)')
    this.journal = []
  }

  /** Accepts the open call's writes. */
  keep (): void {
    this.journal = null
  }

  /** Undoes the open call's writes (it failed). */
  drop (): void {
    this.writes++
    const journal = this.journal
    this.journal = null
    if (journal === null) return
    for (let i = journal.length - 1; i >= 0; i--) {
      const u = journal[i]!
      if (u.prev !== null) {
        u.d.entity = u.prev
        continue
      }
      this.dirty.delete(u.d.hex)
      if (u.parent !== null) {
        const added = this.newChildren.get(u.parent)!
        added.ids.pop()
        if (added.ids.length === 0) this.newChildren.delete(u.parent)
      }
    }
  }

  get (id: Uint8Array): Entity | undefined {
    return this.lookup(this.hexOf(id), id)
  }

  // The hex of the last two ids asked about, by identity: a write reads an entity, then
  // writes it and names its parent, with the same arrays.
  private id0: Uint8Array | null = null
  private hex0 = ''
  private id1: Uint8Array | null = null
  private hex1 = ''

  private hexOf (id: Uint8Array): string {
    if (id === this.id0) return this.hex0
    if (id === this.id1) return this.hex1
    const hex = toHex(id)
    this.id1 = this.id0
    this.hex1 = this.hex0
    this.id0 = id
    this.hex0 = hex
    return hex
  }

  private lookup (hex: string, id: Uint8Array): Entity | undefined {
    const d = this.dirty.get(hex)
    if (d !== undefined) return d.entity
    return this.below(hex, id)
  }

  /** What lies under this overlay: the base overlay, or the store. */
  private below (hex: string, id: Uint8Array): Entity | undefined {
    if (this.base !== undefined) return this.base.lookup(hex, id)
    const loaded = this.loaded!
    const cached = loaded.get(hex)
    if (cached !== undefined) return cached ?? undefined
    const raw = this.store.db.state.get(key2(this.context, id))
    const e = raw === undefined ? undefined : fromStored(raw)
    loaded.set(hex, e ?? null)
    return e
  }

  /** Stores a new version of an entity (a new one is recorded as a new child of `entity.p`). */
  put (id: Uint8Array, entity: Entity): void {
    this.putHex(this.hexOf(id), id, entity)
  }

  private putHex (hex: string, id: Uint8Array, entity: Entity): Dirty {
    this.writes++
    const existing = this.dirty.get(hex)
    if (existing !== undefined) {
      this.journal?.push({ d: existing, prev: existing.entity })
      existing.entity = entity
      return existing
    }
    const stored = this.below(hex, id)
    const d: Dirty = { id, hex, entity, before: stored === undefined ? null : stored.h }
    let parent: string | null = null
    if (stored === undefined && entity.p !== null) {
      parent = d.phex = this.hexOf(entity.p)
      const added = this.newChildren.get(parent)
      if (added === undefined) this.newChildren.set(parent, { parent: entity.p, ids: [id] })
      else added.ids.push(id)
    }
    this.dirty.set(hex, d)
    this.journal?.push({ d, prev: null, parent })
    return d
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
    if (added !== undefined) out.push(...added.ids)
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
    const parentHex = (d: Dirty): string | null => {
      const p = d.entity.p
      return p === null ? null : (d.phex ??= toHex(p))
    }
    const depthOf = new Map<string, number>()
    const depth = (hex: string, id: Uint8Array): number => {
      const known = depthOf.get(hex)
      if (known !== undefined) return known
      const e = this.lookup(hex, id)
      const d = e === undefined || e.p === null ? 0 : depth(toHex(e.p), e.p) + 1
      depthOf.set(hex, d)
      return d
    }
    const levels: Dirty[][] = []
    const queued = new Set<string>()
    const enqueue = (d: Dirty): void => {
      if (queued.has(d.hex)) return
      queued.add(d.hex)
      let lvl = depthOf.get(d.hex)
      if (lvl === undefined) {
        const ph = parentHex(d)
        lvl = ph === null ? 0 : depth(ph, d.entity.p!) + 1
        depthOf.set(d.hex, lvl)
      }
      (levels[lvl] ??= []).push(d)
    }
    this.dirty.forEach(enqueue)
    // Parents whose accumulator this seal already copied (and may update in place).
    const owned = new Map<string, Dirty>()
    for (let lvl = levels.length - 1; lvl >= 0; lvl--) {
      const level = levels[lvl]
      if (level === undefined) continue
      for (let i = 0; i < level.length; i++) {
        const d = level[i]!
        // Dirty entities are this overlay's own objects (writes always build new ones).
        const h = hashEntity(d.entity)
        d.entity.h = h
        const parentId = d.entity.p
        const oldH = d.before
        if (parentId === null || (oldH !== null && Buffer.compare(oldH, h) === 0)) continue
        const ph = parentHex(d)!
        let pd = owned.get(ph)
        if (pd === undefined) {
          const parent = this.lookup(ph, parentId)
          if (parent === undefined) throw new Error('entity without parent')
          pd = this.putHex(ph, parentId, { ...parent, acc: new Uint8Array(parent.acc) })
          owned.set(ph, pd)
          enqueue(pd)
        }
        accumulateChild(pd.entity.acc, d.id, h, oldH)
      }
    }
    const root = this.lookup(toHex(this.rootId), this.rootId)
    return root === undefined ? ZERO32 : root.h
  }

  /** Writes every change into the current store transaction (call `seal` first). */
  commit (): void {
    const { state, children } = this.store.db
    // forEach and index loops: no iterator result per entry on this hot path.
    this.dirty.forEach((d) => { state.put(key2(this.context, d.id), d.entity) })
    this.newChildren.forEach(({ parent, ids }) => {
      for (let i = 0; i < ids.length; i++) children.put(key3(this.context, parent, ids[i]!), CHILD_MARK)
    })
  }
}

/** The root map of a new context. */
export function newRoot (): Entity {
  const e: Entity = { p: null, k: new Uint8Array(0), t: 'map', ts: null, v: null, acc: ZERO32, h: ZERO32 }
  return { ...e, h: hashEntity(e) }
}
