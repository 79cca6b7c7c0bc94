// One OrbitDB 4 peer in its own process, driven like test/fixtures/node-process.ts:
// line-delimited JSON commands on stdin, replies on stdout.
//
//   node scripts/bench/orbitdb/orbit-node.mjs <dir> <name>
//
// Helia 6 is constructed on a libp2p 3 host of our own making (TCP, Noise, Yamux,
// identify, gossipsub), without Helia's default transports: its WebRTC transport needs a
// native module whose prebuilt download fails on these machines. Blocks and the OrbitDB
// log are kept on disk (LevelDB), as Moorage keeps its state in LMDB.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createOrbitDB, IPFSAccessController } from '@orbitdb/core'
import { multiaddr } from '@multiformats/multiaddr'
import { LevelBlockstore } from 'blockstore-level'
import { createHelia } from 'helia'
import { createLibp2p } from 'libp2p'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const [dir, name] = process.argv.slice(2)
const out = (msg) => { process.stdout.write(JSON.stringify(msg) + '\n') }
const now = () => performance.timeOrigin + performance.now()

const libp2p = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }) }
})
const ipfs = await createHelia({ libp2p, blockstore: new LevelBlockstore(join(dir, 'blocks')) })
const orbitdb = await createOrbitDB({ ipfs, directory: join(dir, 'orbitdb'), id: name })
let db
let updates = 0
let waiter

const commands = {
  open: async ({ address }) => {
    db = address === undefined
      ? await orbitdb.open('moorage-bench', { type: 'keyvalue', AccessController: IPFSAccessController({ write: ['*'] }) })
      : await orbitdb.open(address)
    db.events.on('update', () => {
      updates++
      if (waiter !== undefined && updates >= waiter.n) { waiter.resolve(now()); waiter = undefined }
    })
    return db.address.toString()
  },
  dial: async ({ addr }) => { await libp2p.dial(multiaddr(addr)); return null },
  subscribers: () => libp2p.services.pubsub.getSubscribers(db.address.toString()).map(String),
  putMany: async ({ n, prefix }) => {
    const t0 = now()
    for (let i = 0; i < n; i++) await db.put(`${prefix}${i}`, `value-${i}`)
    return { t0, t1: now() }
  },
  /** Resolves with the time at which `n` entries had been replicated in. */
  waitUpdates: async ({ n }) => updates >= n ? now() : await new Promise((resolve) => { waiter = { n, resolve } }),
  count: async () => (await db.all()).length,
  stop: async () => {
    await db?.close()
    await orbitdb.stop()
    await ipfs.stop()
    setImmediate(() => process.exit(0))
  }
}

out({ type: 'ready', peerId: libp2p.peerId.toString(), addresses: libp2p.getMultiaddrs().map(String), name })
createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line)
  void (async () => {
    try {
      out({ type: 'reply', id: msg.id, ok: true, result: (await commands[msg.cmd](msg.args ?? {})) ?? null })
    } catch (err) {
      out({ type: 'reply', id: msg.id, ok: false, error: { name: err.name, message: err.message } })
    }
  })()
})
