// A member that was away while the group key rotated: what it hears next is sealed under a
// key id it lacks. It fetches the governance log from a member node, takes its share of
// the new key, and then catches up on what was written under it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Network } from '../../src/network/index.ts'
import { joinedContext, startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

interface Parts { network: Network }
const net = (t: TestNode): Network => (t.node as unknown as { p: Parts }).p.network

describe('a member that missed a key rotation', { timeout: 120_000 }, () => {
  let a: TestNode, b: TestNode, c: TestNode, d: TestNode
  let ctx: string
  before(async () => {
    [a, b, c, d] = await Promise.all([startTestNode(), startTestNode(), startTestNode(), startTestNode()])
    ctx = await joinedContext(a, [b, c, d])
    await a.call(ctx, 'set', { key: 'k', value: 'before' })
    await until('everyone to have the first write', async () => (await Promise.all([b, c, d].map(async (t) => await t.query(ctx, 'get', { key: 'k' })))).every((v) => v === 'before'))
  })
  after(async () => { await Promise.all([a, b, c, d].map(async (t) => { await t.close() })) })

  it('takes the new key from a member node and catches up on what was written under it', async () => {
    const others = [a, b, d].map((t) => net(t).peerId)
    for (const p of others) await net(c).block(p)
    await until('c to be cut off', () => others.every((p) => !net(c).peers().includes(p)))

    const epoch = c.node.syncStatus(ctx).keyEpoch
    await a.node.removeMember(ctx, d.node.getContext(ctx).identity)
    await until('a to rotate the key', () => a.node.syncStatus(ctx).keyEpoch !== epoch && a.node.syncStatus(ctx).keyEpoch !== null)
    await a.call(ctx, 'set', { key: 'k', value: 'after the rotation' })
    await until('b to have the write', async () => await b.query(ctx, 'get', { key: 'k' }) === 'after the rotation')
    assert.equal(c.node.syncStatus(ctx).keyEpoch, epoch, 'c must have missed the rotation')

    for (const p of others) net(c).unblock(p)
    await until('c to take the new key', () => c.node.syncStatus(ctx).keyEpoch === a.node.syncStatus(ctx).keyEpoch, 30_000)
    await until('c to catch up on the write made under it', async () => await c.query(ctx, 'get', { key: 'k' }) === 'after the rotation', 30_000)
    assert.equal(c.node.getContext(ctx).rootHash, a.node.getContext(ctx).rootHash)
    assert.equal(c.node.syncStatus(ctx).awaitingKey, false)
    // d, removed, holds no share of the new key.
    await until('d to learn of its removal', () => d.node.syncStatus(ctx).removed !== null)
    assert.notEqual(d.node.syncStatus(ctx).keyEpoch, a.node.syncStatus(ctx).keyEpoch)
  })
})
