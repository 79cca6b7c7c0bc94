// Three nodes over real libp2p: a's gossip is held back and then delivered shuffled, one
// message very late, and everything again as duplicates. Each member still applies every
// delta, opens each message once with its own message key, and holds nothing against a.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parseEnvelope } from '../../src/sync/envelope.ts'
import { topicOf } from '../../src/node/replication/index.ts'
import type { Network } from '../../src/network/index.ts'
import type { Replicator } from '../../src/node/replication/index.ts'
import { joinedContext, startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

const partsOf = (t: TestNode): { network: Network, replicator: Replicator } => (t.node as unknown as { p: { network: Network, replicator: Replicator } }).p
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

describe('ratcheted gossip delivered out of order, late and twice', { timeout: 120_000 }, () => {
  let a: TestNode, b: TestNode, c: TestNode
  let ctx: string
  before(async () => {
    [a, b, c] = await Promise.all([startTestNode(), startTestNode(), startTestNode()])
    ctx = await joinedContext(a, [b, c])
    await a.call(ctx, 'set', { key: 'warm', value: 'up' })
    await until('b and c to have the first write', async () => await b.query(ctx, 'get', { key: 'warm' }) === 'up' && await c.query(ctx, 'get', { key: 'warm' }) === 'up')
  })
  after(async () => { await Promise.all([a.close(), b.close(), c.close()]) })

  it('applies every delta on every member', async () => {
    const net = partsOf(a).network
    const realPublish = net.publish.bind(net)
    const topic = topicOf(hex(ctx))
    const held: Uint8Array[] = []
    const holdsKey = (t: TestNode, m: Uint8Array): boolean => partsOf(t).replicator.keys.ratchets.holdsSkippedKey(hex(ctx), parseEnvelope(m))
    let holding = true
    // a's deltas wait here (its heartbeats are dropped meanwhile, so that nobody learns of
    // them by a heartbeat and fetches them by catch-up instead).
    net.publish = async (t: string, data: Uint8Array) => {
      if (!holding || t !== topic) return await realPublish(t, data)
      const kind = parseEnvelope(data).kind
      if (kind === 'delta' || kind === 'deltas') held.push(data)
      return 1
    }
    try {
      for (let i = 0; i < 12; i++) await a.call(ctx, 'set', { key: `k${i}`, value: `v${i}` })
      await until('a to have sealed its writes', () => held.length >= 2)
      const sent = [...held]
      const late = sent.shift()!
      // The maker of the epoch started generation 1 at once: nothing here is under the
      // generation derived from the epoch secret that governance keeps.
      assert.ok(held.every((m) => parseEnvelope(m).gen.byteLength === 32), 'a seals under generation 1 of the epoch it made')
      // Shuffled, the first one kept back.
      const order = sent.map((m, i) => ({ m, r: (i * 7919) % 13 })).sort((x, y) => x.r - y.r).map((x) => x.m)
      for (const m of order) await realPublish(topic, m)
      for (const t of [b, c]) await until('the members to keep the skipped key of the late message', () => holdsKey(t, late))
      holding = false
      for (let i = 0; i < 20; i++) await a.call(ctx, 'set', { key: `after${i}`, value: 'x' })
      await realPublish(topic, late)
      for (const m of sent) await realPublish(topic, m)
      await realPublish(topic, late)
      for (const t of [b, c]) {
        await until('every write on each member', async () => {
          for (let i = 0; i < 12; i++) if (await t.query(ctx, 'get', { key: `k${i}` }) !== `v${i}`) return false
          return await t.query(ctx, 'get', { key: 'after19' }) === 'x'
        })
        await until('the late message opened with the key kept for it', () => !holdsKey(t, late))
      }
      // The duplicates cost a nothing: its next write still reaches both by gossip.
      await a.call(ctx, 'set', { key: 'last', value: 'ok' })
      await until('b and c to have a\'s last write', async () => await b.query(ctx, 'get', { key: 'last' }) === 'ok' && await c.query(ctx, 'get', { key: 'last' }) === 'ok')
      assert.equal(a.node.getContext(ctx).rootHash, b.node.getContext(ctx).rootHash)
      assert.equal(a.node.getContext(ctx).rootHash, c.node.getContext(ctx).rootHash)
    } finally {
      net.publish = realPublish
    }
  })
})
