// Message keys of a receiving chain that were stepped over (a later message came first),
// kept so that the earlier ones still open when they come. Bounded by count (the oldest
// go first) and by age: a key older than the limit is dropped, and a message that late
// is fetched by catch-up instead, as one under an epoch this node no longer holds is.
export interface SkippedLimits {
  /** Most keys kept per node (all chains together). */
  maxKeys: number
  /** Longest a key is kept (ms). */
  maxAgeMs: number
}

interface Entry { key: Uint8Array, at: number }

export class SkippedKeys {
  private readonly entries = new Map<string, Entry>()
  private readonly limits: SkippedLimits

  constructor (limits: SkippedLimits) {
    this.limits = limits
  }

  get size (): number { return this.entries.size }

  /** Keeps a message key under `id` (epoch, sender, index); evicts the oldest past the count. */
  put (id: string, key: Uint8Array, now = Date.now()): void {
    this.entries.set(id, { key, at: now })
    while (this.entries.size > this.limits.maxKeys) this.drop(this.entries.keys().next().value!)
  }

  /** Takes (and forgets) the key kept under `id`, if it is there and not too old. */
  take (id: string, now = Date.now()): Uint8Array | undefined {
    this.expire(now)
    const e = this.entries.get(id)
    if (e === undefined) return undefined
    this.entries.delete(id)
    return e.key
  }

  has (id: string): boolean { return this.entries.has(id) }

  /** Drops keys older than the age limit (insertion order is age order). */
  expire (now = Date.now()): void {
    for (const [id, e] of this.entries) {
      if (now - e.at <= this.limits.maxAgeMs) break
      this.drop(id)
    }
  }

  /** Drops every key whose id starts with `prefix` (an epoch that is no longer kept). */
  dropPrefix (prefix: string): void {
    for (const id of [...this.entries.keys()]) if (id.startsWith(prefix)) this.drop(id)
  }

  entriesList (): Array<[string, Uint8Array, number]> {
    return [...this.entries].map(([id, e]) => [id, e.key, e.at])
  }

  private drop (id: string): void {
    this.entries.get(id)?.key.fill(0)
    this.entries.delete(id)
  }
}
