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
    if (entry !== undefined) {
      this.#entries.delete(appId)
      this.#entries.set(appId, entry)
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
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as string
      this.#entries.delete(oldest)
    }
  }

  delete (appId: string): boolean {
    return this.#entries.delete(appId)
  }

  clear (): void {
    this.#entries.clear()
  }

  /** Ids from least to most recently used. */
  keys (): string[] {
    return [...this.#entries.keys()]
  }
}
