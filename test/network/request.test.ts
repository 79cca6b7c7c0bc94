// Request/response protocols on loopback: paged and large responses, frame limits on both
// sides, handler errors, cancellation, and malformed bytes from a raw libp2p peer.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import type { Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { Uint8ArrayList } from 'uint8arraylist'
import type { Network } from '../../src/network/index.ts'
import { encodeVarint } from '../../src/network/frames.ts'
import { Cluster, bytes, connected, text, waitFor } from './helpers.ts'

const ECHO = '/moorage-test/echo/1'
const PAGES = '/moorage-test/pages/1'
const BIG = '/moorage-test/big/1'
const FAIL = '/moorage-test/fail/1'
const SLOW = '/moorage-test/slow/1'
const FLOOD = '/moorage-test/flood/1'

async function collect (source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const frame of source) out.push(frame)
  return out
}

describe('network: request/response', () => {
  const cluster = new Cluster()
  let server: Network
  let client: Network
  let slowAborted: PromiseWithResolvers<unknown>
  let produced = 0

  before(async () => {
    server = await cluster.add('S')
    client = await cluster.add('C', { bootstrap: server.addresses() })
    await server.handle(ECHO, async (request) => request)
    await server.handle(PAGES, async function * (request) {
      const count = new DataView(request.buffer, request.byteOffset).getUint32(0)
      for (let i = 0; i < count; i++) yield bytes(`page ${i}`)
    })
    await server.handle(BIG, async function * (request) {
      const size = new DataView(request.buffer, request.byteOffset).getUint32(0)
      const page = new Uint8Array(size)
      for (let i = 0; i < size; i++) page[i] = i % 251
      yield page
      yield bytes('after')
    })
    await server.handle(FAIL, async function * (request) {
      yield bytes('first')
      throw new Error(`no such thing: ${text(request)}`)
    })
    await server.handle(SLOW, async function * (_request, _from, signal) {
      signal.addEventListener('abort', () => { slowAborted.resolve(signal.reason) })
      for (let i = 0; ; i++) {
        yield bytes(`tick ${i}`)
        await new Promise(resolve => setTimeout(resolve, 5))
        if (signal.aborted) return
      }
    })
    await server.handle(FLOOD, async function * () {
      const page = new Uint8Array(1024 * 1024)
      for (produced = 0; produced < 128; produced++) yield page
    })
    await connected(server, client)
  })
  after(async () => { await cluster.stop() })

  const u32 = (n: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n); return b }

  it('answers a single-frame request', async () => {
    const frames = await collect(client.request(server.peerId, ECHO, bytes('ping')))
    assert.deepEqual(frames.map(text), ['ping'])
    assert.deepEqual(await collect(client.request(server.peerId, ECHO, new Uint8Array(0))), [new Uint8Array(0)])
  })

  it('streams 1000 frames in order', async () => {
    const frames = await collect(client.request(server.peerId, PAGES, u32(1000)))
    assert.equal(frames.length, 1000)
    assert.equal(text(frames[0]), 'page 0')
    assert.equal(text(frames[999]), 'page 999')
    assert.ok(frames.every((f, i) => text(f) === `page ${i}`))
  })

  it('carries a large frame (12 MiB) and a large request (3 MiB)', async () => {
    const size = 12 * 1024 * 1024
    const frames = await collect(client.request(server.peerId, BIG, u32(size)))
    assert.equal(frames.length, 2)
    assert.equal(frames[0].byteLength, size)
    assert.equal(frames[0][size - 1], (size - 1) % 251)
    assert.equal(text(frames[1]), 'after')
    const request = new Uint8Array(3 * 1024 * 1024).fill(7)
    const [echo] = await collect(client.request(server.peerId, ECHO, request))
    assert.equal(echo.byteLength, request.byteLength)
    assert.equal(echo[12345], 7)
  })

  it('refuses an oversized request with FrameTooLargeError and keeps serving', async () => {
    const tooBig = new Uint8Array(4 * 1024 * 1024 + 1)
    await assert.rejects(collect(client.request(server.peerId, ECHO, tooBig)), (err: Error & { shortMessage?: string }) => {
      assert.equal(err.name, 'FrameTooLargeError')
      assert.match(err.message, /request frame is over the limit of 4194304 bytes/)
      return true
    })
    assert.deepEqual((await collect(client.request(server.peerId, ECHO, bytes('still here')))).map(text), ['still here'])
  })

  it('rejects a response frame over the requester limit with FrameTooLargeError', async () => {
    await assert.rejects(collect(client.request(server.peerId, BIG, u32(2048), { maxResponseFrameBytes: 1024 })), {
      name: 'FrameTooLargeError',
      message: /response frame is over the limit of 1024 bytes/
    })
    assert.equal((await collect(client.request(server.peerId, PAGES, u32(3)))).length, 3)
  })

  it('turns a handler error into a ProtocolError with the remote message, after the frames before it', async () => {
    const seen: string[] = []
    await assert.rejects(async () => {
      for await (const frame of client.request(server.peerId, FAIL, bytes('the key'))) seen.push(text(frame))
    }, (err: Error & { shortMessage?: string }) => {
      assert.equal(err.name, 'ProtocolError')
      assert.equal(err.shortMessage, 'no such thing: the key')
      return true
    })
    assert.deepEqual(seen, ['first'])
  })

  it('fails a request for an unknown protocol with NetworkError', async () => {
    await assert.rejects(collect(client.request(server.peerId, '/moorage-test/none/1', bytes('x'))), { name: 'NetworkError' })
  })

  it('aborts the remote handler when the requester stops early or its signal fires', async () => {
    slowAborted = Promise.withResolvers()
    let n = 0
    for await (const _frame of client.request(server.peerId, SLOW, bytes('go'))) {
      if (++n === 3) break
    }
    await slowAborted.promise

    slowAborted = Promise.withResolvers()
    const controller = new AbortController()
    const frames: Uint8Array[] = []
    await assert.rejects(async () => {
      for await (const frame of client.request(server.peerId, SLOW, bytes('go'), { signal: controller.signal })) {
        frames.push(frame)
        if (frames.length === 2) controller.abort()
      }
    }, { name: 'AbortError' })
    await slowAborted.promise
    await assert.rejects(collect(client.request(server.peerId, SLOW, bytes('go'), { signal: AbortSignal.timeout(50) })), { name: 'TimeoutError' })
  })

  it('holds back a fast responder while the requester is slow (backpressure)', async () => {
    let read = 0
    let aheadWhileStalled = 0
    for await (const frame of client.request(server.peerId, FLOOD, new Uint8Array(0))) {
      assert.equal(frame.byteLength, 1024 * 1024)
      if (++read === 4) {
        await new Promise(resolve => setTimeout(resolve, 300))
        aheadWhileStalled = produced
      }
    }
    assert.equal(read, 128)
    // 128 MiB were on offer; while the requester stalled only the buffers (reader high
    // water, yamux window, socket) filled up.
    assert.ok(aheadWhileStalled < 64, `the responder ran ${aheadWhileStalled} frames ahead`)
  })

  it('serves requests concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, async (_, i) => await collect(client.request(server.peerId, ECHO, bytes(`r${i}`)))))
    assert.deepEqual(results.map(frames => text(frames[0])), Array.from({ length: 20 }, (_, i) => `r${i}`))
  })

  describe('malformed bytes from a raw libp2p peer', () => {
    let raw: Libp2p

    before(async () => {
      raw = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    })
    after(async () => { await raw.stop() })

    /** Sends raw bytes on a stream of `protocol`, closes, and answers every byte that comes back. */
    async function exchange (protocol: string, data: Uint8Array): Promise<Uint8Array> {
      const stream: Stream = await raw.dialProtocol(multiaddr(server.addresses()[0]), protocol)
      const received = new Uint8ArrayList()
      const done = Promise.withResolvers<void>()
      stream.addEventListener('message', (evt) => { received.append(evt.data) })
      stream.addEventListener('close', () => { done.resolve() })
      stream.send(data)
      await stream.close()
      await done.promise
      return received.subarray()
    }

    it('answers an over-long length prefix with an error frame', async () => {
      const reply = await exchange(ECHO, new Uint8Array(12).fill(0x80))
      // one frame: length, tag 1 (ERROR), message
      assert.equal(reply[1], 1)
      assert.match(text(reply.subarray(2)), /length prefix longer than 8 bytes/)
    })

    it('answers a truncated request with an error frame', async () => {
      const reply = await exchange(ECHO, new Uint8Array([...encodeVarint(100), 1, 2, 3]))
      assert.equal(reply[1], 1)
      assert.match(text(reply.subarray(2)), /ended inside a frame/)
    })

    it('answers an announced oversize with a TOO_LARGE frame without reading the body', async () => {
      const reply = await exchange(ECHO, encodeVarint(2 ** 40))
      assert.equal(reply[1], 3)
      assert.match(text(reply.subarray(2)), /over the limit/)
    })

    it('keeps serving well-formed requests afterwards', async () => {
      assert.deepEqual((await collect(client.request(server.peerId, ECHO, bytes('ok')))).map(text), ['ok'])
      await waitFor(() => server.peers().includes(client.peerId), 'the client connection')
    })
  })
})
