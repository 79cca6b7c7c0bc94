// Instrumentation: metering, the memory cap and module checks, exercised on real
// modules (AssemblyScript for the typical guest, hand-written text format through
// binaryen for exact instruction counts and the less common instructions).
//
// The AssemblyScript guest is compiled in memory from a string: a .ts fixture under
// test/ would be type-checked by the project's tsc, which does not know AssemblyScript.

import { before, describe, it } from 'node:test'
import { Worker } from 'node:worker_threads'
import assert from 'node:assert/strict'
import asc from 'assemblyscript/asc'
import binaryen from 'binaryen'
import { InvalidModuleError } from '../../src/errors/index.ts'
import { BULK_BYTES_PER_GAS, GAS_GLOBAL, TRAP_GAS, TRAP_GLOBAL, TRAP_MEMORY, instrument, mutableGlobalExport } from '../../src/runtime/instrument.ts'
import type { InstrumentInit } from '../../src/runtime/instrument.ts'
import { Wasm } from '../../src/runtime/wasm-api.ts'
import type { WasmGlobal, WasmImports, WasmMemory } from '../../src/runtime/wasm-api.ts'

const GUEST = `
// Finite work: results must not change under instrumentation.
export function sumSquares(n: i32): i64 {
  let s: i64 = 0
  for (let i = 0; i < n; i++) s += <i64>i * i
  return s
}
export function fib(n: i32): i32 { return n < 2 ? n : fib(n - 1) + fib(n - 2) }
// Never terminates: only gas can stop it.
export function spin(): void { let i = 0; while (true) { i++ } }
// Recurses forever: stopped by gas or by the engine's stack limit.
export function recurse(n: i32): i32 { return recurse(n + 1) + 1 }
export function grow(pages: i32): i32 { return memory.grow(pages) }
export function pages(): i32 { return memory.size() }
export function ping(): void {}
export function __internal(): void {}
// Makes the module import env.abort, like every real AssemblyScript module.
export function check(x: i32): void { assert(x > 0) }
`

async function compileAssemblyScript (source: string): Promise<Uint8Array> {
  const files: Record<string, Uint8Array | string> = {}
  const result = await asc.main(['guest.ts', '--outFile', 'guest.wasm', '--runtime', 'stub', '--optimizeLevel', '2'], {
    readFile: (name: string) => name === 'guest.ts' ? source : null,
    writeFile: (name: string, contents: Uint8Array | string) => { files[name] = contents },
    listFiles: () => []
  })
  assert.equal(result.error, null, result.stderr.toString())
  const wasm = files['guest.wasm']
  assert.ok(wasm instanceof Uint8Array)
  return wasm
}

// The features docs/abi.md allows, those the instrumenter also accepts, and SIMD so a
// test can build a module to reject. Not Features.All: binaryen would then emit GC-era
// types V8 does not ship.
const F = binaryen.Features
const FEATURES = F.MVP | F.MutableGlobals | F.SignExt | F.BulkMemory | F.NontrappingFPToInt | F.ReferenceTypes | F.Multivalue | F.SIMD128

function wat (text: string): Uint8Array {
  const module = binaryen.parseText(text)
  module.setFeatures(FEATURES)
  const bytes = module.emitBinary()
  module.dispose()
  return bytes
}

const abortStub: WasmImports = { env: { abort: () => { throw new Error('abort called') } } }
const allowAll: InstrumentInit['allowedImports'] = () => true

interface Exports {
  memory: WasmMemory
  gas: WasmGlobal
  trap: WasmGlobal
  fn: Record<string, (...args: number[]) => unknown>
}

function instantiate (bytes: Uint8Array, imports: WasmImports = abortStub): Exports {
  const e = new Wasm.Instance(new Wasm.Module(bytes), imports).exports
  return {
    memory: e.memory as WasmMemory,
    gas: e[GAS_GLOBAL] as WasmGlobal,
    trap: e[TRAP_GLOBAL] as WasmGlobal,
    fn: e as Exports['fn']
  }
}

