// Node-issued nonces for link statements: each is used once and goes stale after `ttlMs`,
// so a captured statement cannot be replayed at this node. Bounded in count.
import { randomBytes } from 'node:crypto'

export class LinkNonces {
  readonly #issued = new Map<string, number>()
  readonly #ttlMs: number
  readonly #max: number
  readonly #now: () => number

  constructor (options: { ttlMs?: number, max?: number, now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? 10 * 60_000
    this.#max = options.max ?? 10_000
    this.#now = options.now ?? Date.now
  }

  issue (): string {
    this.#sweep()
    if (this.#issued.size >= this.#max) this.#issued.delete(this.#issued.keys().next().value as string)
    const nonce = randomBytes(16).toString('hex')
    this.#issued.set(nonce, this.#now() + this.#ttlMs)
    return nonce
  }

  /** True once for a live nonce this node issued; false for unknown, used or stale ones. */
  consume (nonce: string): boolean {
    const until = this.#issued.get(nonce)
    this.#issued.delete(nonce)
    return until !== undefined && until > this.#now()
  }

  #sweep (): void {
    const now = this.#now()
    for (const [n, until] of this.#issued) if (until <= now) this.#issued.delete(n)
  }
}
