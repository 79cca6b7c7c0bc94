// Token buckets by key (a peer, or a peer and a context): `take` answers whether one more
// is allowed now. At most `maxKeys` buckets are kept (a stranger can mint peer ids); the
// least recently used go first, and a forgotten bucket starts full again.
export class TokenBuckets {
  readonly #burst: number
  readonly #perSecond: number
  readonly #maxKeys: number
  readonly #now: () => number
  readonly #buckets = new Map<string, { tokens: number, at: number }>()

  constructor (burst: number, perSecond: number, maxKeys = 4096, now: () => number = Date.now) {
    this.#burst = burst
    this.#perSecond = perSecond
    this.#maxKeys = maxKeys
    this.#now = now
  }

  take (key: string): boolean {
    const now = this.#now()
    const b = this.#buckets.get(key) ?? { tokens: this.#burst, at: now }
    b.tokens = Math.min(this.#burst, b.tokens + (now - b.at) / 1000 * this.#perSecond)
    b.at = now
    this.#buckets.delete(key)
    this.#buckets.set(key, b)
    if (this.#buckets.size > this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!)
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }
}
