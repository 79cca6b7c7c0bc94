// The import object of an instance: every import of docs/abi.md under `moor`, plus the
// `env` imports AssemblyScript modules use. The import object is built once per
// instance; every import serves the call in progress, which `begin` sets (its env,
// result buffer, return value, pending events and gas meter), so a pooled instance is
// re-targeted at each call without rebuilding anything.

import { randomFillSync } from 'node:crypto'
import {
  AppPanicError, HostCallError, MoorageError, ReadOnlyViolationError, StackOverflowError
} from '../errors/index.ts'
import { KIND_CODES } from '../state/types.ts'
import type { EntityId } from '../state/types.ts'
import type { CallEnv } from './types.ts'
import { HOST_CALL_BASE_GAS, HOST_GAS_PER_BYTE, ID_BYTES, MAX_RETURN_BYTES } from './constants.ts'
import { GasMeter } from './meter.ts'
import { GuestMemory, u32 } from './memory.ts'
import type { WasmGlobal, WasmImports, WasmMemory } from './wasm-api.ts'

export interface HostInit {
  env: CallEnv
  /** Name of the method being called (for messages). */
  method: string
  /** Gas budget of the call (for messages). */
  budget: bigint
}

export interface PendingEvent {
  kind: string
  data: Uint8Array
}

/** The host side of one instance, re-targeted at each call made on it. */
export interface HostBinding {
  /** The import object; build the instance with it. Valid for the binding's lifetime. */
  readonly imports: WasmImports
  /** Starts a call: the imports now serve `init.env`; result buffer, output, events, meter and call count are reset. */
  begin (init: HostInit): void
  /** Connects the host to the instance's memory and gas global once instantiated (once per instance). */
  bind (memory: WasmMemory, gas: WasmGlobal): void
  /** Ends the call: drops its env, buffers and events, so an idle instance holds none of them. */
  end (): void
  /** Bytes passed to value_return (last call wins), or null. */
  output (): Uint8Array | null
  /** Events emitted so far, in order; delivered by the caller only if the call succeeds. */
  events (): readonly PendingEvent[]
  /** Host calls made since `begin` (including failed ones). */
  calls (): number
  readonly meter: GasMeter
}

const MAX_I32 = 0x7fff_ffff
/** The per-byte fee of small transfers, computed once (a BigInt per host call adds up). */
const BYTE_GAS: readonly bigint[] = Array.from({ length: 4096 }, (_, n) => BigInt(n) * HOST_GAS_PER_BYTE)
const EMPTY = new Uint8Array(0)

/** Stands in for the env between calls: any use is a host bug, reported as such. */
const NO_CALL = new Proxy({}, {
  get (_target, prop) {
    throw new HostCallError(`host used outside a call (env.${String(prop)})`)
  }
}) as CallEnv

