// Four nodes, each its own OS process, over real libp2p sockets on loopback: concurrent
// writers converge; a delta whose gossip was lost is repaired by the next heartbeat; a
// partition heals; a node stopped (kill -9) while others wrote catches up on restart.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { converged, fullMesh, NodeProcess, sharedContext, until } from '../helpers/node-process.ts'

describe('sync between node processes', { timeout: 240_000 }, () => {
  let a: NodeProcess, b: NodeProcess, c: NodeProcess, d: NodeProcess
  let ctx: string
  const all = (): NodeProcess[] => [a, b, c, d]

  before(async () => {
    [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map(async (name) => await NodeProcess.start({ name })))
    ;({ ctx } = await sharedContext(a, [b, c, d]))
    await fullMesh(all())
  })
  after(async () => { await Promise.all(all().map(async (n) => { await n.cleanup() })) })

  it('four nodes writing concurrently reach one root hash and the same entries', async () => {
    // 30 writes each (3 in flight per node), and one key every node writes.
    await Promise.all(all().map(async (n) => {
      await Promise.all([
        n.call('setMany', { ctx, prefix: `${n.name}-`, n: 30, concurrency: 3 }),
        n.call('set', { ctx, key: 'contended', value: `from ${n.name}` })
      ])
    }))
    const root = await converged(all(), ctx)
    const entries = await Promise.all(all().map(async (n) => await n.call('entries', { ctx })))
    for (const e of entries) assert.deepEqual(e, entries[0])
    assert.equal(Object.keys(entries[0]).length, 4 * 30 + 1)
    assert.match(entries[0].contended, /^from [abcd]$/)
    assert.equal(root.length, 64)
    for (const n of all()) assert.deepEqual(n.grep('rejected'), [], `${n.name} rejected something`)
  })

  it('a delta whose gossip was lost (no mesh peer) is repaired by the next heartbeat', async () => {
    // d's gossip is lost while it writes; the others cannot learn of the delta until
    // d's heartbeats flow again and announce heads they lack.
    await d.call('dropGossip', { on: true })
    const { deltaId } = await d.call('set', { ctx, key: 'lost-gossip', value: 'repaired' })
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    for (const n of [a, b, c]) assert.equal(await n.call('get', { ctx, key: 'lost-gossip' }), null, `${n.name} got it while d's gossip was lost`)
    await d.call('dropGossip', { on: false })
    const t0 = Date.now()
    await until('the lost delta on a, b, c', async () => {
      const got = await Promise.all([a, b, c].map(async (n) => await n.call('get', { ctx, key: 'lost-gossip' })))
      return got.every((v) => v === 'repaired')
    }, 10_000, 50)
    assert.ok(Date.now() - t0 < 5_000, 'repaired within a few heartbeats')
    const root = await converged(all(), ctx)
    assert.equal(root, (await d.call('ctx', { ctx })).rootHash)
    assert.ok(deltaId !== null)
  })

  it('a delta written with no peer at all reaches everyone once the node reconnects', async () => {
    const others = [a, b, c]
    await d.call('block', { peers: others.map((n) => n.peerId) })
    for (const n of others) await n.call('block', { peers: [d.peerId] })
    await until('d isolated', async () => (await d.call('peers')).length === 0)
    await d.call('set', { ctx, key: 'offline', value: 'written alone' })
    for (const n of others) await n.call('unblock', { peers: [d.peerId] })
    await d.call('unblock', { peers: others.map((n) => n.peerId) })
    await until('the offline delta everywhere', async () => {
      const got = await Promise.all(others.map(async (n) => await n.call('get', { ctx, key: 'offline' })))
      return got.every((v) => v === 'written alone')
    }, 20_000)
    await converged(all(), ctx)
  })

  it('a partition between {a, b} and {c, d} heals into one root hash', async () => {
    const left = [a, b]
    const right = [c, d]
    for (const n of left) await n.call('block', { peers: right.map((m) => m.peerId) })
    for (const n of right) await n.call('block', { peers: left.map((m) => m.peerId) })
    await until('the partition', async () => {
      const peers = await Promise.all(all().map(async (n) => await n.call('peers') as string[]))
      return peers[0]!.length === 1 && peers[1]!.length === 1 && peers[2]!.length === 1 && peers[3]!.length === 1
    })
    // Both sides write, including the same key.
    await Promise.all([...left, ...right].map(async (n) => {
      await n.call('setMany', { ctx, prefix: `split-${n.name}-`, n: 15, concurrency: 2 })
      await n.call('set', { ctx, key: 'split-brain', value: `side of ${n.name}` })
    }))
    const leftRoot = await converged(left, ctx)
    const rightRoot = await converged(right, ctx)
    assert.notEqual(leftRoot, rightRoot, 'each side only has its own writes')
    assert.equal(await a.call('get', { ctx, key: 'split-c-0' }), null)
    assert.equal(await c.call('get', { ctx, key: 'split-a-0' }), null)

    for (const n of left) await n.call('unblock', { peers: right.map((m) => m.peerId) })
    for (const n of right) await n.call('unblock', { peers: left.map((m) => m.peerId) })
    const healed = await converged(all(), ctx, 30_000)
    assert.notEqual(healed, leftRoot)
    assert.notEqual(healed, rightRoot)
    const entries = await Promise.all(all().map(async (n) => await n.call('entries', { ctx })))
    for (const e of entries) assert.deepEqual(e, entries[0])
    for (const name of ['a', 'b', 'c', 'd']) assert.equal(entries[0][`split-${name}-14`], `${name}-14`)
  })

  it('a node holding a delta whose parent it lacks fetches the parent', async () => {
    // b is cut off while a writes two deltas; b then gets only the second one (say its
    // parent's gossip was lost, or set aside for a governance point b had not seen) and
    // holds it. When the link is back, b's heads look complete (it "has" the head a
    // announces), yet its parent is missing: b must still fetch it.
    for (const n of [a, c, d]) await n.call('block', { peers: [b.peerId] })
    await b.call('block', { peers: [a.peerId, c.peerId, d.peerId] })
    await until('b isolated', async () => (await b.call('peers')).length === 0)
    const first = await a.call('set', { ctx, key: 'parent', value: 'p' })
    const second = await a.call('set', { ctx, key: 'child', value: 'c' })
    await until('c and d to have both', async () => await c.call('get', { ctx, key: 'child' }) === 'c' && await d.call('get', { ctx, key: 'child' }) === 'c')
    const bytes = await a.call('deltaBytes', { ctx, id: second.deltaId })
    assert.deepEqual(await b.call('receive', { ctx, bytes }), { applied: 0, rejected: 0 })
    assert.equal((await b.call('syncStatus', { ctx })).pendingDeltas, 1)
    assert.equal(await b.call('get', { ctx, key: 'parent' }), null)
    for (const n of [a, c, d]) await n.call('unblock', { peers: [b.peerId] })
    await b.call('unblock', { peers: [a.peerId, c.peerId, d.peerId] })
    await until('b to fetch the parent and apply both', async () => await b.call('get', { ctx, key: 'parent' }) === 'p' && await b.call('get', { ctx, key: 'child' }) === 'c', 15_000)
    assert.equal((await b.call('syncStatus', { ctx })).pendingDeltas, 0)
    assert.ok(first.deltaId !== null)
    await converged(all(), ctx)
  })

  it('a node killed while the others wrote catches up when it starts again', async () => {
    await d.kill()
    await Promise.all([a, b, c].map(async (n) => await n.call('setMany', { ctx, prefix: `while-d-down-${n.name}-`, n: 40, concurrency: 4 })))
    await converged([a, b, c], ctx)
    d = await d.restart({ bootstrap: a.addresses })
    assert.notEqual((await d.call('ctx', { ctx })).rootHash, (await a.call('ctx', { ctx })).rootHash)
    await converged(all(), ctx, 30_000)
    assert.equal(await d.call('get', { ctx, key: 'while-d-down-c-39' }), 'c-39')
    // And it takes part again: its next write reaches the others by gossip.
    await d.call('set', { ctx, key: 'back', value: 'd' })
    await until('d\'s write on a', async () => await a.call('get', { ctx, key: 'back' }) === 'd', 10_000, 50)
    await converged(all(), ctx)
  })
})
