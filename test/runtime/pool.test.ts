// Instance pooling: reused instances behave exactly like fresh ones. Each test counts
// instantiations through Runtime.poolStats, and compares against a runtime without a
// pool (poolSize 0: a fresh instance per call).

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import binaryen from 'binaryen'
import { AppTrapError, GasExhaustedError, MemoryLimitError } from '../../src/errors/index.ts'
import { MAX_POOLED_MEMORY_BYTES } from '../../src/runtime/constants.ts'
import { createRuntime } from '../../src/runtime/index.ts'
import type { CallEnv, Runtime } from '../../src/runtime/index.ts'
import { instrument } from '../../src/runtime/instrument.ts'
import { createTestEnv } from '../helpers/memory-state.ts'

const F = binaryen.Features
function wat (text: string): Uint8Array {
  const module = binaryen.parseText(text)
  module.setFeatures(F.MVP | F.MutableGlobals | F.SignExt | F.BulkMemory | F.ReferenceTypes)
  const bytes = module.emitBinary()
  module.dispose()
  return bytes
}

const enc = new TextEncoder()
const dec = new TextDecoder()

// Every method that changes state changes all of it: a mutable i32 and i64 global, a
// cell initialised by a data segment, and the last word of the initial memory.
const STATEFUL = wat(`(module
  (import "moor" "value_return" (func $ret (param i32 i32)))
  (import "moor" "result_read" (func $read (param i32)))
  (import "moor" "xcall" (func $xcall (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 4)
  (global $g (mut i32) (i32.const 7))
  (global $wide (mut i64) (i64.const 1000))
  (global $fixed i32 (i32.const 3))
  (data (i32.const 64) "\\05\\00\\00\\00")
  (data (i32.const 200) "bump")
  (func $bump
    (global.set $g (i32.add (global.get $g) (global.get $fixed)))
    (global.set $wide (i64.add (global.get $wide) (i64.const 1)))
    (i32.store (i32.const 64) (i32.add (i32.load (i32.const 64)) (i32.const 1)))
    (i32.store (i32.const 65532) (i32.add (i32.load (i32.const 65532)) (i32.const 1))))
  ;; the state, as 24 bytes at 0: g, cell, last word, memory.size (i32 each), wide (i64)
  (func $fill
    (i32.store (i32.const 0) (global.get $g))
    (i32.store (i32.const 4) (i32.load (i32.const 64)))
    (i32.store (i32.const 8) (i32.load (i32.const 65532)))
    (i32.store (i32.const 12) (memory.size))
    (i64.store (i32.const 16) (global.get $wide)))
  (func (export "peek") (call $fill) (call $ret (i32.const 0) (i32.const 24)))
  (func (export "bump") (call $bump) (call $fill) (call $ret (i32.const 0) (i32.const 24)))
  (func (export "bump_then_trap") (call $bump) (unreachable))
  (func (export "bump_then_spin") (call $bump) (loop $l (br $l)))
  (func (export "bump_and_grow") (call $bump) (drop (memory.grow (i32.const 1))) (call $fill) (call $ret (i32.const 0) (i32.const 24)))
  (func (export "bump_and_grow_past_cap") (call $bump) (drop (memory.grow (i32.const 8))))
  ;; bumps, then xcalls "bump" (env.xcall below runs it on this same application) and
  ;; returns its own state followed by the nested call's
  (func (export "reenter")
    (call $bump)
    (drop (call $xcall (i32.const 300) (i32.const 200) (i32.const 4) (i32.const 0) (i32.const 0)))
    (call $read (i32.const 24))
    (call $fill)
    (call $ret (i32.const 0) (i32.const 48))))`)

interface State { g: number, cell: number, last: number, pages: number, wide: bigint }
const INITIAL: State = { g: 7, cell: 5, last: 0, pages: 1, wide: 1000n }
const BUMPED: State = { g: 10, cell: 6, last: 1, pages: 1, wide: 1001n }

function state (bytes: Uint8Array, at = 0): State {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { g: b.readInt32LE(at), cell: b.readInt32LE(at + 4), last: b.readInt32LE(at + 8), pages: b.readInt32LE(at + 12), wide: b.readBigInt64LE(at + 16) }
}

function setup (wasm: Uint8Array, init: Parameters<typeof createRuntime>[0] = {}): Runtime {
  const rt = createRuntime(init)
  rt.prepare('app', wasm)
  return rt
}

