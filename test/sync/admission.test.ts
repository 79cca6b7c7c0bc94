// Admission on the asking side, two nodes in one process over loopback: a member node is
// recognised as such (by what it sealed under the group key), and the governance syncs
// its gossip can trigger are rate-limited — envelopes under key ids nobody holds, one
// governance sync each before, now cost at most the bucket.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Network } from '../../src/network/index.ts'
import { GOSSIP_SYNC_BURST, GOSSIP_SYNCS_PER_S } from '../../src/node/constants.ts'
import { topicOf, type Replicator } from '../../src/node/replication.ts'
import { forgedEnvelope } from '../helpers/envelopes.ts'
import { PROTOCOLS } from '../../src/sync/wire.ts'
import { joinedContext, startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

interface Parts { network: Network, replicator: Replicator }
const partsOf = (t: TestNode): Parts => (t.node as unknown as { p: Parts }).p

describe('admission of peers to catch-up', () => {
  let a: TestNode, b: TestNode
  let ctx: string

  before(async () => {
    [a, b] = await Promise.all([startTestNode(), startTestNode()])
    ctx = await joinedContext(a, [b])
  })
  after(async () => { await Promise.all([a.close(), b.close()]) })

  it('gossip under unknown key ids from a member node triggers governance syncs within the rate limit only', async () => {
    const c = Buffer.from(ctx, 'hex')
    const pa = partsOf(a)
    const pb = partsOf(b)
    // b proves itself a member node to a (its requests during the join, its heartbeats).
    await until('a to know b as a member node', () => pa.replicator.admission.mayAsk(pb.network.peerId, c))
    // Count the governance requests b receives from now on.
    let asked = 0
    await pb.network.handle(PROTOCOLS.gov, async () => { asked++; throw new Error('not answering in this test') })

    const start = Date.now()
    for (let i = 0; i < 40; i++) {
      const env = forgedEnvelope('delta', c, new Uint8Array(randomBytes(32)), new Uint8Array(randomBytes(64)))
      await pb.network.publish(topicOf(c), env)
    }
    // A write of b's after them: once a has it, a has judged the 40 envelopes before it.
    await b.call(ctx, 'set', { key: 'marker', value: 'after the envelopes' })
    await until('a to get b\'s write', async () => await a.query(ctx, 'get', { key: 'marker' }) === 'after the envelopes')
    await until('a to ask b at least once', () => asked > 0)
    const allowed = GOSSIP_SYNC_BURST + GOSSIP_SYNCS_PER_S * (Date.now() - start) / 1000
    assert.ok(asked <= allowed, `a asked b ${asked} times in ${Date.now() - start} ms (at most ${allowed.toFixed(1)} allowed)`)
    // A member node is not penalised for a key id it may simply be ahead on.
    assert.equal(pa.network.score(pb.network.peerId), 0)
  })
})
