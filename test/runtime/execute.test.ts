// Runtime behaviour on hand-made modules: result buffer, failure mapping, isolation,
// metering and validation at prepare.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  AppPanicError, AppTrapError, GasExhaustedError, HostCallError, InvalidModuleError, MemoryLimitError,
  MethodNotFoundError, MoorageError, ReadOnlyViolationError, StackOverflowError
} from '../../src/errors/index.ts'
import { MOOR_IMPORTS } from '../../src/runtime/abi.ts'
import { createRuntime } from '../../src/runtime/index.ts'
import type { Runtime } from '../../src/runtime/index.ts'
import { buildModule, op } from '../helpers/wasm-builder.ts'
import type { ImportDef } from '../helpers/wasm-builder.ts'
import { createTestEnv } from '../helpers/memory-state.ts'

const enc = new TextEncoder()
const dec = new TextDecoder()

const moor = (name: string): ImportDef => ({ module: 'moor', name, params: [...MOOR_IMPORTS[name].params], results: [...MOOR_IMPORTS[name].results] })

/** An AssemblyScript string: u32 byte length, then UTF-16LE. The string pointer is offset + 4. */
function asString (s: string): number[] {
  const body = [...Buffer.from(s, 'utf16le')]
  return [body.length & 0xff, (body.length >> 8) & 0xff, 0, 0, ...body]
}

const IMPORTS: ImportDef[] = [
  moor('input'), moor('result_read'), moor('value_return'), moor('panic'), moor('log'),
  moor('root'), moor('map_set'), moor('emit'), moor('child'), moor('counter_add'), moor('counter_get'),
  moor('private_write'),
  { module: 'env', name: 'abort', params: ['i32', 'i32', 'i32', 'i32'] }
]
const fn = (name: string): number => IMPORTS.findIndex((i) => i.name === name)
const call = (name: string, ...args: number[][]): number[] => [...args.flat(), ...op.call(fn(name))]
const I = op.i32
const SELF = IMPORTS.length // index of the first defined function

const BASIC = buildModule({
  imports: IMPORTS,
  memory: { min: 1 },
  data: [
    { offset: 16, bytes: 'hello' },
    { offset: 300, bytes: asString('boom!') }, // string at 304
    { offset: 400, bytes: asString('a.ts') }, // string at 404
    { offset: 500, bytes: 'ctr' }
  ],
  funcs: [
    { export: 'recurse', body: op.call(SELF) }, // calls itself: the first defined function
    { export: 'ret', body: call('value_return', I(16), I(5)) },
    { export: 'echo', locals: ['i32'], body: [...call('input'), ...op.localSet(0), ...call('result_read', I(1024)), ...call('value_return', I(1024), op.localGet(0))] },
    { export: 'oob', body: call('value_return', I(65530), I(100)) },
    { export: 'oob_high', body: call('value_return', I(-16), I(4)) },
    { export: 'result_oob', body: [...call('input'), ...op.drop, ...call('result_read', I(65535))] },
    { export: 'spin', body: op.forever() },
    { export: 'grow', body: op.forever([...I(1), ...op.memoryGrow, ...op.drop]) },
    { export: 'trap', body: op.unreachable },
    { export: 'panic', body: call('panic', I(16), I(5)) },
    { export: 'abort', body: call('abort', I(304), I(404), I(7), I(3)) },
    { export: 'write', body: [...call('root', I(0)), ...call('map_set', I(0), I(16), I(5), I(16), I(5))] },
    { export: 'private', body: call('private_write', I(16), I(5), I(16), I(5)) },
    {
      export: 'counter',
      body: [
        ...call('root', I(0)), ...call('child', I(0), I(500), I(3), I(4), I(32)),
        ...call('counter_add', I(32), op.i64(-5)), ...call('counter_add', I(32), op.i64(2)),
        ...I(64), ...call('counter_get', I(32)), ...op.i64Store, ...call('value_return', I(64), I(8))
      ]
    },
    { export: 'stateful', body: [...I(2048), ...I(2048), ...op.i32Load, ...I(1), ...op.i32Add, ...op.i32Store, ...call('value_return', I(2048), I(4))] },
    { export: 'log', body: call('log', I(16), I(5)) },
    { export: 'emit', body: call('emit', I(16), I(5), I(500), I(3)) },
    { export: 'emit_then_trap', body: [...call('emit', I(16), I(5), I(500), I(3)), ...op.unreachable] },
    { export: 'returns_i32', results: ['i32'], body: I(1) },
    { export: '__internal', body: [] }
  ]
})

function runtime (init: Parameters<typeof createRuntime>[0] = {}): Runtime {
  const rt = createRuntime(init)
  rt.prepare('basic', BASIC)
  return rt
}

function run (rt: Runtime, method: string, opts: { input?: string, readOnly?: boolean, gas?: bigint } = {}) {
  const t = createTestEnv({ input: enc.encode(opts.input ?? ''), readOnly: opts.readOnly ?? false })
  const outcome = rt.call('basic', BASIC, method, t.env, opts.gas === undefined ? undefined : { gas: opts.gas })
  return { ...outcome, ...t }
}