function call (rt: Runtime, wasm: Uint8Array, method: string, extra: Partial<CallEnv> = {}, gas?: bigint) {
  const t = createTestEnv(extra)
  return rt.call('app', wasm, method, t.env, gas === undefined ? undefined : { gas })
}

const stats = (rt: Runtime) => {
  const s = rt.poolStats('app')
  assert.ok(s !== undefined)
  return s
}

describe('instance pool', () => {
  test('an instance is reused, and every call starts from the initial state', () => {
    const rt = setup(STATEFUL)
    for (let i = 0; i < 5; i++) assert.deepEqual(state(call(rt, STATEFUL, 'bump').output!), BUMPED, `call ${i}`)
    assert.deepEqual(state(call(rt, STATEFUL, 'peek').output!), INITIAL)
    assert.deepEqual(stats(rt), { instantiated: 1, reused: 5, discarded: 0, idle: 1, busy: 0 })
  })

  test('poolSize 0 gives every call a fresh instance', () => {
    const rt = setup(STATEFUL, { poolSize: 0 })
    for (let i = 0; i < 3; i++) assert.deepEqual(state(call(rt, STATEFUL, 'bump').output!), BUMPED)
    assert.deepEqual(stats(rt), { instantiated: 3, reused: 0, discarded: 3, idle: 0, busy: 0 })
  })

  test('an instance that trapped, ran out of gas or hit the memory cap is not reused', () => {
    const rt = setup(STATEFUL, { memoryPages: 4 })
    call(rt, STATEFUL, 'peek')
    assert.equal(stats(rt).idle, 1)
    const failures: Array<[string, new (...a: any[]) => Error, bigint | undefined]> = [
      ['bump_then_trap', AppTrapError, undefined],
      ['bump_then_spin', GasExhaustedError, 100_000n],
      ['bump_and_grow_past_cap', MemoryLimitError, undefined]
    ]
    for (const [method, error, gas] of failures) {
      const before = stats(rt)
      assert.throws(() => call(rt, STATEFUL, method, {}, gas), error)
      const after = stats(rt)
      assert.equal(after.discarded, before.discarded + 1, method)
      assert.equal(after.idle, before.idle - 1, `${method}: the failed instance did not come back`)
      assert.deepEqual(state(call(rt, STATEFUL, 'peek').output!), INITIAL, `after ${method}`)
      assert.equal(stats(rt).instantiated, after.instantiated + 1, `after ${method}: a new instance`)
    }
  })

  test('an instance whose memory grew is discarded', () => {
    const rt = setup(STATEFUL)
    const grown = state(call(rt, STATEFUL, 'bump_and_grow').output!)
    assert.deepEqual(grown, { ...BUMPED, pages: 2 })
    assert.deepEqual(stats(rt), { instantiated: 1, reused: 0, discarded: 1, idle: 0, busy: 0 })
    assert.deepEqual(state(call(rt, STATEFUL, 'peek').output!), INITIAL)
    assert.equal(stats(rt).instantiated, 2)
  })

  test('a reentrant call into the same application gets another instance', () => {
    const rt = setup(STATEFUL)
    call(rt, STATEFUL, 'peek') // one idle instance
    let busyInside = -1
    const xcall = (_target: Uint8Array, method: string): Uint8Array => {
      busyInside = stats(rt).busy
      return call(rt, STATEFUL, method).output!
    }
    const out = call(rt, STATEFUL, 'reenter', { xcall }).output!
    assert.deepEqual(state(out, 0), BUMPED, 'the outer call keeps its own state')
    assert.deepEqual(state(out, 24), BUMPED, 'the nested call starts from the initial state')
    assert.equal(busyInside, 1)
    assert.deepEqual(stats(rt), { instantiated: 2, reused: 1, discarded: 0, idle: 2, busy: 0 })
    // Both instances are clean afterwards.
    assert.deepEqual(state(call(rt, STATEFUL, 'bump').output!), BUMPED)
    assert.deepEqual(state(call(rt, STATEFUL, 'bump').output!), BUMPED)
  })

  test('the pool keeps at most poolSize idle instances', () => {
    const rt = setup(STATEFUL, { poolSize: 1 })
    const xcall = (_target: Uint8Array, method: string): Uint8Array => call(rt, STATEFUL, method).output!
    call(rt, STATEFUL, 'reenter', { xcall })
    assert.deepEqual(stats(rt), { instantiated: 2, reused: 0, discarded: 1, idle: 1, busy: 0 })
  })

  test('a failing env callback after the method ran discards the instance', () => {
    const rt = setup(STATEFUL)
    call(rt, STATEFUL, 'peek')
    const xcall = (): Uint8Array => { throw new Error('network down') }
    assert.throws(() => call(rt, STATEFUL, 'reenter', { xcall }), /network down/)
    assert.equal(stats(rt).idle, 0)
    assert.deepEqual(state(call(rt, STATEFUL, 'bump').output!), BUMPED)
  })
})

