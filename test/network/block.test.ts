// Connection gating, as partition tests use it: block(peer) cuts the connection and keeps
// it cut (no re-dial, inbound refused) until unblock, after which the peers reconnect and
// gossip flows again.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { Cluster, bytes, connected, disconnected, inbox, publishReaching, text, topicMesh, waitFor } from './helpers.ts'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('network: block and unblock', () => {
  const cluster = new Cluster()
  after(async () => { await cluster.stop() })

  it('the dialling side blocks: no re-dial until unblock, then gossip flows again', async () => {
    const a = await cluster.add('A')
    const b = await cluster.add('B', { bootstrap: a.addresses() })
    const topic = 'ctx-partition-1'
    a.subscribe(topic, () => {})
    const atB = inbox(b, topic)
    await topicMesh(a, topic, [b])

    await b.block(a.peerId)
    await disconnected(a, b)
    // B's bootstrap re-dial would reconnect within ~100 ms; A dialling B is refused.
    await assert.rejects(a.dial(b.addresses()[0]), { name: 'DialError' })
    await assert.rejects(b.dial(a.addresses()[0]), { name: 'DialError', message: /blocked/ })
    await sleep(400)
    assert.ok(!b.peers().includes(a.peerId))
    assert.equal(await a.publish(topic, bytes('during')), 0)

    b.unblock(a.peerId)
    await connected(a, b)
    await topicMesh(a, topic, [b])
    assert.equal(await publishReaching(a, topic, bytes('after')), 1)
    await waitFor(() => atB.length === 1, 'gossip after the partition')
    assert.equal(text(atB[0].data), 'after')
  })

  it('the dialled side blocks: inbound refused while blocked, reconnects on unblock', async () => {
    const a = await cluster.add('A')
    const b = await cluster.add('B', { bootstrap: a.addresses() })
    const topic = 'ctx-partition-2'
    const atA = inbox(a, topic)
    b.subscribe(topic, () => {})
    await topicMesh(b, topic, [a])

    await a.block(b.peerId)
    await disconnected(a, b)
    // B keeps re-dialling its bootstrap peer with backoff; A refuses every attempt right
    // after the handshake, so A never counts B as connected (B may, for an instant).
    const seenByA: string[] = []
    a.on('peer:connect', peer => { seenByA.push(peer) })
    await sleep(400)
    assert.deepEqual(seenByA, [])
    await disconnected(a, b)
    assert.equal(await b.publish(topic, bytes('during')), 0)

    a.unblock(b.peerId)
    await connected(a, b, 8_000)
    await topicMesh(b, topic, [a])
    assert.equal(await publishReaching(b, topic, bytes('after')), 1)
    await waitFor(() => atA.length === 1, 'gossip after the partition')
    assert.equal(text(atA[0].data), 'after')
  })

  it('partitions a three-node mesh and heals it', async () => {
    const a = await cluster.add('A')
    const b = await cluster.add('B', { bootstrap: a.addresses() })
    const c = await cluster.add('C', { bootstrap: [...a.addresses(), ...b.addresses()] })
    const topic = 'ctx-partition-3'
    const at = { a: inbox(a, topic), b: inbox(b, topic), c: inbox(c, topic) }
    await topicMesh(a, topic, [b, c])
    await topicMesh(c, topic, [a, b])

    // C on its own side of the partition.
    await Promise.all([c.block(a.peerId), c.block(b.peerId), a.block(c.peerId), b.block(c.peerId)])
    await disconnected(a, c)
    await disconnected(b, c)
    assert.equal(await a.publish(topic, bytes('ab-side')), 1)
    await waitFor(() => at.b.length === 1, 'B to hear A during the partition')
    await sleep(200)
    assert.equal(at.c.length, 0)

    for (const [x, y] of [[c, a], [c, b], [a, c], [b, c]]) x.unblock(y.peerId)
    await connected(a, c)
    await connected(b, c)
    await topicMesh(a, topic, [b, c])
    assert.equal(await a.publish(topic, bytes('healed')), 2)
    await waitFor(() => at.c.length === 1 && at.b.length === 2, 'everyone to hear A after healing')
    assert.equal(text(at.c[0].data), 'healed')
  })
})
