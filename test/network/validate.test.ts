// A topic's handler judges each gossip message before it is forwarded: what it rejects or
// ignores goes no further, so a member does not relay an outsider's junk to the others.
// A — B — C in a line (A and C not connected): B refuses "junk", A publishes junk and then
// a good message; C hears only the good one, after which nothing more can be in flight.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { Cluster, bytes, inbox, publishReaching, text, topicMesh, waitFor } from './helpers.ts'
import type { InboundMessage } from '../../src/network/index.ts'

describe('network: messages judged before they are forwarded', () => {
  const cluster = new Cluster()
  after(async () => { await cluster.stop() })

  it('a message the relay rejects or ignores does not reach the peers behind it', async () => {
    const b = await cluster.add('B')
    const a = await cluster.add('A', { bootstrap: b.addresses() })
    const c = await cluster.add('C', { bootstrap: b.addresses() })
    const topic = 'ctx-validate'
    const atB: InboundMessage[] = []
    b.subscribe(topic, (msg) => {
      atB.push(msg)
      const t = text(msg.data)
      return t.startsWith('junk') ? 'reject' : t.startsWith('unknown') ? 'ignore' : 'accept'
    })
    a.subscribe(topic, () => {})
    const atC = inbox(c, topic)
    await topicMesh(a, topic, [b])
    await topicMesh(c, topic, [b])
    await topicMesh(b, topic, [a, c])
    assert.ok(!a.peers().includes(c.peerId), 'A and C must not be connected for this test')

    assert.equal(await publishReaching(a, topic, bytes('junk 1')), 1)
    assert.equal(await a.publish(topic, bytes('unknown key')), 1)
    assert.equal(await a.publish(topic, bytes('good')), 1)
    await waitFor(() => atC.length > 0, 'C to hear the good message')
    // B judged all three, in order; only the one it accepted went on to C.
    assert.deepEqual(atB.map((m) => text(m.data)), ['junk 1', 'unknown key', 'good'])
    assert.deepEqual(atC.map((m) => text(m.data)), ['good'])
    assert.equal(atC[0]!.from, a.peerId)
  })
})