/** Runs `f` with `budget` gas; returns the gas it used. */
function metered (x: Exports, budget: bigint, f: () => unknown): { used: bigint, result: unknown } {
  x.gas.value = budget
  x.trap.value = 0
  const result = f()
  return { used: budget - (x.gas.value as bigint), result }
}

// Runs one export in a worker, so that if metering were broken the test fails after a
// timeout instead of hanging the whole run in an endless loop.
const WORKER = `
const { parentPort, workerData: { bytes, name, gas } } = require('node:worker_threads')
const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { abort () {} } }).exports
e.${GAS_GLOBAL}.value = gas
let error = null
try { e[name](0) } catch (err) { error = err.constructor.name }
parentPort.postMessage({ error, trap: e.${TRAP_GLOBAL}.value, gas: e.${GAS_GLOBAL}.value })
`

interface GuardedRun { error: string | null, trap: number, gas: bigint }

async function runGuarded (bytes: Uint8Array, name: string, gas: bigint): Promise<GuardedRun> {
  const worker = new Worker(WORKER, { eval: true, workerData: { bytes, name, gas } })
  let timer: NodeJS.Timeout | undefined
  try {
    return await new Promise<GuardedRun>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
      timer = setTimeout(() => reject(new Error(`${name} still running after 10 s: not metered`)), 10_000)
    })
  } finally {
    clearTimeout(timer)
    await worker.terminate()
  }
}

function assertInvalid (f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof InvalidModuleError, `expected InvalidModuleError, got ${String(err)}`)
    assert.match(err.message, pattern)
    return true
  })
}