describe('per-call host state does not outlive the call', () => {
  const HOSTY = wat(`(module
    (import "moor" "input" (func $input (result i32)))
    (import "moor" "result_read" (func $read (param i32)))
    (import "moor" "value_return" (func $ret (param i32 i32)))
    (import "moor" "emit" (func $emit (param i32 i32 i32 i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "hello")
    (func (export "ret") (drop (call $input)) (call $emit (i32.const 16) (i32.const 5) (i32.const 16) (i32.const 5)) (call $ret (i32.const 16) (i32.const 5)))
    (func (export "none"))
    ;; copies whatever the result buffer holds, without filling it first
    (func (export "stale") (call $read (i32.const 1024)) (call $ret (i32.const 1024) (i32.const 5))))`)

  test('output, events and the result buffer start empty on a reused instance', () => {
    const rt = setup(HOSTY)
    const first = createTestEnv({ input: enc.encode('abcde') })
    assert.equal(dec.decode(rt.call('app', HOSTY, 'ret', first.env).output!), 'hello')
    assert.equal(first.events.length, 1)
    const next = createTestEnv()
    assert.equal(rt.call('app', HOSTY, 'none', next.env).output, null)
    assert.equal(next.events.length, 0)
    assert.deepEqual([...rt.call('app', HOSTY, 'stale', next.env).output!], [0, 0, 0, 0, 0])
    assert.equal(stats(rt).instantiated, 1)
  })
})

describe('start functions and pooling', () => {
  // The start function runs a metered loop: its gas is billed to every call.
  const COUNTING_START = wat(`(module
    (import "moor" "value_return" (func $ret (param i32 i32)))
    (memory (export "memory") 1)
    (global $n (mut i32) (i32.const 0))
    (func $init (local $i i32)
      (loop $l
        (global.set $n (i32.add (global.get $n) (i32.const 1)))
        (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 100)))))
    (start $init)
    (func (export "count")
      (global.set $n (i32.add (global.get $n) (i32.const 1)))
      (i32.store (i32.const 0) (global.get $n))
      (call $ret (i32.const 0) (i32.const 4))))`)

  test('what start used is billed to every call, pooled or not', () => {
    const pooled = setup(COUNTING_START)
    const fresh = setup(COUNTING_START, { poolSize: 0 })
    const gas = new Set<bigint>()
    for (const rt of [pooled, fresh]) {
      for (let i = 0; i < 3; i++) {
        const out = call(rt, COUNTING_START, 'count')
        assert.equal(Buffer.from(out.output!).readInt32LE(0), 101)
        gas.add(out.gasUsed)
      }
    }
    assert.equal(gas.size, 1, `gas differs: ${[...gas].join(', ')}`)
    assert.ok([...gas][0] > 600n, 'the start loop is billed')
    assert.equal(stats(pooled).instantiated, 1)
  })

  test('a budget below what start uses fails, before and after the first instance', () => {
    const rt = setup(COUNTING_START)
    assert.throws(() => call(rt, COUNTING_START, 'count', {}, 100n), GasExhaustedError)
    assert.throws(() => call(rt, COUNTING_START, 'count', {}, 100n), GasExhaustedError)
    assert.equal(Buffer.from(call(rt, COUNTING_START, 'count').output!).readInt32LE(0), 101)
  })

  test('an instance whose start made host calls is never reused', () => {
    const wasm = wat(`(module
      (import "moor" "time_now" (func $now (result i64)))
      (import "moor" "value_return" (func $ret (param i32 i32)))
      (memory (export "memory") 1)
      (global $t (mut i64) (i64.const 0))
      (func $init (global.set $t (call $now)))
      (start $init)
      (func (export "when") (i64.store (i32.const 0) (global.get $t)) (call $ret (i32.const 0) (i32.const 8))))`)
    const rt = setup(wasm)
    for (const now of [111, 222, 333]) {
      assert.equal(Buffer.from(call(rt, wasm, 'when', { now }).output!).readBigInt64LE(0), BigInt(now))
    }
    assert.deepEqual(stats(rt), { instantiated: 3, reused: 0, discarded: 3, idle: 0, busy: 0 })
  })
})

