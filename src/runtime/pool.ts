// Instances of one compiled application, reused across calls.
//
// Creating a WebAssembly instance per call is the dominant cost of a small call, so the
// pool keeps a few idle instances per application. Reuse must be indistinguishable from
// a fresh instance ("a trap leaves nothing behind", deterministic gas), so:
//
// - Right after the first clean instantiation (start function included) the pool takes a
//   snapshot: the bytes of linear memory, the values of every mutable global the module
//   defines (exported by the instrumenter as `__moor_g<index>`) and the gas `start` used.
//   Instantiation is deterministic when `start` makes no host call, so that snapshot is
//   the state every fresh instance of the module starts a call in.
// - An instance returns to the pool only after a call that succeeded and left memory at
//   its initial size; memory and globals are then restored from the snapshot and the
//   trap global cleared. After a failure of any kind, after memory growth, or when the
//   pool is full, the instance is dropped.
// - Instances whose state cannot be restored never return: modules whose code changes
//   tables or drops segments (`poolable: false` from the instrumenter), and instances
//   whose start function made host calls (their state may depend on that call's env),
//   and instances whose initial memory is so large that restoring it costs more than
//   instantiating (MAX_POOLED_MEMORY_BYTES).
// - A checked-out instance is out of the pool until released, so a reentrant call into
//   the same application (xcall) gets another instance.

import { InvalidModuleError } from '../errors/index.ts'
import { MAX_POOLED_MEMORY_BYTES } from './constants.ts'
import { createHost } from './host.ts'
import type { HostBinding, HostInit } from './host.ts'
import { GAS_GLOBAL, TRAP_GLOBAL, TRAP_NONE } from './instrument.ts'
import { Wasm } from './wasm-api.ts'
import type { WasmGlobal, WasmMemory, WasmModule } from './wasm-api.ts'

export interface PoolInit {
  /** Export names of the module's own mutable globals (InstrumentedModule.mutableGlobals). */
  mutableGlobals: readonly string[]
  /** False when instances cannot be restored (InstrumentedModule.poolable): a fresh instance per call. */
  poolable: boolean
  /** Initial value of the gas global: the budget of the start function. */
  startGas: bigint
  /** Idle instances kept; 0 gives every call a fresh instance. */
  size: number
}

/** An instance checked out for one call. */
export interface Lease {
  /** The host the instance's imports serve, begun for the call. */
  readonly host: HostBinding
  readonly exports: Record<string, unknown>
  readonly memory: WasmMemory
  readonly gas: WasmGlobal
  readonly trap: WasmGlobal
  /** Gas the start function used at instantiation; billed to every call. */
  readonly startUsed: bigint
}

export interface PoolStats {
  /** Instances created (each ran the start function). */
  instantiated: number
  /** Checkouts served by an idle instance. */
  reused: number
  /** Instances dropped at release. */
  discarded: number
  /** Idle instances now. */
  idle: number
  /** Instances checked out now. */
  busy: number
}

interface Slot extends Lease {
  readonly globals: readonly WasmGlobal[]
  /** The instance started from the snapshot's state, so restoring the snapshot resets it. */
  readonly reusable: boolean
  busy: boolean
}

interface Snapshot {
  memory: Uint8Array
  globals: unknown[]
  startUsed: bigint
}

export class InstancePool {
  readonly #module: WasmModule
  readonly #init: PoolInit
  readonly #idle: Slot[] = []
  #snapshot: Snapshot | null = null
  #instantiated = 0
  #reused = 0
  #discarded = 0
  #busy = 0

  constructor (module: WasmModule, init: PoolInit) {
    if (!Number.isInteger(init.size) || init.size < 0) throw new RangeError(`instance pool size must be a non-negative integer, got ${init.size}`)
    this.#module = module
    this.#init = init
  }

  /** Gas the start function uses, once an instance has been snapshotted. */
  get startUsed (): bigint | undefined {
    return this.#snapshot?.startUsed
  }

  stats (): PoolStats {
    return { instantiated: this.#instantiated, reused: this.#reused, discarded: this.#discarded, idle: this.#idle.length, busy: this.#busy }
  }

  /**
   * An instance for one call, its host begun with `call`: an idle one, or a new one.
   * Throws what instantiation throws (LinkError, a trap in the start function) and
   * InvalidModuleError when the instance lacks what the host needs.
   */
  checkout (call: HostInit): Lease {
    const idle = this.#idle.pop()
    let slot: Slot
    if (idle !== undefined) {
      idle.host.begin(call)
      this.#reused++
      slot = idle
    } else {
      slot = this.#instantiate(call)
    }
    slot.busy = true
    this.#busy++
    return slot
  }

  /** Ends the call on `lease`: back to the pool, restored, if `succeeded` and it can be reused; dropped otherwise. */
  release (lease: Lease, succeeded: boolean): void {
    const slot = lease as Slot
    if (!slot.busy) throw new Error('instance released twice (bug in src/runtime)')
    slot.busy = false
    this.#busy--
    slot.host.end()
    const snapshot = this.#snapshot
    if (!succeeded || !slot.reusable || snapshot === null || this.#idle.length >= this.#init.size) {
      this.#discarded++
      return
    }
    const buffer = slot.memory.buffer
    if (buffer.byteLength !== snapshot.memory.length) { // memory grew: the snapshot no longer covers it
      this.#discarded++
      return
    }
    new Uint8Array(buffer).set(snapshot.memory)
    for (let i = 0; i < slot.globals.length; i++) slot.globals[i].value = snapshot.globals[i]
    slot.trap.value = TRAP_NONE
    this.#idle.push(slot)
  }

  #instantiate (call: HostInit): Slot {
    const host = createHost(call)
    const instance = new Wasm.Instance(this.#module, host.imports)
    this.#instantiated++
    const exports = instance.exports
    const memory = exports.memory
    const gas = exports[GAS_GLOBAL]
    const trap = exports[TRAP_GLOBAL]
    if (!(memory instanceof Wasm.Memory) || !(gas instanceof Wasm.Global) || !(trap instanceof Wasm.Global)) {
      throw new InvalidModuleError(`the application module is not instrumented for calls (missing memory, ${GAS_GLOBAL} or ${TRAP_GLOBAL})`)
    }
    const globals = this.#init.mutableGlobals.map((name) => {
      const global = exports[name]
      if (!(global instanceof Wasm.Global)) throw new InvalidModuleError(`the application module is not instrumented for calls (missing ${name})`)
      return global
    })
    const startUsed = this.#init.startGas - (gas.value as bigint)
    // Host calls made by the start function could have left call-specific state behind.
    let reusable = this.#init.poolable && this.#init.size > 0 && host.calls() === 0 &&
      memory.buffer.byteLength <= MAX_POOLED_MEMORY_BYTES
    if (reusable) {
      const snapshot = this.#snapshot
      if (snapshot === null) {
        this.#snapshot = {
          memory: new Uint8Array(memory.buffer).slice(),
          globals: globals.map((g) => g.value),
          startUsed
        }
      } else {
        // Instantiation is deterministic; a mismatch would be an engine surprise: do not reuse.
        reusable = snapshot.startUsed === startUsed && snapshot.memory.length === memory.buffer.byteLength
      }
    }
    host.bind(memory, gas)
    return { host, exports, memory, gas, trap, startUsed, globals, reusable, busy: false }
  }
}
