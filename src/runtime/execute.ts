// One method call on a fresh instance: set the gas budget, run the export, and turn
// every way it can fail into a MoorageError subclass.

import {
  AppTrapError, InvalidInputError, InvalidModuleError, MemoryLimitError, MethodNotFoundError,
  MoorageError, PayloadTooLargeError, StackOverflowError
} from '../errors/index.ts'
import type { CallEnv, CallLimits, CallOutcome } from './types.ts'
import { DEFAULT_MEMORY_PAGES, MAX_INPUT_BYTES, WASM_PAGE_BYTES } from './constants.ts'
import { createHost } from './host.ts'
import { gasExhausted } from './meter.ts'
import { GAS_GLOBAL, TRAP_GAS, TRAP_GLOBAL, TRAP_MEMORY } from './instrument.ts'
import { Wasm } from './wasm-api.ts'
import type { WasmInstance, WasmModule } from './wasm-api.ts'

export interface CallOptions {
  /** The memory cap the module was instrumented with (for messages). */
  memoryPages?: number
  /** The initial gas the module was instrumented with; what its start function used of it is billed to the call. */
  startGas?: bigint
}

export function callMethod (
  module: WasmModule,
  methods: readonly string[],
  method: string,
  env: CallEnv,
  limits: CallLimits,
  options: CallOptions = {}
): CallOutcome {
  try {
    return run(module, methods, method, env, limits, options)
  } catch (err) {
    if (err instanceof MoorageError) throw err
    // Only reachable through a bug or a failing env callback (emit): still a MoorageError.
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    throw new AppTrapError(`method ${method} failed: ${message}`, { cause: err })
  }
}

function run (
  module: WasmModule,
  methods: readonly string[],
  method: string,
  env: CallEnv,
  limits: CallLimits,
  options: CallOptions
): CallOutcome {
  if (!methods.includes(method)) {
    throw new MethodNotFoundError(`the application has no method ${JSON.stringify(method)}`, {
      details: `available methods: ${methods.length > 0 ? methods.join(', ') : '(none)'}`
    })
  }
  if (env.input.length > MAX_INPUT_BYTES) {
    throw new PayloadTooLargeError(`the argument of ${method} is ${env.input.length} bytes; the maximum is ${MAX_INPUT_BYTES}`)
  }
  const budget = limits.gas
  if (typeof budget !== 'bigint' || budget <= 0n || budget > 0x7fff_ffff_ffff_ffffn) {
    throw new InvalidInputError(`method ${method} was given an invalid gas budget: ${String(budget)}`, {
      hint: 'limits.gas must be a positive bigint that fits an i64'
    })
  }

  const host = createHost({ env, method, budget })
  const failure = (err: unknown, trap: number, phase?: string): MoorageError =>
    classify(err, trap, method, budget, options.memoryPages ?? DEFAULT_MEMORY_PAGES, phase)

  let instance: WasmInstance
  try {
    instance = new Wasm.Instance(module, host.imports)
  } catch (err) {
    if (err instanceof Wasm.LinkError) {
      throw new InvalidModuleError(`the application cannot be instantiated: ${err.message}`, { cause: err })
    }
    throw failure(err, 0, 'while instantiating (start function)')
  }

  const exports = instance.exports
  const memory = exports.memory
  const gas = exports[GAS_GLOBAL]
  const trap = exports[TRAP_GLOBAL]
  const fn = exports[method]
  if (!(memory instanceof Wasm.Memory) || !(gas instanceof Wasm.Global) ||
      !(trap instanceof Wasm.Global) || typeof fn !== 'function') {
    throw new InvalidModuleError(`the application module is not instrumented for calls (missing memory, ${GAS_GLOBAL}, ${TRAP_GLOBAL} or ${method})`)
  }
  // Instantiation ran the start function (if any) on the instrumented initial gas.
  const startUsed = (options.startGas ?? 0n) - (gas.value as bigint)
  if (startUsed >= budget) throw failure(new Error('start function'), TRAP_GAS)
  gas.value = budget - startUsed
  host.bind(memory, gas)

  try {
    fn()
  } catch (err) {
    throw failure(err, Number(trap.value))
  }

  const remaining = gas.value as bigint
  for (const event of host.events()) env.emit(event.kind, event.data)
  return { output: host.output(), gasUsed: budget - (remaining < 0n ? 0n : remaining) }
}

/** Maps whatever a call threw to the error it fails with. */
function classify (err: unknown, trap: number, method: string, budget: bigint, memoryPages: number, phase?: string): MoorageError {
  if (err instanceof MoorageError) return err // from a host import: already explains itself
  if (trap === TRAP_GAS) return gasExhausted(method, budget)
  if (trap === TRAP_MEMORY) {
    const mib = (memoryPages * WASM_PAGE_BYTES) / (1024 * 1024)
    return new MemoryLimitError(`method ${method} exceeded the memory limit of ${mib} MiB (${memoryPages} pages)`, {
      hint: 'the application tried to grow its linear memory past the cap; look for unbounded allocation'
    })
  }
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new StackOverflowError(`method ${method} overflowed the call stack`, {
      hint: 'look for unbounded or very deep recursion',
      cause: err
    })
  }
  if (err instanceof Wasm.RuntimeError) {
    return new AppTrapError(`method ${method} trapped${phase != null ? ' ' + phase : ''}: ${err.message}`, { cause: err })
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  return new AppTrapError(`method ${method} failed: ${message}`, { cause: err })
}
