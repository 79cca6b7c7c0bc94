// A topic's handler judges each gossip message before it is forwarded: what it rejects or
// ignores goes no further, so a member does not relay an outsider's junk to the others.
// A — B — C in a line (A and C not connected): once B is seen to relay A's messages to C,
// B refuses "junk" and ignores "unknown"; A publishes those, then good ones; C hears only
// the good ones, the last of which comes after anything B passed on before it.
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

    // B relays to C at all (C is in B's mesh or B gossips to it): probes until one arrives.
    for (let i = 0; !atC.some((m) => text(m.data).startsWith('probe')); i++) {
      assert.ok(i < 150, 'C never heard a probe relayed by B')
      await publishReaching(a, topic, bytes(`probe ${i}`))
      await waitFor(() => atC.length > 0, 'a probe at C', 100).catch(() => {})
    }
    const probes = atC.length
    atB.length = 0

    assert.equal(await a.publish(topic, bytes('junk 1')), 1)
    assert.equal(await a.publish(topic, bytes('unknown key')), 1)
    assert.equal(await a.publish(topic, bytes('good')), 1)
    await waitFor(() => atC.some((m) => text(m.data) === 'good'), 'C to hear the good message', 15_000)
    // One more after it: whatever B passed on before has reached C by then.
    assert.equal(await a.publish(topic, bytes('last')), 1)
    await waitFor(() => atC.some((m) => text(m.data) === 'last'), 'C to hear the last message', 15_000)
    // B judged all of them, in order; only those it accepted went on to C.
    assert.deepEqual(atB.map((m) => text(m.data)), ['junk 1', 'unknown key', 'good', 'last'])
    assert.deepEqual(atC.slice(probes).map((m) => text(m.data)).sort(), ['good', 'last'])
    assert.ok(atC.every((m) => m.from === a.peerId))
  })
})
