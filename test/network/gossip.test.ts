// Gossip on loopback: a message reaches every subscribed peer and no other, is forwarded
// across a line of nodes, and an unsubscribed node stops receiving.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { defaults } from '../../src/network/index.ts'
import { Cluster, bytes, connected, inbox, text, topicMesh, waitFor } from './helpers.ts'

describe('network: gossip', () => {
  const cluster = new Cluster()
  after(async () => { await cluster.stop() })

  it('delivers a message from A to subscribed B and C, not to unsubscribed D', async () => {
    const a = await cluster.add('A')
    const b = await cluster.add('B', { bootstrap: a.addresses() })
    const c = await cluster.add('C', { bootstrap: a.addresses() })
    const d = await cluster.add('D', { bootstrap: a.addresses() })
    const topic = 'ctx-1'
    a.subscribe(topic, () => {})
    const atB = inbox(b, topic)
    const atC = inbox(c, topic)
    const atD = inbox(d, topic)
    await topicMesh(a, topic, [b, c, d])
    d.unsubscribe(topic)
    await waitFor(() => !a.topicPeers(topic).includes(d.peerId), 'D to leave the topic')

    const recipients = await a.publish(topic, bytes('hello'))
    assert.equal(recipients, 2)
    await waitFor(() => atB.length === 1 && atC.length === 1, 'B and C to receive')
    for (const msg of [atB[0], atC[0]]) {
      assert.equal(msg.from, a.peerId)
      assert.equal(msg.topic, topic)
      assert.equal(text(msg.data), 'hello')
      assert.equal(Object.getPrototypeOf(msg.data), Uint8Array.prototype)
    }
    // D stays connected to A but is off the topic: it must not see the message.
    await connected(a, d)
    const other = await a.publish('other-topic', bytes('x'))
    assert.equal(other, 0)
    assert.equal(atD.length, 0)
  })

  it('forwards across a line A - B - C once the mesh forms', async () => {
    const a = await cluster.add('A')
    const b = await cluster.add('B', { bootstrap: a.addresses() })
    const c = await cluster.add('C', { bootstrap: b.addresses() })
    const topic = 'ctx-line'
    a.subscribe(topic, () => {})
    inbox(b, topic)
    const atC = inbox(c, topic)
    await connected(a, b)
    await connected(b, c)
    assert.ok(!a.peers().includes(c.peerId))
    await topicMesh(b, topic, [a, c])
    // C hears A only through B's mesh, which forms at B's next heartbeat: publish until it does.
    let n = 0
    await waitFor(() => {
      if (atC.length === 0 && n % 10 === 0) void a.publish(topic, bytes(`m${n}`))
      n++
      return atC.length > 0
    }, 'C to receive through B', 5_000)
    assert.equal(atC[0].from, a.peerId)
    assert.match(text(atC[0].data), /^m\d+$/)
  })

  it('delivers many messages in order of publication between two peers', async () => {
    const a = await cluster.add('A')
    const b = await cluster.add('B', { bootstrap: a.addresses() })
    const topic = 'ctx-burst'
    a.subscribe(topic, () => {})
    const atB = inbox(b, topic)
    await topicMesh(a, topic, [b])
    for (let i = 0; i < 200; i++) await a.publish(topic, bytes(String(i)))
    await waitFor(() => atB.length === 200, '200 messages')
    assert.deepEqual(atB.map(m => text(m.data)), Array.from({ length: 200 }, (_, i) => String(i)))
  })

  it('carries a large message, and refuses one over the limit before sending', async () => {
    const a = await cluster.add('A')
    const b = await cluster.add('B', { bootstrap: a.addresses() })
    const topic = 'ctx-large'
    const atB = inbox(b, topic)
    await topicMesh(a, topic, [b])
    const large = new Uint8Array(defaults.GOSSIP_MAX_MESSAGE_BYTES).fill(3)
    assert.equal(await a.publish(topic, large), 1)
    await waitFor(() => atB.length === 1, 'the large message')
    assert.equal(atB[0].data.byteLength, large.byteLength)
    await assert.rejects(a.publish(topic, new Uint8Array(defaults.GOSSIP_MAX_MESSAGE_BYTES + 1)), { name: 'PayloadTooLargeError' })
  })

  it('stops delivering after unsubscribe and resumes after subscribing again', async () => {
    const a = await cluster.add('A')
    const b = await cluster.add('B', { bootstrap: a.addresses() })
    const topic = 'ctx-toggle'
    const atB = inbox(b, topic)
    await topicMesh(a, topic, [b])
    b.unsubscribe(topic)
    await waitFor(() => a.topicPeers(topic).length === 0, 'B to leave')
    assert.equal(await a.publish(topic, bytes('lost')), 0)
    const again = inbox(b, topic)
    await topicMesh(a, topic, [b])
    assert.equal(await a.publish(topic, bytes('back')), 1)
    await waitFor(() => again.length === 1, 'B to receive again')
    assert.equal(text(again[0].data), 'back')
    assert.equal(atB.length, 0)
  })
})
