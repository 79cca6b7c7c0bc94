// Private storage of one context for one call: node-local bytes, never replicated and
// not part of the root hash. Writes are buffered so a failed call leaves nothing.
import { toHex } from '../crypto/bytes.ts'
import { ReadOnlyViolationError } from '../errors/index.ts'
import { key, prefixRange, type Store } from '../store/index.ts'
import type { PrivateStorage } from './types.ts'

export class PrivateOverlay implements PrivateStorage {
  private readonly store: Store
  private readonly context: Uint8Array
  private readonly readOnly: boolean
  private readonly base: PrivateOverlay | undefined
  /** Buffered writes by key hex (null: removed); created on the first write. */
  private writes: Map<string, Uint8Array | null> | undefined

  constructor (store: Store, context: Uint8Array, readOnly: boolean, base?: PrivateOverlay) {
    this.store = store
    this.context = context
    this.readOnly = readOnly
    this.base = base
  }

  /** A layer for one call of a group commit; see StateOverlay.layer. */
  layer (readOnly: boolean): PrivateOverlay {
    return new PrivateOverlay(this.store, this.context, readOnly, this)
  }

  merge (layer: PrivateOverlay): void {
    if (layer.writes === undefined) return
    const writes = this.writes ??= new Map()
    for (const [hex, value] of layer.writes) writes.set(hex, value)
  }

  get (k: Uint8Array): Uint8Array | undefined {
    const hex = toHex(k)
    if (this.writes?.has(hex) === true) return this.writes.get(hex) ?? undefined
    if (this.base !== undefined) return this.base.get(k)
    return this.store.db.private.get(key(this.context, k)) as Uint8Array | undefined
  }

  put (k: Uint8Array, value: Uint8Array): void {
    this.guard()
    ;(this.writes ??= new Map()).set(toHex(k), new Uint8Array(value))
  }

  remove (k: Uint8Array): boolean {
    this.guard()
    const existed = this.get(k) !== undefined
    ;(this.writes ??= new Map()).set(toHex(k), null)
    return existed
  }

  private guard (): void {
    if (this.readOnly) throw new ReadOnlyViolationError('a query cannot write to private storage', { hint: 'call the method with execute instead of query' })
  }

  /** Writes the buffered changes into the current store transaction. */
  commit (): void {
    if (this.writes === undefined) return
    for (const [hex, value] of this.writes) {
      const k = key(this.context, Buffer.from(hex, 'hex'))
      if (value === null) this.store.db.private.remove(k)
      else this.store.db.private.put(k, value)
    }
  }
}

/** Removes a context's private storage (inside a transaction). */
export function clearPrivate (store: Store, context: Uint8Array): void {
  for (const k of [...store.db.private.getKeys(prefixRange(context))]) store.db.private.remove(k)
}
