// Least-recently-used cache of compiled applications, keyed by application id (hex).
// Each entry owns the pool of its instances, dropped with it.

import type { InstancePool } from './pool.ts'
import type { WasmModule } from './wasm-api.ts'

export interface CompiledApp {
  module: WasmModule
  /** Callable methods, sorted. */
  methods: string[]
  /** Initial gas of the instrumented module: what a `start` function may use. */
  startGas: bigint
  /** Instances of the module, reused across calls. */
  pool: InstancePool
}

export class ModuleCache {
  readonly capacity: number
  readonly #entries = new Map<string, CompiledApp>()
  /** The most recently used id: asking for it again changes no order. */
  #last: string | undefined

  constructor (capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`module cache capacity must be a positive integer, got ${capacity}`)
    this.capacity = capacity
  }

  get size (): number {
    return this.#entries.size
  }

  /** The entry, marked most recently used. */
  get (appId: string): CompiledApp | undefined {
    const entry = this.#entries.get(appId)
    if (entry !== undefined && appId !== this.#last) {
      this.#entries.delete(appId)
      this.#entries.set(appId, entry)
      this.#last = appId
    }
    return entry
  }

  /** The entry, without marking it used. */
  peek (appId: string): CompiledApp | undefined {
    return this.#entries.get(appId)
  }

  has (appId: string): boolean {
    return this.#entries.has(appId)
  }

  /** Stores an entry, evicting the least recently used beyond capacity. */
  set (appId: string, app: CompiledApp): void {
    this.#entries.delete(appId)
    this.#entries.set(appId, app)
    this.#last = appId
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as string
      this.#entries.delete(oldest)
    }
  }

  delete (appId: string): boolean {
    if (appId === this.#last) this.#last = undefined
    return this.#entries.delete(appId)
  }

  clear (): void {
    this.#entries.clear()
    this.#last = undefined
  }

  /** Ids from least to most recently used. */
  keys (): string[] {
    return [...this.#entries.keys()]
  }
}