describe('methods and the result buffer', () => {
  test('prepare lists exported () -> () functions, not __ names or functions with results', () => {
    const rt = createRuntime()
    const methods = rt.prepare('basic', BASIC)
    assert.ok(methods.includes('ret') && methods.includes('echo'))
    assert.ok(!methods.includes('returns_i32'))
    assert.ok(!methods.includes('__internal'))
    assert.deepEqual(rt.methods('basic'), methods)
  })

  test('value_return sets the output; gas is reported', () => {
    const { output, gasUsed } = run(runtime(), 'ret')
    assert.equal(dec.decode(output!), 'hello')
    assert.ok(gasUsed > 0n)
  })

  test('a method that returns nothing has null output', () => {
    assert.equal(run(runtime(), 'log').output, null)
  })

  test('input + result_read round-trips the argument', () => {
    assert.equal(dec.decode(run(runtime(), 'echo', { input: '{"a":1}' }).output!), '{"a":1}')
    assert.equal(run(runtime(), 'echo', { input: '' }).output!.length, 0)
  })

  test('every call gets a fresh instance', () => {
    const rt = runtime()
    const first = run(rt, 'stateful').output!
    const second = run(rt, 'stateful').output!
    assert.deepEqual([...first], [1, 0, 0, 0])
    assert.deepEqual([...second], [1, 0, 0, 0])
  })

  test('counter_add passes negative i64 amounts; counter_get returns an i64', () => {
    const { output, state } = run(runtime(), 'counter')
    assert.equal(Buffer.from(output!).readBigInt64LE(0), -3n)
    assert.equal(state.writes.filter((w) => w.startsWith('counter_add')).length, 2)
  })

  test('log goes to env.log', () => {
    assert.deepEqual(run(runtime(), 'log').logs, ['hello'])
  })

  test('events are delivered only when the call succeeds', () => {
    const ok = run(runtime(), 'emit')
    assert.deepEqual(ok.events.map((e) => [e.kind, dec.decode(e.data)]), [['hello', 'ctr']])
    const t = createTestEnv()
    assert.throws(() => runtime().call('basic', BASIC, 'emit_then_trap', t.env), AppTrapError)
    assert.equal(t.events.length, 0)
  })
})

describe('failures', () => {
  test('unknown method -> MethodNotFoundError listing the methods', () => {
    assert.throws(() => run(runtime(), 'nope'), (err: unknown) => {
      assert.ok(err instanceof MethodNotFoundError)
      assert.match(err.message, /nope/)
      assert.match(err.message, /echo/)
      assert.equal(err.status, 422)
      return true
    })
  })

  test('infinite loop -> GasExhaustedError, and the runtime keeps serving', () => {
    const rt = runtime()
    assert.throws(() => run(rt, 'spin', { gas: 100_000n }), (err: unknown) => {
      assert.ok(err instanceof GasExhaustedError)
      assert.match(err.message, /method spin ran out of gas after 100000 units/)
      assert.match(err.message, /limits\.gas/)
      return true
    })
    assert.equal(dec.decode(run(rt, 'ret').output!), 'hello')
  })

  test('gas running out inside a host call is GasExhaustedError too', () => {
    const rt = runtime()
    const { gasUsed } = run(rt, 'echo', { input: 'x'.repeat(1000) })
    assert.throws(() => run(rt, 'echo', { input: 'x'.repeat(1000), gas: gasUsed - 1n }), GasExhaustedError)
    assert.equal(run(rt, 'echo', { input: 'x'.repeat(1000), gas: gasUsed }).gasUsed, gasUsed)
  })

  test('memory.grow past the cap -> MemoryLimitError naming the cap, and the runtime keeps serving', () => {
    const rt = runtime({ memoryPages: 16 })
    assert.throws(() => run(rt, 'grow'), (err: unknown) => {
      assert.ok(err instanceof MemoryLimitError)
      assert.match(err.message, /1 MiB/)
      return true
    })
    assert.equal(dec.decode(run(rt, 'ret').output!), 'hello')
  })

  test('unbounded recursion -> StackOverflowError', () => {
    assert.throws(() => run(runtime(), 'recurse'), StackOverflowError)
  })

  test('unreachable -> AppTrapError with the trap message', () => {
    assert.throws(() => run(runtime(), 'trap'), (err: unknown) => {
      assert.ok(err instanceof AppTrapError)
      assert.match(err.message, /method trap trapped: unreachable/)
      return true
    })
  })

  test('panic -> AppPanicError carrying the message', () => {
    assert.throws(() => run(runtime(), 'panic'), (err: unknown) => {
      assert.ok(err instanceof AppPanicError)
      assert.equal(err.shortMessage, 'hello')
      return true
    })
  })

  test('env.abort decodes AssemblyScript strings', () => {
    assert.throws(() => run(runtime(), 'abort'), (err: unknown) => {
      assert.ok(err instanceof AppPanicError)
      assert.equal(err.shortMessage, 'abort: boom! at a.ts:7:3')
      return true
    })
  })

  test('out-of-bounds pointers -> HostCallError naming the import', () => {
    for (const method of ['oob', 'oob_high']) {
      assert.throws(() => run(runtime(), method), (err: unknown) => {
        assert.ok(err instanceof HostCallError)
        assert.match(err.message, /value_return/)
        assert.match(err.message, /outside guest memory/)
        return true
      })
    }
    assert.throws(() => run(runtime(), 'result_oob', { input: 'abc' }), (err: unknown) => {
      assert.ok(err instanceof HostCallError)
      assert.match(err.message, /result_read/)
      return true
    })
  })

  test('writes in a read-only call -> ReadOnlyViolationError; nothing is written', () => {
    const ro = createTestEnv({ readOnly: true })
    assert.throws(() => runtime().call('basic', BASIC, 'write', ro.env), (err: unknown) => {
      assert.ok(err instanceof ReadOnlyViolationError)
      assert.match(err.message, /map_set/)
      return true
    })
    assert.deepEqual(ro.state.writes, [])
    assert.throws(() => run(runtime(), 'private', { readOnly: true }), ReadOnlyViolationError)
    assert.throws(() => run(runtime(), 'counter', { readOnly: true }), ReadOnlyViolationError)
    const rw = run(runtime(), 'write')
    assert.deepEqual(rw.state.writes.length, 1)
  })

  test('nothing but MoorageErrors escape, even when an env callback throws', () => {
    const t = createTestEnv({ log: () => { throw new TypeError('sink broken') } })
    assert.throws(() => runtime().call('basic', BASIC, 'log', t.env), (err: unknown) => {
      assert.ok(err instanceof HostCallError)
      assert.match(err.message, /moor\.log failed: sink broken/)
      return true
    })
    const e = createTestEnv({ emit: () => { throw new Error('bus down') } })
    assert.throws(() => runtime().call('basic', BASIC, 'emit', e.env), MoorageError)
  })
})

