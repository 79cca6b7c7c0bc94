// One method call on an instance from the application's pool (a fresh instance, or a
// reused one restored to the state of a fresh one): set the gas budget, run the export,
// and turn every way it can fail into a MoorageError subclass.

import {
  AppTrapError, InvalidInputError, InvalidModuleError, MemoryLimitError, MethodNotFoundError,
  MoorageError, PayloadTooLargeError, StackOverflowError
} from '../errors/index.ts'
import type { CallEnv, CallLimits, CallOutcome } from './types.ts'
import { DEFAULT_MEMORY_PAGES, MAX_INPUT_BYTES, WASM_PAGE_BYTES } from './constants.ts'
import { gasExhausted } from './meter.ts'
import { TRAP_GAS, TRAP_MEMORY } from './instrument.ts'
import type { InstancePool, Lease } from './pool.ts'
import { Wasm } from './wasm-api.ts'

/** What a call needs of a compiled application. */
export interface CallTarget {
  /** Callable methods. */
  readonly methods: readonly string[]
  /** Where its instances come from. */
  readonly pool: InstancePool
}

export interface CallOptions {
  /** The memory cap the module was instrumented with (for messages). */
  memoryPages?: number
}

export function callMethod (
  app: CallTarget,
  method: string,
  env: CallEnv,
  limits: CallLimits,
  options: CallOptions = {}
): CallOutcome {
  try {
    return run(app, method, env, limits, options)
  } catch (err) {
    if (err instanceof MoorageError) throw err
    // Only reachable through a bug or a failing env callback (emit): still a MoorageError.
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    throw new AppTrapError(`method ${method} failed: ${message}`, { cause: err })
  }
}

function run (app: CallTarget, method: string, env: CallEnv, limits: CallLimits, options: CallOptions): CallOutcome {
  const { methods, pool } = app
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

  const memoryPages = options.memoryPages ?? DEFAULT_MEMORY_PAGES

  // What the start function used is billed to the call: when known, a budget below it
  // fails before an instance is taken.
  const knownStart = pool.startUsed
  if (knownStart !== undefined && knownStart >= budget) throw classify(new Error('start function'), TRAP_GAS, method, budget, memoryPages)

  let lease: Lease
  try {
    lease = pool.checkout({ env, method, budget })
  } catch (err) {
    if (err instanceof Wasm.LinkError) {
      throw new InvalidModuleError(`the application cannot be instantiated: ${err.message}`, { cause: err })
    }
    throw classify(err, 0, method, budget, memoryPages, 'while instantiating (start function)')
  }

  let succeeded = false
  try {
    const fn = lease.exports[method]
    if (typeof fn !== 'function') throw new InvalidModuleError(`the application module does not export method ${method} as a function`)
    // Instantiation ran the start function (if any) on the instrumented initial gas.
    if (lease.startUsed >= budget) throw classify(new Error('start function'), TRAP_GAS, method, budget, memoryPages)
    lease.gas.value = budget - lease.startUsed

    try {
      fn()
    } catch (err) {
      throw classify(err, Number(lease.trap.value), method, budget, memoryPages)
    }

    const remaining = lease.gas.value as bigint
    const { host } = lease
    const output = host.output()
    for (const event of host.events()) env.emit(event.kind, event.data)
    succeeded = true
    return { output, gasUsed: budget - (remaining < 0n ? 0n : remaining) }
  } finally {
    pool.release(lease, succeeded)
  }
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
