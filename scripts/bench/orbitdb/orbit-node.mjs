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
import { memory, now, serve } from '../peer-protocol.mjs'

const [dir, name] = process.argv.slice(2)

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
let keyWaiter
const idle = []

const commands = {
  open: async ({ address }) => {
    db = address === undefined
      ? await orbitdb.open('moorage-bench', { type: 'keyvalue', AccessController: IPFSAccessController({ write: ['*'] }) })
      : await orbitdb.open(address)
    db.events.on('update', () => {
      updates++
      if (waiter !== undefined && updates >= waiter.n) { waiter.resolve(now()); waiter = undefined }
      keyWaiter?.()
    })
    return db.address.toString()
  },
  dial: async ({ addr }) => { await libp2p.dial(multiaddr(addr)); return null },
  subscribers: () => libp2p.services.pubsub.getSubscribers(db.address.toString()).map(String),
  putMany: async ({ n, prefix, concurrency = 1 }) => {
    const t0 = now()
    let next = 0
    const worker = async () => {
      while (next < n) { const i = next++; await db.put(`${prefix}${i}`, `value-${i}`) }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    return { t0, t1: now() }
  },
  /** Resolves with the time at which every key of `keys` is in the database (checked on each update). */
  waitKeys: async ({ keys }) => {
    const has = async () => (await Promise.all(keys.map(async (k) => await db.get(k)))).every((v) => v !== undefined)
    if (await has()) return now()
    return await new Promise((resolve) => {
      // One check at a time; an update during a check asks for one more.
      let checking = false
      let again = false
      keyWaiter = () => {
        if (checking) { again = true; return }
        checking = true
        again = false
        void has().then((yes) => {
          checking = false
          if (yes) { keyWaiter = undefined; resolve(now()) } else if (again) keyWaiter()
        })
      }
    })
  },
  /** Opens `n` more idle keyvalue databases of one entry each. */
  createMany: async ({ n }) => {
    for (let i = 0; i < n; i++) {
      const d = await orbitdb.open(`idle-${idle.length}`, { type: 'keyvalue' })
      await d.put('k', 'v')
      idle.push(d)
    }
    return idle.length
  },
  memory,
  /** Resolves with the time at which `n` entries had been replicated in. */
  waitUpdates: async ({ n }) => updates >= n ? now() : await new Promise((resolve) => { waiter = { n, resolve } }),
  count: async () => (await db.all()).length,
  stop: async () => {
    for (const d of idle) await d.close()
    await db?.close()
    await orbitdb.stop()
    await ipfs.stop()
    setImmediate(() => process.exit(0))
  }
}

await serve({ peerId: libp2p.peerId.toString(), addresses: libp2p.getMultiaddrs().map(String), name }, commands)
