// A bounded map that forgets its least recently used entries: what a node keeps in memory
// per context (governance logs, keyrings, unsealed identities, records) stays bounded
// however many idle contexts it holds, and what is in use stays loaded.

export interface LruOptions<V> {
  /** Entries kept at most (more only while `evictable` refuses every older one). */
  capacity: number
  /** Whether an entry may go now (an entry in the middle of a change may not); default yes. */
  evictable?: (key: string, value: V) => boolean
  /** Told of each entry the cache forgets to stay within capacity. */
  onEvict?: (key: string, value: V) => void
}

export class Lru<V> {
  readonly capacity: number
  readonly #entries = new Map<string, V>()
  readonly #evictable: ((key: string, value: V) => boolean) | undefined
  readonly #onEvict: ((key: string, value: V) => void) | undefined
  /** The most recently used key: asking for it again changes no order. */
  #last: string | undefined

  constructor (options: LruOptions<V>) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) throw new RangeError(`cache capacity must be a positive integer, got ${options.capacity}`)
    this.capacity = options.capacity
    this.#evictable = options.evictable
    this.#onEvict = options.onEvict
  }

  get size (): number {
    return this.#entries.size
  }

  /** The entry, marked most recently used. */
  get (key: string): V | undefined {
    const value = this.#entries.get(key)
    if (value !== undefined && key !== this.#last) {
      this.#entries.delete(key)
      this.#entries.set(key, value)
      this.#last = key
    }
    return value
  }

  /** The entry, without marking it used. */
  peek (key: string): V | undefined {
    return this.#entries.get(key)
  }

  has (key: string): boolean {
    return this.#entries.has(key)
  }

  /** Stores an entry as the most recently used, then forgets the least recently used beyond capacity. */
  set (key: string, value: V): void {
    this.#entries.delete(key)
    this.#entries.set(key, value)
    this.#last = key
    // Oldest first, passing over those that may not go yet (and the entry just set).
    for (const [k, v] of this.#entries) {
      if (this.#entries.size <= this.capacity) break
      if (k === key || (this.#evictable !== undefined && !this.#evictable(k, v))) continue
      this.#entries.delete(k)
      this.#onEvict?.(k, v)
    }
  }

  delete (key: string): boolean {
    if (key === this.#last) this.#last = undefined
    return this.#entries.delete(key)
  }

  clear (): void {
    this.#entries.clear()
    this.#last = undefined
  }

  /** Keys from least to most recently used. */
  keys (): string[] {
    return [...this.#entries.keys()]
  }
}
