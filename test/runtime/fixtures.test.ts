// The runtime against the AssemblyScript fixtures (test/fixtures/apps, built by
// `node scripts/build-apps.ts`) over the in-memory state.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import {
  AppPanicError, AppTrapError, GasExhaustedError, MemoryLimitError, MethodNotFoundError,
  ReadOnlyViolationError, XcallDeniedError
} from '../../src/errors/index.ts'
import { createRuntime } from '../../src/runtime/index.ts'
import type { CallEnv, Runtime } from '../../src/runtime/index.ts'
import { createTestEnv } from '../helpers/memory-state.ts'
import type { TestEnv } from '../helpers/memory-state.ts'

const BUILD = path.join(import.meta.dirname, '..', 'fixtures', 'apps', 'build')
function fixture (name: string): Uint8Array {
  const file = path.join(BUILD, `${name}.wasm`)
  if (!existsSync(file)) throw new Error(`missing ${file}: run \`node scripts/build-apps.ts\` first`)
  return readFileSync(file)
}

const enc = new TextEncoder()
const dec = new TextDecoder()
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

function setup (names: string[], init: Parameters<typeof createRuntime>[0] = {}): Runtime {
  const rt = createRuntime(init)
  for (const name of names) rt.prepare(name, fixture(name))
  return rt
}

/** Calls `method` of fixture `app` with JSON `args`; returns the parsed output plus the env. */
function call (rt: Runtime, app: string, method: string, args: unknown = {}, t: TestEnv = createTestEnv(), extra: Partial<CallEnv> = {}) {
  const out = rt.call(app, fixture(app), method, { ...t.env, input: enc.encode(JSON.stringify(args)), ...extra })
  const text = out.output == null ? null : dec.decode(out.output)
  return { text, value: text == null ? undefined : JSON.parse(text), gasUsed: out.gasUsed, t }
}

describe('limits and failures', () => {
  test('infinite loop -> GasExhaustedError at the default budget; the runtime keeps serving', () => {
    const rt = setup(['loop'])
    assert.throws(() => call(rt, 'loop', 'spin'), (err: unknown) => {
      assert.ok(err instanceof GasExhaustedError)
      assert.match(err.message, /method spin ran out of gas after 300000000 units/)
      assert.match(err.hint ?? '', /limits\.gas/)
      return true
    })
    assert.equal(call(rt, 'loop', 'ok').value, 'ok')
  })

  test('memory bomb -> MemoryLimitError at 64 MiB; the runtime keeps serving', () => {
    const rt = setup(['bomb'])
    assert.throws(() => call(rt, 'bomb', 'bomb'), (err: unknown) => {
      assert.ok(err instanceof MemoryLimitError)
      assert.match(err.message, /64 MiB/)
      return true
    })
    assert.equal(call(rt, 'bomb', 'small').value, 65536)
  })

  test('compute: fib(20) and deterministic gas', () => {
    const rt = setup(['compute'])
    const a = call(rt, 'compute', 'fib', { n: 20 })
    const b = call(rt, 'compute', 'fib', { n: 20 })
    assert.equal(a.text, '6765')
    assert.equal(a.gasUsed, b.gasUsed)
    assert.ok(call(rt, 'compute', 'fib', { n: 21 }).gasUsed > a.gasUsed)
  })

  test('write_then_panic -> AppPanicError with the app message', () => {
    const rt = setup(['trap'])
    const t = createTestEnv()
    assert.throws(() => call(rt, 'trap', 'write_then_panic', { key: 'k1' }, t), (err: unknown) => {
      assert.ok(err instanceof AppPanicError)
      assert.equal(err.shortMessage, 'deliberate panic after writing k1')
      return true
    })
    assert.equal(t.events.length, 0, 'events of a failed call are not delivered')
  })

  test('write_then_unreachable -> AppTrapError; abort and throw -> AppPanicError', () => {
    const rt = setup(['trap'])
    assert.throws(() => call(rt, 'trap', 'write_then_unreachable'), (err: unknown) => {
      assert.ok(err instanceof AppTrapError)
      assert.match(err.message, /unreachable/)
      return true
    })
    assert.throws(() => call(rt, 'trap', 'write_then_abort'), /deliberate assertion failure/)
    assert.throws(() => call(rt, 'trap', 'write_then_throw'), /deliberate throw/)
    assert.equal(call(rt, 'trap', 'write_ok', { key: 'k' }).value, 'ok')
  })

  test('a read-only call that writes -> ReadOnlyViolationError', () => {
    const rt = setup(['trap'])
    const t = createTestEnv({ readOnly: true })
    assert.throws(() => call(rt, 'trap', 'write_ok', { key: 'k' }, t), ReadOnlyViolationError)
    assert.deepEqual(t.state.writes, [])
    assert.equal(call(rt, 'trap', 'read', { key: 'k' }, t).value, null)
  })

  test('unknown method -> MethodNotFoundError listing the methods', () => {
    const rt = setup(['loop'])
    assert.throws(() => call(rt, 'loop', 'missing'), (err: unknown) => {
      assert.ok(err instanceof MethodNotFoundError)
      assert.match(err.message, /available methods: ok, spin/)
      return true
    })
  })
})

