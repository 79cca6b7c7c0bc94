// Gas charged from JS: host calls decrement the instance's `__moor_gas` global, the
// same counter the instrumented code decrements.

import { GasExhaustedError } from '../errors/index.ts'
import type { WasmGlobal } from './wasm-api.ts'

export class GasMeter {
  #method: string
  #budget: bigint
  #global: WasmGlobal | null = null

  constructor (method: string, budget: bigint) {
    this.#method = method
    this.#budget = budget
  }

  get method (): string {
    return this.#method
  }

  get budget (): bigint {
    return this.#budget
  }

  /** Re-targets the meter at another call (a pooled instance keeps its meter across calls). */
  reset (method: string, budget: bigint): void {
    this.#method = method
    this.#budget = budget
  }

  attach (global: WasmGlobal): void {
    this.#global = global
  }

  /** Remaining gas (the budget until attached). */
  remaining (): bigint {
    return this.#global == null ? this.#budget : this.#global.value as bigint
  }

  /** Deducts `units`; throws GasExhaustedError when the budget goes negative. */
  charge (units: bigint): void {
    if (this.#global == null) return // during instantiation: nothing to charge against yet
    const left = (this.#global.value as bigint) - units
    this.#global.value = left
    if (left < 0n) throw gasExhausted(this.#method, this.#budget)
  }
}

export function gasExhausted (method: string, budget: bigint): GasExhaustedError {
  return new GasExhaustedError(`method ${method} ran out of gas after ${budget} units`, {
    hint: 'look for an unbounded loop, or raise limits.gas if the method legitimately needs more'
  })
}