describe('instrument: AssemblyScript guest', () => {
  let original: Uint8Array
  let bytes: Uint8Array

  before(async () => {
    original = await compileAssemblyScript(GUEST)
    bytes = instrument(original, { memoryPages: 4, allowedImports: [{ module: 'env', name: 'abort' }] }).bytes
  })

  it('produces a valid module exporting the gas, trap and mutable globals next to the original exports', () => {
    assert.equal(Wasm.validate(bytes), true)
    const { mutableGlobals, poolable } = instrument(original, { memoryPages: 4, allowedImports: allowAll })
    assert.equal(poolable, true)
    const before = Wasm.Module.exports(new Wasm.Module(original))
    const after = Wasm.Module.exports(new Wasm.Module(bytes))
    assert.deepEqual(after, [
      ...before, { name: GAS_GLOBAL, kind: 'global' }, { name: TRAP_GLOBAL, kind: 'global' },
      ...mutableGlobals.map(name => ({ name, kind: 'global' }))
    ])
  })

  it('lists () -> () exports not starting with "__" as methods, and the imports', () => {
    const result = instrument(original, { memoryPages: 4, allowedImports: allowAll })
    assert.deepEqual([...result.methods].sort(), ['ping', 'spin'])
    assert.deepEqual(result.imports, [{ module: 'env', name: 'abort' }])
  })

  it('computes the same results as the original and charges gas for it', () => {
    const plain = instantiate(original)
    const x = instantiate(bytes)
    for (const n of [0, 1, 10, 1000]) {
      const { used, result } = metered(x, 10_000_000n, () => x.fn.sumSquares(n))
      assert.equal(result, plain.fn.sumSquares(n))
      assert.ok(used > 0n)
    }
    assert.equal(metered(x, 10_000_000n, () => x.fn.fib(20)).result, 6765)
    assert.equal(x.trap.value, 0)
  })

  it('uses the same gas on every run, and more for more work', () => {
    const runs = [instantiate(bytes), instantiate(bytes)].flatMap(x => [
      metered(x, 10_000_000n, () => x.fn.sumSquares(1000)).used,
      metered(x, 10_000_000n, () => x.fn.sumSquares(1000)).used
    ])
    assert.equal(new Set(runs).size, 1, `gas differs between runs: ${runs.join(', ')}`)
    const x = instantiate(bytes)
    const used = [1000, 2000, 3000].map(n => metered(x, 10_000_000n, () => x.fn.sumSquares(n)).used)
    // One loop iteration always costs the same: gas grows linearly with n.
    assert.ok(used[1] > used[0])
    assert.equal(used[2] - used[1], used[1] - used[0])
  })

  it('stops an infinite loop when the gas runs out', async () => {
    const run = await runGuarded(bytes, 'spin', 1_000_000n)
    assert.equal(run.error, 'RuntimeError')
    assert.equal(run.trap, TRAP_GAS)
    assert.ok(run.gas < 0n)
  })

  it('stops unbounded recursion, by gas or by the stack', async () => {
    const run = await runGuarded(bytes, 'recurse', 10_000n)
    assert.deepEqual([run.error, run.trap], ['RuntimeError', TRAP_GAS])

    // With plenty of gas the engine's stack limit ends it first; nothing hangs.
    const deep = await runGuarded(bytes, 'recurse', 1n << 60n)
    assert.ok(deep.error === 'RangeError' || (deep.error === 'RuntimeError' && deep.trap === TRAP_GAS), JSON.stringify(deep.error))
  })

  it('lets memory grow up to the cap and traps past it', () => {
    const x = instantiate(bytes)
    const start = metered(x, 1_000_000n, () => x.fn.pages()).result as number
    assert.ok(start < 4)
    assert.equal(metered(x, 1_000_000n, () => x.fn.grow(4 - start)).result, start)
    assert.equal(x.memory.buffer.byteLength, 4 * 65536)
    assert.equal(metered(x, 1_000_000n, () => x.fn.grow(0)).result, 4)

    assert.throws(() => metered(x, 1_000_000n, () => x.fn.grow(1)), Wasm.RuntimeError)
    assert.equal(x.trap.value, TRAP_MEMORY)
    // A negative delta is a huge unsigned one, not a way around the cap.
    assert.throws(() => metered(x, 1_000_000n, () => x.fn.grow(-1)), Wasm.RuntimeError)
    assert.equal(x.trap.value, TRAP_MEMORY)
    assert.equal(x.memory.buffer.byteLength, 4 * 65536)
    // The declared maximum is capped too, so the host cannot be talked past it either.
    assert.throws(() => x.memory.grow(1), RangeError)
  })

  it('rejects an import the host does not provide, naming it', () => {
    const only = [{ module: 'moor', name: 'input' }]
    assertInvalid(() => instrument(original, { memoryPages: 4, allowedImports: only }), /module imports env\.abort, which the host does not provide/)
    assertInvalid(() => instrument(original, { memoryPages: 4, allowedImports: (m) => m === 'moor' }), /env\.abort/)
  })

  it('rejects garbage, truncated modules and wrong versions', () => {
    assertInvalid(() => instrument(new TextEncoder().encode('export function main() {}'), { memoryPages: 4, allowedImports: allowAll }), /not a WebAssembly module/)
    assertInvalid(() => instrument(new Uint8Array(0), { memoryPages: 4, allowedImports: allowAll }), /not a WebAssembly module/)
    const version2 = original.slice()
    version2[4] = 2
    assertInvalid(() => instrument(version2, { memoryPages: 4, allowedImports: allowAll }), /version 2/)
    for (const length of [9, 20, original.length >> 1, original.length - 1]) {
      assertInvalid(() => instrument(original.subarray(0, length), { memoryPages: 4, allowedImports: allowAll }), /malformed/)
    }
    // Random bytes behind a valid header.
    let seed = 7
    const noise = Uint8Array.from({ length: 200 }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff)
    noise.set([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])
    assertInvalid(() => instrument(noise, { memoryPages: 4, allowedImports: allowAll }), /.+/)
  })

  it('refuses to instrument its own output twice', () => {
    assertInvalid(() => instrument(bytes, { memoryPages: 4, allowedImports: allowAll }), /already exports "__moor_gas"/)
  })
})

