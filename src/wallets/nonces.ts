// Node-issued nonces for link statements: each is used once and goes stale after `ttlMs`,
// so a captured statement cannot be replayed at this node. Each nonce may keep what it was
// issued for (the statement the node prepared), so a submission names the nonce only.
// Bounded in count: the oldest nonce goes first.
import { randomBytes } from 'node:crypto'

export class LinkNonces<T = true> {
  readonly #issued = new Map<string, { until: number, value: T | undefined }>()
  readonly #ttlMs: number
  readonly #max: number
  readonly #now: () => number

  constructor (options: { ttlMs?: number, max?: number, now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? 10 * 60_000
    this.#max = options.max ?? 10_000
    this.#now = options.now ?? Date.now
  }

  get ttlMs (): number { return this.#ttlMs }

  /** A fresh nonce; `value` makes what it is issued for (it may name the nonce). */
  issue (value?: (nonce: string) => T): string {
    this.#sweep()
    if (this.#issued.size >= this.#max) this.#issued.delete(this.#issued.keys().next().value as string)
    const nonce = randomBytes(16).toString('hex')
    this.#issued.set(nonce, { until: this.#now() + this.#ttlMs, value: value?.(nonce) })
    return nonce
  }

  /** What a live nonce was issued for (it stays live), or undefined. */
  peek (nonce: string): T | undefined {
    const e = this.#issued.get(nonce)
    return e !== undefined && e.until > this.#now() ? e.value : undefined
  }

  /** True once for a live nonce this node issued; false for unknown, used or stale ones. */
  consume (nonce: string): boolean {
    const e = this.#issued.get(nonce)
    this.#issued.delete(nonce)
    return e !== undefined && e.until > this.#now()
  }

  #sweep (): void {
    const now = this.#now()
    for (const [n, e] of this.#issued) if (e.until <= now) this.#issued.delete(n)
  }
}
