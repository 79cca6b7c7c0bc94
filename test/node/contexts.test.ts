import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { utf8 } from '../../src/crypto/bytes.ts'
import type { ContextEvent } from '../../src/node/types.ts'
import { appWasm, fixtureWasm, startTestNode, type TestNode } from '../helpers/node.ts'

describe('contexts on one node', () => {
  let t: TestNode
  let kv: string
  before(async () => {
    t = await startTestNode()
    kv = (await t.node.installApplication({ wasm: appWasm('kv-store'), name: 'kv' })).id
  })
  after(async () => { await t.close() })

  it('creates a context, writes through WASM and reads back', async () => {
    const ctx = await t.node.createContext({ applicationId: kv })
    assert.equal(ctx.members.length, 1)
    assert.equal(ctx.members[0]!.role, 'admin')
    assert.equal(ctx.deltaCount, 0)
    await t.call(ctx.id, 'set', { key: 'a', value: '1' })
    assert.equal(await t.query(ctx.id, 'get', { key: 'a' }), '1')
    const after = t.node.getContext(ctx.id)
    assert.equal(after.deltaCount, 1)
    assert.notEqual(after.rootHash, ctx.rootHash)
    assert.equal(after.heads.length, 1)
    assert.deepEqual(t.node.listContexts().map((c) => c.id).includes(ctx.id), true)
  })

  it('runs init with the creation arguments, in the same commit as the context', async () => {
    const ctx = await t.node.createContext({ applicationId: kv, initArgs: utf8(JSON.stringify({ entries: { x: 'y' } })) })
    assert.equal(ctx.deltaCount, 1)
    assert.equal(await t.query(ctx.id, 'get', { key: 'x' }), 'y')
  })

  it('a failing init leaves no context behind', async () => {
    const before = t.node.listContexts().length
    await assert.rejects(t.node.createContext({ applicationId: kv, initArgs: utf8('{"entries": 5}') }), { name: 'AppPanicError' })
    assert.equal(t.node.listContexts().length, before)
    assert.equal(t.node.listIdentities().length, before)
  })

  it('a query cannot write', async () => {
    const ctx = await t.node.createContext({ applicationId: kv })
    await assert.rejects(t.query(ctx.id, 'set', { key: 'a', value: '1' }), { name: 'ReadOnlyViolationError' })
    assert.equal(t.node.getContext(ctx.id).deltaCount, 0)
  })

  it('concurrent mutations are all acknowledged and durable, sharing deltas (group commit)', async () => {
    const ctx = await t.node.createContext({ applicationId: kv })
    await Promise.all(Array.from({ length: 300 }, async (_, i) => await t.call(ctx.id, 'set', { key: `k${i}`, value: `v${i}` })))
    assert.equal(await t.query(ctx.id, 'len'), 300)
    const info = t.node.getContext(ctx.id)
    assert.ok(info.deltaCount >= 1 && info.deltaCount < 300, `deltas: ${info.deltaCount}`)
  })

  it('a trapping mutation leaves no trace, even when batched with successful ones', async () => {
    const trap = (await t.node.installApplication({ wasm: fixtureWasm('trap') })).id
    const ctx = await t.node.createContext({ applicationId: trap })
    await t.call(ctx.id, 'write_ok', { key: 'kept' })
    const before = t.node.getContext(ctx.id)
    const calls = await Promise.allSettled([
      t.call(ctx.id, 'write_then_panic', { key: 'p' }),
      t.call(ctx.id, 'write_ok', { key: 'second' }),
      t.call(ctx.id, 'write_then_unreachable', { key: 'u' }),
      t.call(ctx.id, 'write_then_abort', { key: 'a' })
    ])
    assert.deepEqual(calls.map((c) => c.status), ['rejected', 'fulfilled', 'rejected', 'rejected'])
    assert.equal((calls[0] as PromiseRejectedResult).reason.name, 'AppPanicError')
    assert.match((calls[0] as PromiseRejectedResult).reason.message, /deliberate panic after writing p/)
    assert.equal((calls[2] as PromiseRejectedResult).reason.name, 'AppTrapError')
    for (const k of ['p', 'u', 'a']) assert.equal(await t.query(ctx.id, 'read', { key: k }), null, `key ${k} leaked`)
    assert.equal(await t.query(ctx.id, 'read', { key: 'second' }), 'written')
    assert.equal(t.node.getContext(ctx.id).deltaCount, before.deltaCount + 1)
  })

  it('an infinite loop and a memory bomb fail their call; the node keeps serving', async () => {
    const loop = (await t.node.installApplication({ wasm: fixtureWasm('loop') })).id
    const bomb = (await t.node.installApplication({ wasm: fixtureWasm('bomb') })).id
    const c1 = await t.node.createContext({ applicationId: loop })
    const c2 = await t.node.createContext({ applicationId: bomb })
    await assert.rejects(t.call(c1.id, 'spin'), (err: Error) => err.name === 'GasExhaustedError' && /spin/.test(err.message))
    await assert.rejects(t.call(c2.id, 'bomb'), (err: Error) => err.name === 'MemoryLimitError' && /MiB/.test(err.message))
    assert.equal(await t.call(c1.id, 'ok'), 'ok')
    assert.ok(typeof await t.call(c2.id, 'small') === 'number')
    const ctx = await t.node.createContext({ applicationId: kv })
    await t.call(ctx.id, 'set', { key: 'still', value: 'alive' })
    assert.equal(await t.query(ctx.id, 'get', { key: 'still' }), 'alive')
  })

  it('delivers app events of successful calls only, with their delta id', async () => {
    const ctx = await t.node.createContext({ applicationId: kv })
    const seen: ContextEvent[] = []
    const off = t.node.subscribe(ctx.id, (e) => seen.push(e))
    const r = await t.node.execute({ contextId: ctx.id, method: 'set', args: utf8('{"key":"e","value":"1"}') })
    await t.node.execute({ contextId: ctx.id, method: 'remove', args: utf8('{"key":"e"}') })
    await assert.rejects(t.node.execute({ contextId: ctx.id, method: 'set', args: utf8('{"key":1}') }))
    off()
    const app = seen.filter((e) => e.type === 'app')
    assert.deepEqual(app.map((e) => e.kind), ['set', 'removed'])
    assert.equal(app[0]!.deltaId, r.deltaId)
    assert.equal(seen.filter((e) => e.type === 'delta').length, 2)
  })

  it('private storage persists on the node but is not part of the root hash', async () => {
    const probe = (await t.node.installApplication({ wasm: fixtureWasm('probe') })).id
    const ctx = await t.node.createContext({ applicationId: probe })
    const before = t.node.getContext(ctx.id)
    await t.call(ctx.id, 'private_set', { key: 'secret', value: 's3' })
    assert.equal(await t.query(ctx.id, 'private_get', { key: 'secret' }), 's3')
    const afterWrite = t.node.getContext(ctx.id)
    assert.equal(afterWrite.rootHash, before.rootHash)
    assert.equal(afterWrite.deltaCount, before.deltaCount)
  })

  it('xcall is refused until the target grants the caller, then commits in both contexts', async () => {
    const probe = (await t.node.installApplication({ wasm: fixtureWasm('probe') })).id
    const caller = await t.node.createContext({ applicationId: probe })
    const target = await t.node.createContext({ applicationId: kv })
    const args = { target: target.id, method: 'set', args: { key: 'from', value: 'xcall' } }
    await assert.rejects(t.call(caller.id, 'xcall', args), { name: 'XcallDeniedError' })
    assert.equal(await t.query(target.id, 'get', { key: 'from' }), null)
    await t.node.grantXcall(target.id, caller.id)
    await t.call(caller.id, 'xcall', args)
    assert.equal(await t.query(target.id, 'get', { key: 'from' }), 'xcall')
    assert.equal(t.node.getContext(target.id).deltaCount, 1)
    await t.node.revokeXcall(target.id, caller.id)
    await assert.rejects(t.call(caller.id, 'xcall', args), { name: 'XcallDeniedError' })
  })

  it('deleting a context removes it, its identity and its state', async () => {
    const ctx = await t.node.createContext({ applicationId: kv })
    await t.call(ctx.id, 'set', { key: 'gone', value: '1' })
    await t.node.deleteContext(ctx.id)
    assert.throws(() => t.node.getContext(ctx.id), { name: 'NotFoundError' })
    assert.equal(t.node.listIdentities(ctx.id).length, 0)
    await assert.rejects(t.call(ctx.id, 'get', { key: 'gone' }), { name: 'NotFoundError' })
  })

  it('refuses to remove an application in use', async () => {
    await assert.rejects(t.node.removeApplication(kv), { name: 'ConflictError' })
  })

  it('rejects malformed ids and unknown ids with clear errors', async () => {
    await assert.rejects(t.node.execute({ contextId: 'zz', method: 'get' }), { name: 'InvalidInputError' })
    await assert.rejects(t.node.execute({ contextId: '00'.repeat(32), method: 'get' }), { name: 'NotFoundError' })
    await assert.rejects(t.node.createContext({ applicationId: '11'.repeat(32) }), { name: 'NotFoundError' })
  })
})