describe('instrument: hand-written modules', () => {
  it('charges each function entry and loop body its static instruction count', () => {
    const bytes = instrument(wat(`(module
      (memory (export "memory") 1)
      ;; function: loop, end = 2; loop body: 5 instructions + end = 6
      (func (export "count") (param $n i32)
        (loop $l
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
      ;; function: 2; outer body: local.get, local.set, loop, local.get, i32.const, i32.sub,
      ;; local.tee, br_if, end = 9 (the inner body excluded); inner body: 6
      (func (export "nested") (param $i i32) (param $j i32) (local $k i32)
        (loop $outer
          (local.set $k (local.get $j))
          (loop $inner
            (br_if $inner (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
          (br_if $outer (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))
      ;; no loop: both arms of the if count once, whichever runs (9 with the end)
      (func (export "pick") (param $c i32) (result i32)
        (if (result i32) (local.get $c) (then (i32.const 1)) (else (i32.const 2)))))`),
    { memoryPages: 1, allowedImports: allowAll }).bytes
    const x = instantiate(bytes, {})
    for (const n of [1, 5, 100]) assert.equal(metered(x, 1_000_000n, () => x.fn.count(n)).used, BigInt(2 + 6 * n))
    assert.equal(metered(x, 1_000_000n, () => x.fn.nested(3, 4)).used, BigInt(2 + 3 * (9 + 4 * 6)))
    assert.equal(metered(x, 1_000_000n, () => x.fn.pick(0)).used, metered(x, 1_000_000n, () => x.fn.pick(1)).used)
  })

  it('keeps the counter exact on every way out of a function and across calls', () => {
    const bytes = instrument(wat(`(module
      (import "env" "peek" (func $peek (result i64)))
      (memory (export "memory") 1)
      (global $seen (mut i64) (i64.const 0))
      ;; leaves from inside the loop with a branch to the function's label
      (func (export "brOut") (param $n i32)
        (loop $l
          (br_if 1 (i32.eqz (local.get $n)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $l)))
      ;; the same with return
      (func (export "returnOut") (param $n i32)
        (loop $l
          (if (i32.eqz (local.get $n)) (then (return)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $l)))
      ;; br_table whose targets include the function's label
      (func (export "table") (param $i i32) (result i32)
        (i32.add (block $a (result i32) (br_table $a 1 (i32.const 7) (local.get $i))) (i32.const 1)))
      ;; a host call in the middle sees what was charged before it; the callee's charge counts too
      (func $inner (result i64) (call $peek))
      (func (export "nested") (result i64) (global.set $seen (call $inner)) (global.get $seen)))`),
    { memoryPages: 1, allowedImports: allowAll }).bytes
    let x: Exports | undefined
    const e = new Wasm.Instance(new Wasm.Module(bytes), { env: { peek: () => (x as Exports).gas.value as bigint } }).exports
    x = { memory: e.memory as WasmMemory, gas: e[GAS_GLOBAL] as WasmGlobal, trap: e[TRAP_GLOBAL] as WasmGlobal, fn: e as Exports['fn'] }
    // Without the write-back on those exits the global would not move at all.
    for (const name of ['brOut', 'returnOut']) {
      const used = (n: number): bigint => metered(x!, 1_000_000n, () => x!.fn[name](n)).used
      const step = used(2) - used(1)
      assert.ok(used(0) > 0n && step > 0n, name)
      assert.equal(used(10) - used(1), 9n * step, `${name}: one loop body per iteration`)
    }
    const t0 = metered(x, 1_000_000n, () => x!.fn.table(0))
    const t1 = metered(x, 1_000_000n, () => x!.fn.table(1))
    assert.deepEqual([t0.result, t1.result], [8, 7])
    assert.equal(t0.used, t1.used, 'every path through table is charged once, at entry')
    // What the host saw mid-call: the budget minus both entries' charges, nothing pending.
    const { used, result } = metered(x, 1_000_000n, () => x!.fn.nested())
    assert.equal(1_000_000n - (result as bigint), used)
  })

  it('charges memory.fill and memory.copy by length, so a loop of large fills runs out of gas', async () => {
    const source = wat(`(module
      (memory (export "memory") 4)
      (func (export "fill") (param $n i32) (memory.fill (i32.const 0) (i32.const 7) (local.get $n)))
      (func (export "copy") (param $n i32) (memory.copy (i32.const 65536) (i32.const 0) (local.get $n)))
      (func (export "byte") (param $at i32) (result i32) (i32.load8_u (local.get $at)))
      ;; 64 KiB fills forever: each iteration's instructions are few; its bytes are not
      (func (export "flood") (param i32) (loop $l (memory.fill (i32.const 0) (i32.const 1) (i32.const 65536)) (br $l))))`)
    const { bytes } = instrument(source, { memoryPages: 4, allowedImports: allowAll })
    const x = instantiate(bytes, {})
    const base = metered(x, 1_000_000n, () => x.fn.fill(0)).used
    // One unit per BULK_BYTES_PER_GAS bytes on top of the instructions.
    assert.equal(metered(x, 1_000_000n, () => x.fn.fill(65536)).used - base, BigInt(65536 / BULK_BYTES_PER_GAS))
    assert.equal(metered(x, 1_000_000n, () => x.fn.copy(4096)).used - metered(x, 1_000_000n, () => x.fn.copy(0)).used, BigInt(4096 / BULK_BYTES_PER_GAS))
    // The operations still do what they did.
    assert.equal(x.fn.byte(65535), 7)
    assert.equal(x.fn.byte(65536 + 4095), 7)
    // Not enough gas for the length: a gas trap before any byte is written.
    x.fn.fill(65536)
    x.gas.value = 100n
    x.trap.value = 0
    assert.throws(() => x.fn.copy(65536))
    assert.equal(x.trap.value, TRAP_GAS)
    x.gas.value = 1_000_000n
    assert.equal(x.fn.byte(65536 + 65535), 0)
    // 1,000,000 gas buys about 500 fills of 64 KiB, then the loop stops.
    const run = await runGuarded(bytes, 'flood', 1_000_000n)
    assert.equal(run.trap, TRAP_GAS)
  })

  it('keeps the behaviour of bulk memory, sign extension, multi-value, tables and start', () => {
    const source = wat(`(module
      (type $binop (func (param i32 i32) (result i32)))
      (memory (export "memory") 1 8)
      (table 2 funcref)
      (elem (i32.const 0) $add $sub)
      (global $counter (mut i32) (i32.const 0))
      (global $big i64 (i64.const -9007199254740993))
      (data $passive "moorage")
      (start $init)
      ;; start: runs at instantiation, with the gas the instrumenter was told to give it
      (func $init (local $i i32)
        (loop $l
          (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 10)))))
      (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
      (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
      (func (export "counter") (result i32) (global.get $counter))
      (func (export "big") (result i64) (global.get $big))
      (func (export "dispatch") (param i32 i32 i32) (result i32)
        (call_indirect (type $binop) (local.get 1) (local.get 2) (local.get 0)))
      (func (export "funcref") (result i32)
        (ref.is_null (select (result funcref) (ref.func $add) (ref.null func) (i32.const 0))))
      (func (export "bulk") (result i32)
        (memory.init $passive (i32.const 100) (i32.const 0) (i32.const 7))
        (data.drop $passive)
        (memory.copy (i32.const 200) (i32.const 100) (i32.const 7))
        (memory.fill (i32.const 100) (i32.const 0) (i32.const 7))
        (i32.add (i32.load8_u (i32.const 200)) (i32.load8_u (i32.const 100))))
      (func (export "signext") (param i32) (result i32) (i32.extend8_s (local.get 0)))
      (func (export "satconv") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0)))
      ;; a branch keeps binaryen from flattening the block: it stays a (type index) block
      (func (export "pair") (param i32) (result i32)
        (i32.sub (block $b (result i32 i32)
          (br_if $b (i32.const 10) (i32.const 3) (local.get 0)) (drop) (drop)
          (i32.const 20) (i32.const 4))))
      (func (export "branch") (param i32) (result i32)
        (block $c (block $b (block $a (br_table $a $b $c (local.get 0))) (return (i32.const 10)))
          (return (f32.ge (f32.const 1.5) (f32.const 0.5))))
        (i32.trunc_f64_s (f64.const 42.9))))`)
    assert.equal(Wasm.validate(source), true)
    const plain = instantiate(source, {})
    const { bytes, poolable, mutableGlobals } = instrument(source, { memoryPages: 2, allowedImports: allowAll, startGas: 1000n })
    assert.equal(poolable, false, 'data.drop')
    assert.deepEqual(mutableGlobals, ['__moor_g0'])
    const x = instantiate(bytes, {})
    // The start function ran, metered, on the start budget.
    assert.equal(x.fn.counter(), 10)
    assert.ok((x.gas.value as bigint) > 0n && (x.gas.value as bigint) < 1000n)

    const calls: Array<[string, unknown[]]> = [
      ['big', []], ['dispatch', [0, 7, 5]], ['dispatch', [1, 7, 5]], ['funcref', []], ['bulk', []],
      ['signext', [0xff]], ['signext', [0x7f]], ['satconv', [1e12]], ['satconv', [NaN]], ['pair', [0]], ['pair', [1]],
      ['branch', [0]], ['branch', [1]], ['branch', [2]], ['branch', [99]]
    ]
    for (const [name, args] of calls) {
      const expected = plain.fn[name](...args as number[])
      const { result } = metered(x, 1_000_000n, () => x.fn[name](...args as number[]))
      assert.equal(result, expected, `${name}(${args.join(', ')})`)
    }
  })

  it('exports the mutable globals the module defines, by index, and no others', () => {
    const source = wat(`(module
      (import "env" "imported" (global $imported (mut i32)))
      (memory (export "memory") 1)
      (global $a (mut i32) (i32.const 11))
      (global $b i32 (i32.const 22))
      (global $c (mut i64) (i64.const 33))
      (global $d (mut f64) (f64.const 4.5))
      (export "c_by_its_own_name" (global $c))
      (func (export "a") (result i32) (global.get $a))
      (func (export "c") (result i64) (global.get $c)))`)
    const { bytes, mutableGlobals, poolable } = instrument(source, { memoryPages: 1, allowedImports: allowAll })
    // Global index space: the import is 0, then $a 1, $b 2, $c 3, $d 4.
    assert.deepEqual(mutableGlobals, [1, 3, 4].map(mutableGlobalExport))
    assert.deepEqual(mutableGlobals, ['__moor_g1', '__moor_g3', '__moor_g4'])
    assert.equal(poolable, true)
    const imported = new (Wasm.Global)({ value: 'i32', mutable: true }, 0)
    const e = new Wasm.Instance(new Wasm.Module(bytes), { env: { imported } }).exports
    const g = (name: string): WasmGlobal => e[name] as WasmGlobal
    assert.deepEqual(mutableGlobals.map(name => g(name).value), [11, 33n, 4.5])
    // The exports are the globals themselves: writes through them are what the code sees.
    g('__moor_g1').value = 99
    g('__moor_g3').value = -7n
    g(GAS_GLOBAL).value = 1000n
    assert.equal((e.a as () => number)(), 99)
    assert.equal((e.c as () => bigint)(), -7n)
    assert.equal(g('c_by_its_own_name').value, -7n)
  })

  it('reports modules that change tables or drop segments as not poolable', () => {
    const module = (body: string): Uint8Array => wat(`(module (memory (export "memory") 1)
      (table $t 2 funcref) (table $u 2 funcref) (elem $e func $f) (data $d "x")
      (elem (table $t) (i32.const 0) func $f)
      (func $f (result i32) (i32.const 1))
      (func (export "m") ${body}))`)
    const poolable = (body: string): boolean => instrument(module(body), { memoryPages: 1, allowedImports: allowAll }).poolable
    // Reading tables and initialising memory from a segment that is never dropped are fine.
    assert.equal(poolable(`(drop (table.get $t (i32.const 0))) (drop (table.size $t))
      (drop (call_indirect $t (result i32) (i32.const 0)))
      (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1))
      (memory.copy (i32.const 0) (i32.const 1) (i32.const 1)) (memory.fill (i32.const 0) (i32.const 0) (i32.const 1))`), true)
    const mutating: Record<string, string> = {
      'table.set': '(table.set $t (i32.const 0) (ref.func $f))',
      'table.grow': '(drop (table.grow $t (ref.null func) (i32.const 1)))',
      'table.fill': '(table.fill $t (i32.const 0) (ref.null func) (i32.const 1))',
      'table.copy': '(table.copy $u $t (i32.const 0) (i32.const 0) (i32.const 1))',
      'table.init': '(table.init $t $e (i32.const 0) (i32.const 0) (i32.const 1))',
      'elem.drop': '(elem.drop $e)',
      'data.drop': '(data.drop $d)'
    }
    for (const [name, body] of Object.entries(mutating)) {
      assert.equal(poolable(body), false, name)
      // ... anywhere in the module, not only in exported functions.
      assert.equal(poolable(`(if (i32.const 0) (then (loop ${body})))`), false, `${name} nested`)
    }
  })

  it('rejects modules that export reserved names', () => {
    for (const name of ['__moor_g0', '__moor_trap', '__moor_anything']) {
      assertInvalid(() => instrument(wat(`(module (memory (export "memory") 1) (global (mut i32) (i32.const 0)) (export "${name}" (global 0)))`),
        { memoryPages: 1, allowedImports: allowAll }), new RegExp(`already exports "${name}"`))
    }
  })

  it('gives a start function no gas unless told to', () => {
    const source = wat(`(module (memory (export "memory") 1)
      (global $g (mut i32) (i32.const 0))
      (func $init (global.set $g (i32.const 1)))
      (start $init))`)
    const { bytes } = instrument(source, { memoryPages: 1, allowedImports: allowAll })
    assert.throws(() => instantiate(bytes, {}), Wasm.RuntimeError)
    assert.doesNotThrow(() => instantiate(instrument(source, { memoryPages: 1, allowedImports: allowAll, startGas: 10n }).bytes, {}))
  })

  it('adds the helper when the module has no functions, types or globals of its own', () => {
    const { bytes, methods } = instrument(wat('(module (memory (export "memory") 0))'), { memoryPages: 1, allowedImports: allowAll })
    assert.equal(Wasm.validate(bytes), true)
    assert.deepEqual(methods, [])
    const x = instantiate(bytes, {})
    assert.equal(x.gas.value, 0n)
    assert.equal(x.trap.value, 0)
  })

  it('keeps custom sections such as the name section', () => {
    binaryen.setDebugInfo(true)
    let source: Uint8Array
    try {
      source = wat('(module (memory (export "memory") 1) (func $named (export "f") (nop)))')
    } finally {
      binaryen.setDebugInfo(false)
    }
    const sections = (bytes: Uint8Array): number => (Wasm.Module as unknown as { customSections: (m: object, n: string) => ArrayBuffer[] })
      .customSections(new Wasm.Module(bytes), 'name').length
    assert.equal(sections(source), 1)
    assert.equal(sections(instrument(source, { memoryPages: 1, allowedImports: allowAll }).bytes), 1)
  })

  it('rejects what the host cannot run', () => {
    const opts = { memoryPages: 4, allowedImports: allowAll }
    assertInvalid(() => instrument(wat('(module (import "env" "memory" (memory 1)) (export "memory" (memory 0)))'), opts), /imports its memory \(env\.memory\)/)
    assertInvalid(() => instrument(wat('(module (memory 1))'), opts), /does not export its memory as "memory"/)
    assertInvalid(() => instrument(wat('(module (func (export "f")))'), opts), /does not export its memory/)
    assertInvalid(() => instrument(wat('(module (memory (export "memory") 5))'), opts), /needs more memory than the node allows/)
    assertInvalid(() => instrument(wat(`(module (memory (export "memory") 1)
      (func (export "f") (drop (i32x4.splat (i32.const 1)))))`), opts), /SIMD instructions are not supported[^]*0xfd/)
  })

  it('rejects an unknown opcode with its offset', () => {
    // Hand-encoded: one () -> () function whose body is the unassigned opcode 0xff.
    const bytes = Uint8Array.from([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
      0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
      0x05, 0x03, 0x01, 0x00, 0x01, // memory section: 1 page
      0x07, 0x0a, 0x01, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, // export "memory"
      0x0a, 0x05, 0x01, 0x03, 0x00, 0xff, 0x0b // code: no locals, 0xff, end
    ])
    assertInvalid(() => instrument(bytes, { memoryPages: 1, allowedImports: allowAll }), /unknown opcode 0xff[^]*offset 40 in function 0/)
    bytes[bytes.length - 2] = 0x01 // nop: now a valid module
    assert.equal(Wasm.validate(instrument(bytes, { memoryPages: 1, allowedImports: allowAll }).bytes), true)
  })
})
