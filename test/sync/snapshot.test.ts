// A fresh joiner (its own OS process) catches up through a paged snapshot rather than
// delta by delta: it reaches the creator's root hash, then both keep writing on top of
// the history the joiner only knows by delta id.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { converged, NodeProcess, until } from '../helpers/node-process.ts'

describe('a fresh joiner catches up through a snapshot', { timeout: 120_000 }, () => {
  let a: NodeProcess, b: NodeProcess
  let ctx: string

  before(async () => {
    [a, b] = await Promise.all(['a', 'b'].map(async (name) => await NodeProcess.start({ name })))
    ctx = (await a.call('create', { app: 'kv-store' })).id
    // 5,000 separate deltas: more than one snapshot page of entities, children and ids.
    const built = await a.call('buildHistory', { ctx, n: 5_000 })
    assert.equal(built.deltaCount, 5_000)
    await a.call('set', { ctx, key: 'last-before-join', value: 'yes' })
  })
  after(async () => { await Promise.all([a.cleanup(), b.cleanup()]) })

  it('joins through the snapshot path, fetches the application, and has the identical root hash', async () => {
    const identity = await b.call('identity')
    const invitation = await a.call('invite', { ctx, identity })
    const joined = await b.call('join', { invitation })
    assert.ok(joined.phases.includes('application'), `phases: ${joined.phases.join(', ')}`)
    assert.ok(joined.phases.includes('snapshot'), `phases: ${joined.phases.join(', ')}`)
    assert.ok(!joined.phases.includes('deltas'), 'no delta-by-delta catch-up was needed')
    const restored = b.grep('state restored from a snapshot')
    assert.equal(restored.length, 1)
    assert.match(restored[0]!, /"deltas":5001/)
    const [infoA, infoB] = await Promise.all([a.call('ctx', { ctx }), b.call('ctx', { ctx })])
    assert.equal(infoB.rootHash, infoA.rootHash)
    assert.equal(infoB.deltaCount, infoA.deltaCount)
    assert.deepEqual(infoB.heads, infoA.heads)
    assert.equal(await b.call('get', { ctx, key: 'h4999' }), 'value-4999')
    assert.equal(await b.call('get', { ctx, key: 'last-before-join' }), 'yes')
  })

  it('deltas written after the snapshot apply on both sides', async () => {
    await b.call('set', { ctx, key: 'from-joiner', value: 'b' })
    await a.call('set', { ctx, key: 'from-creator', value: 'a' })
    await until('both writes on both nodes', async () =>
      await a.call('get', { ctx, key: 'from-joiner' }) === 'b' && await b.call('get', { ctx, key: 'from-creator' }) === 'a', 15_000, 50)
    await converged([a, b], ctx)
    assert.equal((await b.call('syncStatus', { ctx })).pendingDeltas, 0)
  })
})
