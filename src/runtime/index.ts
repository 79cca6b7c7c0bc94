// The runtime: owns the compiled-module cache and runs method calls.

import { InvalidInputError } from '../errors/index.ts'
import { silentLogger } from '../log/index.ts'
import type { Logger } from '../log/index.ts'
import type { CallEnv, CallLimits, CallOutcome } from './types.ts'
import { DEFAULT_GAS, DEFAULT_INSTANCE_POOL_SIZE, DEFAULT_MEMORY_PAGES, DEFAULT_MODULE_CACHE_SIZE } from './constants.ts'
import { compileApp } from './compile.ts'
import { callMethod } from './execute.ts'
import { ModuleCache } from './module-cache.ts'
import type { CompiledApp } from './module-cache.ts'
import type { PoolStats } from './pool.ts'

export type { CallEnv, CallLimits, CallOutcome } from './types.ts'
export type { PoolStats } from './pool.ts'

export interface RuntimeInit {
  /** Linear-memory cap in pages (default 1,024 = 64 MiB). */
  memoryPages?: number
  /** Compiled modules kept (default 64). */
  cacheSize?: number
  /** Idle instances kept per application for reuse (default 4; 0: a fresh instance for every call). */
  poolSize?: number
  /** Limits used when a call gives none. */
  defaultLimits?: Partial<CallLimits>
  logger?: Logger
}

/** Application id: 32 bytes or their hex. */
export type AppId = Uint8Array | string

/** The raw module bytes, or a way to fetch them when the module is not cached. */
export type ModuleSource = Uint8Array | ((appId: string) => Uint8Array)

export interface Runtime {
  readonly limits: CallLimits
  readonly memoryPages: number
  /** Instruments, validates and caches a module; returns its methods. Throws InvalidModuleError. */
  prepare (appId: AppId, wasm: Uint8Array): string[]
  /** Methods of a cached module, or undefined when it is not cached. */
  methods (appId: AppId): string[] | undefined
  /**
   * Runs `method` on an instance of the application in the state of a fresh one (a new
   * instance, or a pooled one restored after its previous, successful call).
   */
  call (appId: AppId, source: ModuleSource, method: string, env: CallEnv, limits?: Partial<CallLimits>): CallOutcome
  /** Drops a module from the cache. */
  evict (appId: AppId): void
  /** Instance-pool counters of a cached module (diagnostics and tests), or undefined when it is not cached. */
  poolStats (appId: AppId): PoolStats | undefined
}

export function createRuntime (init: RuntimeInit = {}): Runtime {
  const memoryPages = init.memoryPages ?? DEFAULT_MEMORY_PAGES
  if (!Number.isInteger(memoryPages) || memoryPages < 1 || memoryPages > 65_536) {
    throw new InvalidInputError(`memoryPages must be an integer in 1..65536, got ${memoryPages}`)
  }
  const limits: CallLimits = { gas: init.defaultLimits?.gas ?? DEFAULT_GAS }
  const cache = new ModuleCache(init.cacheSize ?? DEFAULT_MODULE_CACHE_SIZE)
  const poolSize = init.poolSize ?? DEFAULT_INSTANCE_POOL_SIZE
  if (!Number.isInteger(poolSize) || poolSize < 0) {
    throw new InvalidInputError(`poolSize must be a non-negative integer, got ${poolSize}`)
  }
  const log = (init.logger ?? silentLogger).child('runtime')

  const compile = (key: string, wasm: Uint8Array): CompiledApp => {
    const started = performance.now()
    const app = compileApp(wasm, { memoryPages, startGas: limits.gas, poolSize })
    cache.set(key, app)
    log.debug('compiled application', { app: key, methods: app.methods.length, ms: Math.round(performance.now() - started) })
    return app
  }

  const callOptions = { memoryPages }

  return {
    limits,
    memoryPages,
    prepare (appId, wasm) {
      return [...compile(hexId(appId), wasm).methods]
    },
    methods (appId) {
      const app = cache.get(hexId(appId))
      return app === undefined ? undefined : [...app.methods]
    },
    call (appId, source, method, env, callLimits) {
      const key = hexId(appId)
      const app = cache.get(key) ?? compile(key, typeof source === 'function' ? source(key) : source)
      return callMethod(app, method, env, callLimits === undefined ? limits : { ...limits, ...callLimits }, callOptions)
    },
    evict (appId) {
      cache.delete(hexId(appId))
    },
    poolStats (appId) {
      return cache.peek(hexId(appId))?.pool.stats()
    }
  }
}

function hexId (appId: AppId): string {
  return typeof appId === 'string' ? appId.toLowerCase() : Buffer.from(appId).toString('hex')
}
