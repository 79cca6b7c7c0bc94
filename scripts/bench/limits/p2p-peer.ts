// A bare libp2p 3 peer for the propagation floor (scripts/bench/limits.ts): the transports
// and gossipsub settings of src/network/host.ts (TCP, Noise, Yamux, StrictSign gossipsub)
// with none of Moorage on top. Driven like test/fixtures/node-process.ts: line-delimited
// JSON commands on stdin, replies (and 'event' lines) on stdout.
//
//   node scripts/bench/limits/p2p-peer.ts <name>
import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub, StrictSign } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { createInterface } from 'node:readline'

const ECHO = '/moorage-bench/echo/1'
const TOPIC = 'moorage-bench'
const name = process.argv[2] ?? 'peer'
const out = (msg: unknown): void => { process.stdout.write(JSON.stringify(msg) + '\n') }
const now = (): number => performance.timeOrigin + performance.now()

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), pubsub: gossipsub({ globalSignaturePolicy: StrictSign, floodPublish: true, allowPublishToZeroTopicPeers: true, emitSelf: false }) }
})
// Echo: one request, one response, then the stream ends (as a Moorage request does).
await node.handle(ECHO, async (stream) => {
  for await (const chunk of stream) { stream.send(chunk.subarray()); break }
  await stream.close()
})
const pubsub = node.services.pubsub as any
pubsub.subscribe(TOPIC)
pubsub.addEventListener('message', (evt: any) => {
  if (evt.detail.topic === TOPIC) out({ type: 'event', ctx: TOPIC, kind: 'received', deltaId: new TextDecoder().decode(evt.detail.data), t: now() })
})

const commands: Record<string, (a: any) => unknown> = {
  dial: async ({ addr }) => { await node.dial(multiaddr(addr)); return null },
  subscribers: () => pubsub.getSubscribers(TOPIC).map(String),
  /** `n` sequential request/response round trips to `peer`, each on a new stream; milliseconds each. */
  echo: async ({ addr, n, bytes }) => {
    const payload = new Uint8Array(bytes ?? 256)
    const times: number[] = []
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      const stream = await node.dialProtocol(multiaddr(addr), ECHO)
      stream.send(payload)
      for await (const _ of stream) break
      await stream.close()
      times.push(performance.now() - t0)
    }
    return times
  },
  /** Publishes `id` on the topic; answers the time it was handed to gossipsub. */
  publish: async ({ id, bytes }) => {
    const data = new Uint8Array(Math.max(bytes ?? 0, id.length))
    data.set(new TextEncoder().encode(id))
    const t = now()
    await pubsub.publish(TOPIC, data.subarray(0, id.length))
    return t
  },
  stop: async () => { await node.stop(); setImmediate(() => process.exit(0)) }
}

out({ type: 'ready', peerId: node.peerId.toString(), addresses: node.getMultiaddrs().map(String), name })
createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line)
  void (async () => {
    try {
      out({ type: 'reply', id: msg.id, ok: true, result: (await commands[msg.cmd]!(msg.args ?? {})) ?? null })
    } catch (err) {
      out({ type: 'reply', id: msg.id, ok: false, error: { name: (err as Error).name, message: (err as Error).message } })
    }
  })()
})