describe('modules that cannot be pooled', () => {
  const cases: Record<string, string> = {
    'data.drop': `(data $p "seg!")
      (func (export "m") (memory.init $p (i32.const 0) (i32.const 0) (i32.const 4)) (data.drop $p) (call $ret (i32.const 0) (i32.const 4)))`,
    'table.set': `(table $t 2 funcref) (elem declare func $f) (func $f (result i32) (i32.const 1))
      (func (export "m") (i32.store (i32.const 0) (ref.is_null (table.get $t (i32.const 0)))) (table.set $t (i32.const 0) (ref.func $f)) (call $ret (i32.const 0) (i32.const 4)))`,
    'table.grow': `(table $t 1 funcref)
      (func (export "m") (i32.store (i32.const 0) (table.grow $t (ref.null func) (i32.const 1))) (call $ret (i32.const 0) (i32.const 4)))`
  }
  for (const [name, body] of Object.entries(cases)) {
    test(`${name}: every call gets a fresh instance and sees the initial state`, () => {
      const wasm = wat(`(module (import "moor" "value_return" (func $ret (param i32 i32))) (memory (export "memory") 1) ${body})`)
      assert.equal(instrument(wasm, { memoryPages: 1, allowedImports: () => true }).poolable, false)
      const rt = setup(wasm)
      const outputs = [0, 1, 2].map(() => dec.decode(call(rt, wasm, 'm').output!))
      assert.equal(new Set(outputs).size, 1, `outputs differ: ${outputs.join(' | ')}`)
      assert.deepEqual(stats(rt), { instantiated: 3, reused: 0, discarded: 3, idle: 0, busy: 0 })
    })
  }
})

test('a module whose initial memory exceeds MAX_POOLED_MEMORY_BYTES gets a fresh instance per call', () => {
  const pages = MAX_POOLED_MEMORY_BYTES / 65_536 + 1
  const wasm = wat(`(module (import "moor" "value_return" (func $ret (param i32 i32))) (memory (export "memory") ${pages})
    (func (export "m") (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))) (call $ret (i32.const 0) (i32.const 4))))`)
  const rt = setup(wasm)
  for (let i = 0; i < 2; i++) assert.equal(Buffer.from(call(rt, wasm, 'm').output!).readInt32LE(0), 1)
  assert.deepEqual(stats(rt), { instantiated: 2, reused: 0, discarded: 2, idle: 0, busy: 0 })
})

describe('pooled and fresh instances use identical gas on real applications', () => {
  const file = (p: string): Uint8Array => {
    const full = path.join(import.meta.dirname, '..', '..', p)
    if (!existsSync(full)) throw new Error(`missing ${full}: build the applications first`)
    return readFileSync(full)
  }
  const scripts: Array<{ app: string, wasm: Uint8Array, calls: Array<[string, unknown]> }> = [
    {
      app: 'kv-store',
      wasm: file('apps/kv-store/build/kv-store.wasm'),
      calls: [['set', { key: 'a', value: '1' }], ['get', { key: 'a' }], ['set', { key: 'b', value: 'x'.repeat(300) }], ['entries', {}], ['remove', { key: 'a' }], ['len', {}], ['get', { key: 'a' }]]
    },
    {
      app: 'probe',
      wasm: file('test/fixtures/apps/build/probe.wasm'),
      calls: [['map_ops', {}], ['list_ops', {}], ['set_ops', {}], ['register_ops', { value: 'one' }], ['nested', {}], ['counter', { amount: 3 }], ['emit', { kind: 'k', data: 'd' }]]
    },
    { app: 'compute', wasm: file('test/fixtures/apps/build/compute.wasm'), calls: [['fib', { n: 15 }], ['fib', { n: 16 }], ['fib', { n: 15 }]] }
  ]
  for (const { app, wasm, calls } of scripts) {
    test(app, () => {
      const run = (rt: Runtime): Array<[string | null, bigint]> => {
        const t = createTestEnv()
        // Twice over the same state: the second round runs on reused instances.
        return [...calls, ...calls].map(([method, args]) => {
          const out = rt.call(app, wasm, method, { ...t.env, input: enc.encode(JSON.stringify(args)) })
          return [out.output === null ? null : dec.decode(out.output), out.gasUsed]
        })
      }
      const pooled = createRuntime()
      const fresh = createRuntime({ poolSize: 0 })
      assert.deepEqual(run(pooled), run(fresh))
      const s = pooled.poolStats(app)
      assert.ok(s !== undefined && s.instantiated === 1 && s.reused === 2 * calls.length - 1, JSON.stringify(s))
    })
  }
})