describe('probe: every host call', () => {
  const rt = setup(['probe'])
  const probe = (method: string, args: unknown = {}, t?: TestEnv, extra?: Partial<CallEnv>) => call(rt, 'probe', method, args, t, extra)

  test('echo returns the input bytes unchanged', () => {
    const t = createTestEnv()
    const bytes = new Uint8Array([0, 1, 2, 250, 255])
    const out = rt.call('probe', fixture('probe'), 'echo', { ...t.env, input: bytes })
    assert.deepEqual(out.output, bytes)
  })

  test('context id, executor id and time come from the env', () => {
    const t = createTestEnv()
    assert.equal(probe('ctx', {}, t).value, hex(t.env.contextId))
    assert.equal(probe('executor', {}, t).value, hex(t.env.executor))
    assert.equal(probe('time', {}, t).value, t.env.now)
    assert.equal(probe('time', {}, t, { now: 42 }).value, 42)
  })

  test('random returns n fresh bytes', () => {
    const a = probe('random', { n: 16 }).value as string
    const b = probe('random', { n: 16 }).value as string
    assert.match(a, /^[0-9a-f]{32}$/)
    assert.notEqual(a, b)
  })

  test('emit delivers kind and data; log reaches env.log', () => {
    const t = createTestEnv()
    probe('emit', { kind: 'greeting', data: 'hi there' }, t)
    probe('emit', { kind: 'obj', data: { a: 1 } }, t)
    assert.deepEqual(t.events.map((e) => [e.kind, dec.decode(e.data)]), [['greeting', 'hi there'], ['obj', '{"a":1}']])
    probe('log', { msg: 'hello log' }, t)
    assert.deepEqual(t.logs, ['hello log'])
  })

  test('private storage: set, get, remove; writes refused read-only', () => {
    const t = createTestEnv()
    assert.equal(probe('private_get', { key: 'p' }, t).value, null)
    probe('private_set', { key: 'p', value: 'secret' }, t)
    assert.equal(probe('private_get', { key: 'p' }, t).value, 'secret')
    assert.throws(() => probe('private_remove', { key: 'p' }, t, { readOnly: true }), ReadOnlyViolationError)
    assert.throws(() => probe('private_set', { key: 'q', value: 'v' }, t, { readOnly: true }), ReadOnlyViolationError)
    assert.equal(probe('private_get', { key: 'p' }, t, { readOnly: true }).value, 'secret')
    assert.equal(probe('private_remove', { key: 'p' }, t).value, true)
    assert.equal(probe('private_remove', { key: 'p' }, t).value, false)
    assert.equal(probe('private_get', { key: 'p' }, t).value, null)
  })

  test('counter add/get, including negative amounts', () => {
    const t = createTestEnv()
    assert.equal(probe('counter', { amount: 5 }, t).value, 5)
    assert.equal(probe('counter', { amount: -8 }, t).value, -3)
    assert.equal(probe('counter', {}, t).value, -2)
    assert.equal(probe('counter', { name: 'other', amount: 7 }, t).value, 7)
    assert.throws(() => probe('counter', {}, t, { readOnly: true }), ReadOnlyViolationError)
  })

  test('set operations', () => {
    assert.deepEqual(probe('set_ops').value, {
      has_a: true, has_z: false, removed_b: true, removed_b_again: false, len: 2, values: ['a', 'c']
    })
  })

  test('list operations', () => {
    assert.deepEqual(probe('list_ops').value, {
      len: 3, get0: 'z', get_out_of_range: null, removed: true, removed_out_of_range: false, values: ['z', 'A', 'end']
    })
  })

  test('map operations', () => {
    assert.deepEqual(probe('map_ops').value, {
      x: '3', missing: null, has_y: true, has_gone: false, removed: true, removed_again: false, len: 2, keys: ['x', 'y']
    })
  })

  test('register operations', () => {
    const t = createTestEnv()
    assert.deepEqual(probe('register_ops', { value: 'one' }, t).value, { before: null, after: 'one' })
    assert.deepEqual(probe('register_ops', { value: 'two' }, t).value, { before: 'one', after: 'two' })
  })

  test('nested collections', () => {
    const t = createTestEnv()
    const first = probe('nested', {}, t).value
    assert.deepEqual(first, { path_values: ['deep-0'], is_nested: true, root_keys: ['nested'] })
    assert.deepEqual(probe('nested', {}, t).value.path_values, ['deep-0', 'deep-1'])
  })

  test('xcall passes the decoded target, method and args to env.xcall and returns its result', () => {
    const t = createTestEnv()
    const target = 'ab'.repeat(32)
    const out = probe('xcall', { target, method: 'get', args: { key: 'k' } }, t)
    assert.equal(out.text, '{"xcall":"get"}')
    assert.equal(t.xcalls.length, 1)
    assert.equal(hex(t.xcalls[0].target), target)
    assert.equal(t.xcalls[0].method, 'get')
    assert.deepEqual(JSON.parse(dec.decode(t.xcalls[0].args)), { key: 'k' })
  })

  test('a denied xcall fails the call with XcallDeniedError', () => {
    const t = createTestEnv({ xcall: () => { throw new XcallDeniedError('context x does not grant xcall') } })
    assert.throws(() => probe('xcall', { target: '00'.repeat(32), method: 'm' }, t), XcallDeniedError)
  })

  test('propose hands the actions bytes to env.propose and returns the id it gives; approve passes the 32-byte id', () => {
    const t = createTestEnv()
    const actions = [{ type: 'setValue', key: 'k', value: 'v' }]
    const out = probe('propose', { actions }, t)
    assert.equal(out.value, '01'.repeat(32))
    assert.equal(probe('approve', { proposal: 'cd'.repeat(32) }, t).value, null)
    assert.equal(t.governance.length, 2)
    const [p, a] = t.governance
    assert.ok(p!.type === 'propose' && a!.type === 'approve')
    assert.deepEqual(JSON.parse(dec.decode(p.actions)), actions)
    assert.equal(hex(a.proposal), 'cd'.repeat(32))
    // The bytes pass through unchanged: the env decides what is valid.
    probe('propose', { actions: 'not json' }, t)
    assert.equal(dec.decode((t.governance[2] as { actions: Uint8Array }).actions), 'not json')
  })

  test('propose and approve in a query -> ReadOnlyViolationError, and the env is not asked', () => {
    const t = createTestEnv()
    assert.throws(() => probe('propose', { actions: [] }, t, { readOnly: true }), (err: unknown) => {
      assert.ok(err instanceof ReadOnlyViolationError)
      assert.match(err.message, /propose makes a governance request, but method propose was called read-only/)
      return true
    })
    assert.throws(() => probe('approve', { proposal: '00'.repeat(32) }, t, { readOnly: true }), ReadOnlyViolationError)
    assert.equal(t.governance.length, 0)
  })

  test('env.propose failing fails the call with its error; an id of the wrong length is a host error', () => {
    const t = createTestEnv({ propose: () => { throw new ReadOnlyViolationError('nope') } })
    assert.throws(() => probe('propose', { actions: [] }, t), { name: 'ReadOnlyViolationError', message: 'nope' })
    const short = createTestEnv({ propose: () => new Uint8Array(5) })
    assert.throws(() => probe('propose', { actions: [] }, short), { name: 'HostCallError', message: /5-byte proposal id/ })
  })
})
