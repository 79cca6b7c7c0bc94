// A bounded buffer of items (governance ops, deltas) that wait for parents this node does
// not have yet. Bounded by count and by bytes; when full, the oldest item goes first (a
// sync fetches it again if it was real). Indexed by missing parent, so taking a new item
// in releases exactly the items that waited for it — no rescan of everything held (ten
// held ops from a stranger once cost seconds of CPU per ingest that way).
import { toHex } from '../crypto/bytes.ts'

export interface HeldItem {
  id: Uint8Array
  parents: Uint8Array[]
  /** Size charged against the byte bound. */
  size: number
}

export interface HeldLimits {
  maxItems: number
  maxBytes: number
}

export class HeldBuffer<T extends HeldItem> {
  private readonly limits: HeldLimits
  /** Insertion order is age: a Map iterates oldest first. */
  private readonly items = new Map<string, { item: T, missing: Set<string> }>()
  private readonly byParent = new Map<string, Set<string>>()
  private bytes = 0

  constructor (limits: HeldLimits) {
    this.limits = limits
  }

  get count (): number {
    return this.items.size
  }

  get size (): number {
    return this.bytes
  }

  has (id: Uint8Array): boolean {
    return this.items.has(toHex(id))
  }

  /** Parents that held items wait for. */
  missing (): Uint8Array[] {
    return [...this.byParent.keys()].map((hex) => new Uint8Array(Buffer.from(hex, 'hex')))
  }

  /**
   * Holds `item` until every id of `missing` was released; answers the items evicted to
   * make room (oldest first). An item larger than the whole byte bound is not held.
   */
  hold (item: T, missing: Uint8Array[]): T[] {
    const hex = toHex(item.id)
    if (this.items.has(hex) || item.size > this.limits.maxBytes || missing.length === 0) return []
    const evicted: T[] = []
    while (this.items.size > 0 && (this.items.size >= this.limits.maxItems || this.bytes + item.size > this.limits.maxBytes)) {
      const oldest = this.items.keys().next().value as string
      evicted.push(this.drop(oldest)!)
    }
    const set = new Set(missing.map(toHex))
    this.items.set(hex, { item, missing: set })
    for (const p of set) {
      const waiting = this.byParent.get(p) ?? new Set()
      waiting.add(hex)
      this.byParent.set(p, waiting)
    }
    this.bytes += item.size
    return evicted
  }

  /**
   * `id` is now known: answers the held items that waited for it and no longer wait for
   * anything (removed from the buffer). The caller judges them, and calls `arrived` for
   * each one it takes in, which cascades.
   */
  arrived (id: Uint8Array): T[] {
    const p = toHex(id)
    const waiting = this.byParent.get(p)
    if (waiting === undefined) return []
    this.byParent.delete(p)
    const ready: T[] = []
    for (const hex of waiting) {
      const entry = this.items.get(hex)
      if (entry === undefined) continue
      entry.missing.delete(p)
      if (entry.missing.size === 0) ready.push(this.drop(hex)!)
    }
    return ready
  }

  /** Takes an item out (it arrived again, now with its parents known). */
  take (id: Uint8Array): T | undefined {
    return this.drop(toHex(id))
  }

  /** Forgets everything held. */
  clear (): void {
    this.items.clear()
    this.byParent.clear()
    this.bytes = 0
  }

  private drop (hex: string): T | undefined {
    const entry = this.items.get(hex)
    if (entry === undefined) return undefined
    this.items.delete(hex)
    this.bytes -= entry.item.size
    for (const p of entry.missing) {
      const waiting = this.byParent.get(p)
      waiting?.delete(hex)
      if (waiting?.size === 0) this.byParent.delete(p)
    }
    return entry.item
  }
}
