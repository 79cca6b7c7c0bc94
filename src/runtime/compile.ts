// Raw application bytes to a validated, compiled module: instrument, compile, check
// that what the host needs is there.

import { InvalidModuleError, MoorageError } from '../errors/index.ts'
import { isAllowedImport } from './abi.ts'
import { DEFAULT_INSTANCE_POOL_SIZE } from './constants.ts'
import { GAS_GLOBAL, TRAP_GLOBAL, instrument } from './instrument.ts'
import type { CompiledApp } from './module-cache.ts'
import { InstancePool } from './pool.ts'
import { checkImportSignatures } from './signatures.ts'
import { Wasm } from './wasm-api.ts'
import type { WasmModule } from './wasm-api.ts'

export interface CompileOptions {
  /** Linear-memory cap in pages. */
  memoryPages: number
  /** Gas a `start` function may use; it is billed to each call. */
  startGas: bigint
  /** Idle instances kept for reuse (default DEFAULT_INSTANCE_POOL_SIZE; 0: a fresh instance per call). */
  poolSize?: number
}

export function compileApp (wasm: Uint8Array, { memoryPages, startGas, poolSize }: CompileOptions): CompiledApp {
  let instrumented: ReturnType<typeof instrument>
  try {
    instrumented = instrument(wasm, { memoryPages, allowedImports: isAllowedImport, startGas })
    checkImportSignatures(wasm)
  } catch (err) {
    if (err instanceof MoorageError) throw err
    throw new InvalidModuleError(`the application module is invalid: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }

  let module: WasmModule
  try {
    module = new Wasm.Module(instrumented.bytes)
  } catch (err) {
    throw new InvalidModuleError(`the application module does not compile: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }

  const exports = new Map(Wasm.Module.exports(module).map((e) => [e.name, e.kind]))
  if (exports.get(GAS_GLOBAL) !== 'global' || exports.get(TRAP_GLOBAL) !== 'global' || exports.get('memory') !== 'memory' ||
      instrumented.mutableGlobals.some((g) => exports.get(g) !== 'global')) {
    throw new InvalidModuleError('the instrumented module lacks its memory, metering or state globals')
  }
  const methods = instrumented.methods.filter((m) => exports.get(m) === 'function').sort()
  const pool = new InstancePool(module, {
    mutableGlobals: instrumented.mutableGlobals,
    poolable: instrumented.poolable,
    startGas,
    size: poolSize ?? DEFAULT_INSTANCE_POOL_SIZE
  })
  return { module, methods, startGas, pool }
}