/** A binding; with `init`, already begun for that call. */
export function createHost (init?: HostInit): HostBinding {
  const mem = new GuestMemory()
  const meter = new GasMeter(init?.method ?? '', init?.budget ?? 0n)
  let env: CallEnv = NO_CALL
  let method = ''
  let result: Uint8Array = EMPTY
  let output: Uint8Array | null = null
  let events: PendingEvent[] = []
  let calls = 0

  const bytes = (n: number): void => { meter.charge(n < BYTE_GAS.length ? BYTE_GAS[n]! : BigInt(n) * HOST_GAS_PER_BYTE) }

  /**
   * Copies [ptr, ptr + len) out of guest memory, charging per byte. The copy is the
   * receiver's: the state layer keeps the arrays it is given (RecordingState ownsInputs).
   */
  const readIn = (fn: string, ptr: number, len: number): Uint8Array => {
    mem.check(fn, ptr, len)
    bytes(u32(len))
    return mem.read(fn, ptr, len)
  }
  /** Like readIn, without the copy: a view of guest memory, to decode at once. */
  const readView = (fn: string, ptr: number, len: number): Uint8Array => {
    mem.check(fn, ptr, len)
    bytes(u32(len))
    return mem.view(fn).subarray(u32(ptr), u32(ptr) + u32(len))
  }
  const readId = (fn: string, ptr: number): EntityId => readIn(fn, ptr, ID_BYTES)
  /** Writes `data` into guest memory at `ptr`, charging per byte. */
  const writeOut = (fn: string, ptr: number, data: Uint8Array): void => {
    mem.check(fn, ptr, data.length)
    bytes(data.length)
    mem.write(fn, ptr, data)
  }
  const writeId = (fn: string, ptr: number, id: Uint8Array): void => {
    if (id.length !== ID_BYTES) throw new HostCallError(`${fn}: the host produced a ${id.length}-byte id, expected ${ID_BYTES}`)
    writeOut(fn, ptr, id)
  }
  /** Puts data in the result buffer and returns its length; absent clears it and returns -1. */
  const produce = (fn: string, data: Uint8Array | null | undefined): number => {
    if (data == null) {
      result = EMPTY
      return -1
    }
    if (data.length > MAX_I32) throw new HostCallError(`${fn}: result of ${data.length} bytes does not fit an i32 length`)
    bytes(data.length)
    result = data
    return data.length
  }
  const writable = (fn: string, what = 'writes state'): void => {
    if (env.readOnly) {
      throw new ReadOnlyViolationError(`${fn} ${what}, but method ${method} was called read-only`, {
        hint: 'call the method as a mutation, or keep queries free of writes'
      })
    }
  }
  const index = (fn: string, i: number, len: number, allowEnd: boolean): number => {
    if (i < 0 || i > len || (i === len && !allowEnd)) {
      throw new HostCallError(`${fn}: index ${i} is out of range for a list of ${len} elements`)
    }
    return i
  }
  const count = (n: number): number => {
    if (n > MAX_I32) throw new HostCallError(`count ${n} does not fit an i32`)
    return n
  }

  /**
   * Wraps an import: base fee first, then every failure becomes a MoorageError naming the
   * import. The wrapper has the import's arity (no rest array on every host call).
   */
  const guard = (mod: string, name: string, fn: (...args: any[]) => unknown): (...args: any[]) => unknown => {
    const enter = (): void => {
      calls++
      meter.charge(HOST_CALL_BASE_GAS)
    }
    const fail = (err: unknown): MoorageError => hostError(`${mod}.${name}`, err)
    switch (fn.length) {
      case 0: return () => { try { enter(); return fn() } catch (err) { throw fail(err) } }
      case 1: return (a: unknown) => { try { enter(); return fn(a) } catch (err) { throw fail(err) } }
      case 2: return (a: unknown, b: unknown) => { try { enter(); return fn(a, b) } catch (err) { throw fail(err) } }
      case 3: return (a: unknown, b: unknown, c: unknown) => { try { enter(); return fn(a, b, c) } catch (err) { throw fail(err) } }
      case 4: return (a: unknown, b: unknown, c: unknown, d: unknown) => { try { enter(); return fn(a, b, c, d) } catch (err) { throw fail(err) } }
      case 5: return (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown) => { try { enter(); return fn(a, b, c, d, e) } catch (err) { throw fail(err) } }
      default: return (...args: unknown[]) => { try { enter(); return fn(...args) } catch (err) { throw fail(err) } }
    }
  }

  const moor = {
    // ---- call I/O
    input: (): number => produce('input', env.input),
    result_read: (ptr: number): void => { writeOut('result_read', ptr, result) },
    value_return: (ptr: number, len: number): void => {
      if (u32(len) > MAX_RETURN_BYTES) {
        throw new HostCallError(`value_return: ${u32(len)} bytes exceed the maximum return size of ${MAX_RETURN_BYTES} bytes`)
      }
      output = readIn('value_return', ptr, len)
    },
    panic: (ptr: number, len: number): never => {
      const message = decodeText(readIn('panic', ptr, len))
      throw new AppPanicError(message, { details: `method ${method} panicked` })
    },
    log: (ptr: number, len: number): void => { env.log(decodeText(readIn('log', ptr, len))) },

    // ---- context information
    context_id: (ptr: number): void => { writeId('context_id', ptr, env.contextId) },
    executor_id: (ptr: number): void => { writeId('executor_id', ptr, env.executor) },
    time_now: (): bigint => BigInt(Math.trunc(env.now)),
    random_bytes: (ptr: number, len: number): void => {
      mem.check('random_bytes', ptr, len)
      writeOut('random_bytes', ptr, randomFillSync(new Uint8Array(u32(len))))
    },

    // ---- events
    emit: (kindPtr: number, kindLen: number, dataPtr: number, dataLen: number): void => {
      const kind = decodeName('emit', readView('emit', kindPtr, kindLen))
      events.push({ kind, data: readIn('emit', dataPtr, dataLen) })
    },

    // ---- private storage
    private_read: (kp: number, kl: number): number =>
      produce('private_read', env.private.get(readIn('private_read', kp, kl))),
    private_write: (kp: number, kl: number, vp: number, vl: number): void => {
      writable('private_write')
      env.private.put(readIn('private_write', kp, kl), readIn('private_write', vp, vl))
    },
    private_remove: (kp: number, kl: number): number => {
      writable('private_remove')
      return env.private.remove(readIn('private_remove', kp, kl)) ? 1 : 0
    },

    // ---- shared storage
    root: (out: number): void => { writeId('root', out, env.state.root()) },
    child: (col: number, kp: number, kl: number, kind: number, out: number): void => {
      const id = readId('child', col)
      const key = readIn('child', kp, kl)
      const k = KIND_CODES[kind]
      if (k === undefined) throw new HostCallError(`child: unknown collection kind ${kind} (expected 1 map, 2 set, 3 list, 4 counter, 5 register)`)
      writeId('child', out, env.state.child(id, key, k))
    },
    map_get: (col: number, kp: number, kl: number): number => {
      const slot = env.state.mapGet(readId('map_get', col), readIn('map_get', kp, kl))
      if (slot.type === 'value') return produce('map_get', slot.value)
      result = EMPTY
      return slot.type === 'nested' ? -2 : -1
    },
    map_set: (col: number, kp: number, kl: number, vp: number, vl: number): void => {
      writable('map_set')
      env.state.mapSet(readId('map_set', col), readIn('map_set', kp, kl), readIn('map_set', vp, vl))
    },
    map_remove: (col: number, kp: number, kl: number): number => {
      writable('map_remove')
      return env.state.mapRemove(readId('map_remove', col), readIn('map_remove', kp, kl)) ? 1 : 0
    },
    map_has: (col: number, kp: number, kl: number): number =>
      env.state.mapHas(readId('map_has', col), readIn('map_has', kp, kl)) ? 1 : 0,
    map_len: (col: number): number => count(env.state.mapKeys(readId('map_len', col)).length),
    map_keys: (col: number): number => produce('map_keys', encodeList(env.state.mapKeys(readId('map_keys', col)))),
    set_add: (col: number, vp: number, vl: number): void => {
      writable('set_add')
      env.state.setAdd(readId('set_add', col), readIn('set_add', vp, vl))
    },
    set_remove: (col: number, vp: number, vl: number): number => {
      writable('set_remove')
      return env.state.setRemove(readId('set_remove', col), readIn('set_remove', vp, vl)) ? 1 : 0
    },
    set_has: (col: number, vp: number, vl: number): number =>
      env.state.setHas(readId('set_has', col), readIn('set_has', vp, vl)) ? 1 : 0,
    set_len: (col: number): number => count(env.state.setValues(readId('set_len', col)).length),
    set_values: (col: number): number => produce('set_values', encodeList(env.state.setValues(readId('set_values', col)))),
    list_len: (col: number): number => count(env.state.listLen(readId('list_len', col))),
    list_get: (col: number, i: number): number => {
      const id = readId('list_get', col)
      return produce('list_get', i < 0 ? undefined : env.state.listGet(id, i))
    },
    list_push: (col: number, vp: number, vl: number): void => {
      writable('list_push')
      const id = readId('list_push', col)
      env.state.listInsert(id, env.state.listLen(id), readIn('list_push', vp, vl))
    },
    list_insert: (col: number, i: number, vp: number, vl: number): void => {
      writable('list_insert')
      const id = readId('list_insert', col)
      const value = readIn('list_insert', vp, vl)
      env.state.listInsert(id, index('list_insert', i, env.state.listLen(id), true), value)
    },
    list_set: (col: number, i: number, vp: number, vl: number): void => {
      writable('list_set')
      const id = readId('list_set', col)
      const value = readIn('list_set', vp, vl)
      env.state.listSet(id, index('list_set', i, env.state.listLen(id), false), value)
    },
    list_remove: (col: number, i: number): number => {
      writable('list_remove')
      const id = readId('list_remove', col)
      return i >= 0 && env.state.listRemove(id, i) ? 1 : 0
    },
    list_values: (col: number): number => produce('list_values', encodeList(env.state.listValues(readId('list_values', col)))),
    counter_add: (col: number, amount: bigint): void => {
      writable('counter_add')
      env.state.counterAdd(readId('counter_add', col), BigInt(amount))
    },
    counter_get: (col: number): bigint => BigInt.asIntN(64, env.state.counterGet(readId('counter_get', col))),
    register_set: (col: number, vp: number, vl: number): void => {
      writable('register_set')
      env.state.registerSet(readId('register_set', col), readIn('register_set', vp, vl))
    },
    register_get: (col: number): number => produce('register_get', env.state.registerGet(readId('register_get', col))),

    // ---- cross-context calls
    xcall: (ctxPtr: number, mp: number, ml: number, ap: number, al: number): number => {
      const target = readId('xcall', ctxPtr)
      const name = decodeName('xcall', readIn('xcall', mp, ml))
      const args = readIn('xcall', ap, al)
      return produce('xcall', env.xcall(target, name, args))
    },

    // ---- governance (requests recorded now, submitted after the call commits)
    propose: (ap: number, al: number): number => {
      writable('propose', 'makes a governance request')
      const id = env.propose(readIn('propose', ap, al))
      if (id.length !== ID_BYTES) throw new HostCallError(`propose: the host produced a ${id.length}-byte proposal id, expected ${ID_BYTES}`)
      return produce('propose', id)
    },
    approve: (ptr: number): void => {
      writable('approve', 'makes a governance request')
      env.approve(readId('approve', ptr))
    }
  }

  const envImports = {
    abort: (msgPtr: number, filePtr: number, line: number, column: number): never => {
      const msg = mem.readAsString('abort', msgPtr)
      const file = mem.readAsString('abort', filePtr)
      bytes(2 * ((msg?.length ?? 0) + (file?.length ?? 0)))
      const message = `abort: ${msg ?? '(no message)'} at ${file ?? '(unknown)'}:${u32(line)}:${u32(column)}`
      throw new AppPanicError(message, { details: `method ${method} panicked` })
    },
    seed: (): number => {
      bytes(8)
      // 53 random bits: an exactly representable, never-NaN f64.
      const b = randomFillSync(new Uint8Array(8))
      const view = new DataView(b.buffer)
      return (view.getUint32(0) & 0x1f_ffff) * 2 ** 32 + view.getUint32(4)
    }
  }

  const wrap = <T extends Record<string, (...args: any[]) => unknown>>(mod: string, fns: T): T =>
    Object.fromEntries(Object.entries(fns).map(([name, fn]) => [name, guard(mod, name, fn)])) as T

  const binding: HostBinding = {
    imports: { moor: wrap('moor', moor), env: wrap('env', envImports) },
    begin (next) {
      env = next.env
      method = next.method
      meter.reset(next.method, next.budget)
      result = EMPTY
      output = null
      events = []
      calls = 0
    },
    bind (memory, gas) {
      mem.attach(memory)
      meter.attach(gas)
    },
    end () {
      env = NO_CALL
      result = EMPTY
      output = null
      events = []
    },
    output: () => output,
    events: () => events,
    calls: () => calls,
    meter
  }
  if (init !== undefined) binding.begin(init)
  return binding
}

/** Byte strings as `u32 little-endian length ‖ bytes` each. */
export function encodeList (items: readonly Uint8Array[]): Uint8Array {
  let size = 0
  for (const item of items) size += 4 + item.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let at = 0
  for (const item of items) {
    view.setUint32(at, item.length, true)
    out.set(item, at + 4)
    at += 4 + item.length
  }
  return out
}

const utf8 = new TextDecoder('utf-8')
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

function decodeText (bytes: Uint8Array): string {
  return utf8.decode(bytes)
}

function decodeName (fn: string, bytes: Uint8Array): string {
  try {
    return utf8Strict.decode(bytes)
  } catch {
    throw new HostCallError(`${fn}: a name passed by the application is not valid UTF-8`)
  }
}

/** Any failure inside an import, as the MoorageError the call fails with. */
function hostError (name: string, err: unknown): MoorageError {
  if (err instanceof MoorageError) return err
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new StackOverflowError(`the call stack overflowed in host call ${name}`, { cause: err })
  }
  const message = err instanceof Error ? err.message : String(err)
  return new HostCallError(`host call ${name} failed: ${message}`, { cause: err })
}
