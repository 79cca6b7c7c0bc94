// One automerge-repo 2 peer in its own process, driven like test/fixtures/node-process.ts:
// line-delimited JSON commands on stdin, replies on stdout.
//
//   node scripts/bench/automerge/am-node.mjs <dir> <name>
//
// A Repo with its documents on disk (NodeFS storage adapter) and the WebSocket network
// adapter: one peer listens (`listen`), the other connects to it (`connect`), as
// automerge-repo's own sync servers do. A write is one `change` (one key set in a map
// document); with `flush`, each change is also written to storage before the next,
// the nearest automerge-repo has to Moorage acknowledging a write once durable.
import { Repo } from '@automerge/automerge-repo'
import { WebSocketClientAdapter, WebSocketServerAdapter } from '@automerge/automerge-repo-network-websocket'
import { NodeFSStorageAdapter } from '@automerge/automerge-repo-storage-nodefs'
import { join } from 'node:path'
import { memory, now, serve } from '../peer-protocol.mjs'
import { WebSocketServer } from 'ws'

const [dir, name] = process.argv.slice(2)

const repo = new Repo({ storage: new NodeFSStorageAdapter(join(dir, 'docs')), peerId: name, sharePolicy: async () => true })
let handle
let server
const idle = []

/** Resolves with the time at which every key of `keys` is in the document. */
function whenKeys (keys) {
  const has = () => { const d = handle.doc(); return keys.every((k) => d[k] !== undefined) }
  if (has()) return Promise.resolve(now())
  return new Promise((resolve) => {
    const check = () => { if (has()) { handle.off('change', check); resolve(now()) } }
    handle.on('change', check)
  })
}

const commands = {
  listen: async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise((resolve) => server.once('listening', resolve))
    repo.networkSubsystem.addNetworkAdapter(new WebSocketServerAdapter(server))
    return `ws://127.0.0.1:${server.address().port}`
  },
  /** Connects to a listening peer; resolves once that peer has joined (a `find` before it would find no one to ask). */
  connect: async ({ url }) => {
    const joined = new Promise((resolve) => repo.networkSubsystem.once('peer', resolve))
    repo.networkSubsystem.addNetworkAdapter(new WebSocketClientAdapter(url))
    await repo.networkSubsystem.whenReady()
    if (repo.peers.length === 0) await joined
    return null
  },
  create: () => { handle = repo.create({}); return handle.url },
  find: async ({ url }) => { handle = await repo.find(url); return null },
  putMany: async ({ n, prefix, flush = true, concurrency = 1 }) => {
    const t0 = now()
    let next = 0
    const worker = async () => {
      while (next < n) {
        const i = next++
        handle.change((d) => { d[`${prefix}${i}`] = `value-${i}` })
        if (flush) await repo.flush([handle.documentId])
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    return { t0, t1: now() }
  },
  waitKeys: async ({ keys }) => await whenKeys(keys),
  count: () => Object.keys(handle.doc()).length,
  /** Creates `n` idle documents of one key each, kept open, written to storage. */
  createMany: async ({ n }) => {
    for (let i = 0; i < n; i++) {
      const h = repo.create({ k: 'v' })
      idle.push(h)
    }
    await repo.flush()
    return idle.length
  },
  memory,
  stop: async () => {
    await repo.flush().catch(() => {})
    await repo.shutdown().catch(() => {})
    server?.close()
    setImmediate(() => process.exit(0))
  }
}

await serve({ peerId: name, addresses: [], name }, commands)
