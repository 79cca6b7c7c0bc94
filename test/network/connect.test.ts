// Nodes on loopback: identity from a seed, connection through bootstrap addresses and dial,
// peer events, and publishing with nobody listening.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { createNetwork, peerIdFromSeed } from '../../src/network/index.ts'
import { Cluster, bytes, connected, waitFor } from './helpers.ts'

describe('network: connecting', () => {
  const cluster = new Cluster()
  after(async () => { await cluster.stop() })

  it('derives a stable peer id from the seed, before start', () => {
    const seed = randomBytes(32)
    const net = createNetwork({ seed })
    assert.equal(net.peerId, peerIdFromSeed(seed))
    assert.equal(createNetwork({ seed }).peerId, net.peerId)
    assert.match(net.peerId, /^12D3KooW/)
    assert.deepEqual(net.addresses(), [])
    assert.throws(() => createNetwork({ seed: new Uint8Array(31) }), { name: 'InvalidInputError' })
  })

  it('rejects a bootstrap address without a peer id', () => {
    assert.throws(() => createNetwork({ seed: randomBytes(32), bootstrap: ['/ip4/127.0.0.1/tcp/1'] }), { name: 'InvalidInputError' })
  })

  it('listens on loopback and reports full multiaddrs', async () => {
    const a = await cluster.add('A')
    assert.ok(a.addresses().length > 0)
    for (const addr of a.addresses()) {
      assert.match(addr, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
      assert.ok(addr.endsWith(`/p2p/${a.peerId}`))
    }
  })

  it('connects two and three nodes through bootstrap addresses', async () => {
    const a = await cluster.add('A')
    const events: string[] = []
    a.on('peer:connect', peer => { events.push(peer) })
    const b = await cluster.add('B', { bootstrap: a.addresses() })
    const c = await cluster.add('C', { bootstrap: a.addresses() })
    await connected(a, b)
    await connected(a, c)
    assert.deepEqual(new Set(a.peers()), new Set([b.peerId, c.peerId]))
    await waitFor(() => events.length === 2, 'peer:connect events')
    assert.deepEqual(new Set(events), new Set([b.peerId, c.peerId]))
  })

  it('dials an address and answers the peer id; emits peer:disconnect on stop', async () => {
    const a = await cluster.add('A')
    const b = await cluster.add('B')
    assert.equal(await b.dial(a.addresses()[0]), a.peerId)
    await connected(a, b)
    const gone: string[] = []
    a.on('peer:disconnect', peer => { gone.push(peer) })
    await b.stop()
    await waitFor(() => gone.includes(b.peerId), 'peer:disconnect')
    assert.ok(!a.peers().includes(b.peerId))
  })

  it('fails a dial to a closed port with DialError, and honours the signal', async () => {
    const a = await cluster.add('A')
    const closed = `/ip4/127.0.0.1/tcp/1/p2p/${peerIdFromSeed(randomBytes(32))}`
    await assert.rejects(a.dial(closed), { name: 'DialError' })
    await assert.rejects(a.dial(closed, { signal: AbortSignal.abort() }), { name: 'AbortError' })
  })

  it('publishes with no peer: answers 0 and does not throw', async () => {
    const a = await cluster.add('A')
    assert.equal(await a.publish('nobody-here', bytes('x')), 0)
    a.subscribe('lonely', () => {})
    assert.equal(await a.publish('lonely', bytes('x')), 0)
    assert.deepEqual(a.topicPeers('lonely'), [])
  })

  it('re-dials a bootstrap peer that went away and came back', async () => {
    const seed = randomBytes(32)
    const first = await cluster.add('A', { seed })
    const addr = first.addresses()[0]
    const b = await cluster.add('B', { bootstrap: [addr] })
    await connected(first, b)
    await first.stop()
    await waitFor(() => b.peers().length === 0, 'B to notice')
    const again = await cluster.add('A2', { seed, listen: [addr.replace(/\/p2p\/.*$/, '')] })
    assert.equal(again.addresses()[0], addr)
    await connected(again, b)
  })

  it('restarts with the same peer id, subscriptions and handlers', async () => {
    const a = await cluster.add('A')
    const b = await cluster.add('B')
    b.subscribe('kept', () => {})
    await b.handle('/moorage-test/kept/1', async () => bytes('still'))
    await b.stop()
    assert.deepEqual(b.addresses(), [])
    await b.start()
    assert.equal(await a.dial(b.addresses()[0]), b.peerId)
    await waitFor(() => a.topicPeers('kept').includes(b.peerId), 'the subscription after restart')
    const frames: string[] = []
    for await (const frame of a.request(b.peerId, '/moorage-test/kept/1', new Uint8Array(0))) frames.push(new TextDecoder().decode(frame))
    assert.deepEqual(frames, ['still'])
  })

  it('finds and connects peers on the local network with mDNS', async () => {
    const a = await cluster.add('A', { mdns: true })
    const b = await cluster.add('B', { mdns: true })
    await connected(a, b, 8_000)
  })

  it('fails to start on a port in use with NetworkError', async () => {
    const a = await cluster.add('A')
    const taken = a.addresses()[0].replace(/\/p2p\/.*$/, '')
    const b = createNetwork({ seed: randomBytes(32), listen: [taken] })
    const port = /\/tcp\/(\d+)$/.exec(taken)![1]
    await assert.rejects(b.start(), (err: any) => {
      assert.equal(err.name, 'NetworkError')
      // One line naming the port and what to do: no libp2p advice, no stack.
      assert.equal(err.shortMessage, `the p2p port ${port} is in use (${taken})`)
      assert.equal(err.details, undefined)
      assert.match(err.hint, /moor node --p2p-port <port>/)
      assert.doesNotMatch(err.message, /faultTolerance|at Server|\n {4}at /)
      return true
    })
    assert.deepEqual(b.addresses(), [])
  })

  it('refuses to work before start, with a clear error', async () => {
    const net = createNetwork({ seed: randomBytes(32) })
    await assert.rejects(net.publish('t', bytes('x')), { name: 'NetworkError', message: /not started/ })
    await assert.rejects(net.dial('/ip4/127.0.0.1/tcp/1'), { name: 'NetworkError' })
    assert.deepEqual(net.peers(), [])
  })
})