describe('metering', () => {
  test('identical calls use identical gas', () => {
    const rt = runtime()
    const a = run(rt, 'echo', { input: 'same input' }).gasUsed
    const b = run(rt, 'echo', { input: 'same input' }).gasUsed
    const c = run(runtime(), 'echo', { input: 'same input' }).gasUsed
    assert.equal(a, b)
    assert.equal(a, c)
  })

  test('host calls charge per byte moved', () => {
    const rt = runtime()
    const small = run(rt, 'echo', { input: 'x'.repeat(10) }).gasUsed
    const large = run(rt, 'echo', { input: 'x'.repeat(110) }).gasUsed
    // input (into the buffer), result_read (out of it), value_return (back in): 3 moves per byte
    assert.equal(large - small, 300n)
  })
})

describe('prepare validation', () => {
  const method = { export: 'm', body: [] as number[] }

  test('an unknown import is rejected with its name', () => {
    for (const [mod, name] of [['env', 'fetch'], ['wasi_snapshot_preview1', 'fd_write'], ['moor', 'storage_write']]) {
      const wasm = buildModule({ imports: [{ module: mod, name, params: ['i32'] }], memory: { min: 1 }, funcs: [method] })
      assert.throws(() => createRuntime().prepare('x', wasm), (err: unknown) => {
        assert.ok(err instanceof InvalidModuleError)
        assert.ok(err.message.includes(`${mod}.${name}`), err.message)
        return true
      })
    }
  })

  test('an ABI import with the wrong signature is rejected', () => {
    const wasm = buildModule({ imports: [{ module: 'moor', name: 'counter_get', params: ['i32'], results: ['i32'] }], memory: { min: 1 }, funcs: [method] })
    assert.throws(() => createRuntime().prepare('x', wasm), (err: unknown) => {
      assert.ok(err instanceof InvalidModuleError)
      assert.match(err.message, /moor\.counter_get/)
      assert.match(err.message, /\(i32\) -> \(i64\)/)
      return true
    })
  })

  test('a module without an exported memory is rejected', () => {
    const wasm = buildModule({ memory: { min: 1, exportMemory: false }, funcs: [method] })
    assert.throws(() => createRuntime().prepare('x', wasm), InvalidModuleError)
  })

  test('garbage is rejected', () => {
    assert.throws(() => createRuntime().prepare('x', enc.encode('not wasm')), InvalidModuleError)
  })

  test('call compiles from the lookup when the module is not cached', () => {
    const rt = createRuntime()
    let lookups = 0
    const lookup = (id: string): Uint8Array => { lookups++; assert.equal(id, 'ab'); return BASIC }
    const t = createTestEnv()
    rt.call(new Uint8Array([0xab]), lookup, 'ret', t.env)
    rt.call('AB', lookup, 'ret', t.env)
    assert.equal(lookups, 1)
  })
})
