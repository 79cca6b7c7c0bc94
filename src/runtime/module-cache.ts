// Least-recently-used cache of compiled applications, keyed by application id (hex).
// Each entry owns the pool of its instances, dropped with it.

import { Lru } from '../cache/lru.ts'
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

export class ModuleCache extends Lru<CompiledApp> {
  constructor (capacity: number) {
    super({ capacity })
  }
}
