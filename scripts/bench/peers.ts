// The `peers` suite: Moorage beside two peer systems from npm, OrbitDB 4 and
// automerge-repo 2 (each in its own bench folder with its own lock, installed on first use),
// on the same workloads in the same run, every node its own process on loopback:
//   (a) N sequential writes on A, until all are on B;
//   (b) two concurrent writers, A and B, N/2 writes each, 16 in flight on each, until both
//       hold all N: the replicated throughput;
//   (c) a fresh joiner catching up a history of 10,000 writes (100,000 with --big);
//   (d) resident memory per idle document / context (one process, after a GC).
// Each peer figure is printed with the ratio peer time / Moorage time (> 1: Moorage
// faster); where a peer cannot do a workload, the figure says why.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { converged, NodeProcess, sharedContext, until } from '../../test/helpers/node-process.ts'
import { rssByContexts } from './memory.ts'
import type { Figure } from './report.ts'
import { catchUp, moorageReplication, orbitReplication } from './sync.ts'

const now = (): number => performance.timeOrigin + performance.now()
const IN_FLIGHT = 16

interface Peer {
  name: string
  dir: string
  installed: string
  script: string
  /** Two connected processes sharing one document; `b` has found A's. */
  pair: () => Promise<[NodeProcess, NodeProcess]>
  /** B joins A's existing document (for the catch-up). */
  join: (a: NodeProcess, b: NodeProcess, address: string) => Promise<void>
  open: (a: NodeProcess) => Promise<string>
}

function ensure (p: Peer): void {
  if (existsSync(join(p.dir, 'node_modules', p.installed))) return
  console.error(`installing ${p.name} for the peer comparison (${p.dir}, first run only)…`)
  // `npm install` from the lock, not `npm ci`: npm 11 drops the other platforms' optional
  // packages (cbor-extract's) from a lock it writes, and `npm ci` then refuses that lock.
  execFileSync('npm', ['install', '--prefix', p.dir, '--no-audit', '--no-fund', '--no-save'], { stdio: 'inherit' })
}

const spawnPeer = async (p: Peer, name: string): Promise<NodeProcess> => await NodeProcess.spawn(name, ['--expose-gc', p.script, '{dir}', name])

const ORBIT: Peer = {
  name: 'OrbitDB 4',
  dir: join(import.meta.dirname, 'orbitdb'),
  installed: join('@orbitdb', 'core'),
  script: join(import.meta.dirname, 'orbitdb', 'orbit-node.mjs'),
  open: async (a) => await a.call('open'),
  join: async (a, b, address) => {
    await b.call('dial', { addr: a.addresses[0] })
    await b.call('open', { address })
  },
  pair: async () => {
    const [a, b] = await Promise.all(['orbit-a', 'orbit-b'].map(async (name) => await spawnPeer(ORBIT, name))) as [NodeProcess, NodeProcess]
    const address = await ORBIT.open(a)
    await ORBIT.join(a, b, address)
    await until('orbit a and b subscribed to the database topic', async () => (await a.call('subscribers')).includes(b.peerId), 20_000)
    return [a, b]
  }
}

const AUTOMERGE: Peer = {
  name: 'automerge-repo 2',
  dir: join(import.meta.dirname, 'automerge'),
  installed: join('@automerge', 'automerge-repo'),
  script: join(import.meta.dirname, 'automerge', 'am-node.mjs'),
  open: async (a) => {
    const url = await a.call('listen')
    return JSON.stringify({ url, doc: await a.call('create') })
  },
  join: async (_a, b, address) => {
    const { url, doc } = JSON.parse(address)
    await b.call('connect', { url })
    await b.call('find', { url: doc })
  },
  pair: async () => {
    const [a, b] = await Promise.all(['am-a', 'am-b'].map(async (name) => await spawnPeer(AUTOMERGE, name))) as [NodeProcess, NodeProcess]
    await AUTOMERGE.join(a, b, await AUTOMERGE.open(a))
    return [a, b]
  }
}

async function stopAll (nodes: NodeProcess[]): Promise<void> {
  await Promise.all(nodes.map(async (n) => { await n.cleanup() }))
}

/** (a) for a peer: N sequential writes on A until all on B. */
async function peerSequential (p: Peer, n: number): Promise<number> {
  if (p === ORBIT) return (await orbitReplication(n)).ms
  const [a, b] = await p.pair()
  try {
    const reached = b.call<number>('waitKeys', { keys: [`k${n - 1}`] }, 600_000)
    const { t0 } = await a.call('putMany', { n, prefix: 'k' }, 600_000)
    const last = await reached
    const count = await b.call('count')
    if (count !== n) throw new Error(`${p.name} replicated ${count} of ${n} entries`)
    return last - t0
  } finally {
    await stopAll([a, b])
  }
}

/** (b) for a peer: A and B write N/2 each, IN_FLIGHT at a time, until both hold all N. */
async function peerConcurrent (p: Peer, n: number): Promise<number> {
  const [a, b] = await p.pair()
  try {
    const keys = [`a${n / 2 - 1}`, `b${n / 2 - 1}`]
    const reached = Promise.all([a, b].map(async (x) => await x.call<number>('waitKeys', { keys }, 600_000)))
    const t0 = now()
    await Promise.all([a.call('putMany', { n: n / 2, prefix: 'a', concurrency: IN_FLIGHT }, 600_000), b.call('putMany', { n: n / 2, prefix: 'b', concurrency: IN_FLIGHT }, 600_000)])
    const last = Math.max(...await reached)
    for (const x of [a, b]) {
      const count = await x.call('count')
      if (count !== n) throw new Error(`${p.name}: ${x.name} holds ${count} of ${n} entries`)
    }
    return last - t0
  } finally {
    await stopAll([a, b])
  }
}

/** (c) for a peer: A writes `history` entries; a fresh B joins and catches up. */
async function peerCatchUp (p: Peer, history: number, timeoutMs: number): Promise<number> {
  const [a, b] = await Promise.all([spawnPeer(p, `${p === ORBIT ? 'orbit' : 'am'}-a`), spawnPeer(p, `${p === ORBIT ? 'orbit' : 'am'}-b`)])
  try {
    const address = await p.open(a)
    // Building the history is not timed; automerge-repo without a flush per change.
    await a.call('putMany', { n: history, prefix: 'h', flush: false, concurrency: p === ORBIT ? IN_FLIGHT : 1 }, 1_800_000)
    const t0 = now()
    await p.join(a, b, address)
    const last = await b.call<number>('waitKeys', { keys: [`h${history - 1}`, 'h0'] }, timeoutMs)
    const count = await b.call('count', {}, timeoutMs)
    if (count !== history) throw new Error(`${p.name}: the joiner holds ${count} of ${history} entries`)
    return last - t0
  } finally {
    await stopAll([a, b])
  }
}

/** (d) for a peer: KB of RSS per idle document, `count` of them in one process. */
async function peerIdle (p: Peer, count: number): Promise<number> {
  const a = await spawnPeer(p, p === ORBIT ? 'orbit-idle' : 'am-idle')
  try {
    await a.call(p === ORBIT ? 'open' : 'create')
    const before = (await a.call('memory')).rss
    await a.call('createMany', { n: count }, 1_800_000)
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    const after = (await a.call('memory')).rss
    return (after - before) / 1024 / count
  } finally {
    await stopAll([a])
  }
}

/** Moorage (b): A and B write N/2 each, IN_FLIGHT at a time, until both hold all N. */
async function moorageConcurrent (n: number): Promise<number> {
  const [a, b] = await Promise.all(['a', 'b'].map(async (name) => await NodeProcess.start({ name, logLevel: 'warn' }))) as [NodeProcess, NodeProcess]
  try {
    const { ctx } = await sharedContext(a, [b])
    for (const x of [a, b]) await x.call('watch', { ctx })
    await until('a and b meshed', async () => (await a.call('topicPeers', { ctx })).includes(b.peerId))
    for (const x of [a, b]) x.events.length = 0
    const t0 = now()
    await Promise.all([a.call('setMany', { ctx, prefix: 'a', n: n / 2, concurrency: IN_FLIGHT }, 600_000), b.call('setMany', { ctx, prefix: 'b', n: n / 2, concurrency: IN_FLIGHT }, 600_000)])
    await converged([a, b], ctx, 120_000)
    // Once both hold one root, each got its last piece with its last delta event (its own
    // write applied, a delta received, or a snapshot when a heartbeat found it behind).
    const last = Math.max(...[a, b].flatMap((x) => x.events.map((e) => e.t)))
    for (const x of [a, b]) {
      const count = await x.call('len', { ctx })
      if (count !== n) throw new Error(`Moorage: ${x.name} holds ${count} of ${n} entries`)
    }
    return last - t0
  } finally {
    await stopAll([a, b])
  }
}

/** Runs `f`; its failure becomes the reason a figure is missing. */
async function attempt<T> (f: () => Promise<T>): Promise<T | Error> {
  try { return await f() } catch (err) { return err as Error }
}

export async function benchPeers (opts: { big?: boolean, only?: string[] } = {}): Promise<{ figures: Figure[], extra: Record<string, unknown> }> {
  const runs = (workload: 'a' | 'b' | 'c' | 'd'): boolean => opts.only === undefined || opts.only.includes(workload)
  for (const p of [ORBIT, AUTOMERGE]) ensure(p)
  const figures: Figure[] = []
  const extra: Record<string, Record<string, number | string>> = {}
  const peers = [{ p: ORBIT, goal: 10 }, { p: AUTOMERGE, goal: 3 }]
  const row = (workload: string, unit: string, moorage: number, moorageNote: string, results: Array<number | Error>, lowerIsBetter = true): void => {
    figures.push({ name: `Moorage: ${workload}`, value: moorage, unit, notes: moorageNote })
    extra[workload] = { moorage }
    results.forEach((r, i) => {
      const { p, goal } = peers[i]!
      if (r instanceof Error) {
        figures.push({ name: `${p.name}: ${workload}`, value: Number.NaN, unit, notes: `could not run: ${r.message}` })
        extra[workload]![p.name] = r.message
        return
      }
      const ratio = lowerIsBetter ? r / moorage : moorage / r
      figures.push({ name: `${p.name}: ${workload}`, value: r, unit, ratio, goal: `≥ ${goal}× Moorage`, met: ratio >= goal, notes: ratio >= 1 ? `Moorage ${ratio.toFixed(1)}× better` : `${p.name} ${(1 / ratio).toFixed(1)}× better` })
      extra[workload]![p.name] = r
    })
  }

  if (runs('a')) {
    const n = 1000
    const seqMoorage = await moorageReplication(n)
    row(`(a) ${n} sequential writes on A, all on B`, 'ms', seqMoorage.ms, `each write acknowledged once durable (fsync); writes alone ${Math.round(seqMoorage.writeMs)} ms`,
      [await attempt(async () => await peerSequential(ORBIT, n)), await attempt(async () => await peerSequential(AUTOMERGE, n))])
  }

  if (runs('b')) {
    const conc = 2000
    const concMoorage = await moorageConcurrent(conc)
    row(`(b) 2 concurrent writers, ${conc} writes (${IN_FLIGHT} in flight each), replicated throughput`, 'writes/s', conc / (concMoorage / 1000), `${Math.round(concMoorage)} ms until both hold all ${conc}`,
      [await attempt(async () => conc / (await peerConcurrent(ORBIT, conc) / 1000)), await attempt(async () => conc / (await peerConcurrent(AUTOMERGE, conc) / 1000))], false)
  }

  if (runs('c')) {
    const history = opts.big === true ? 100_000 : 10_000
    const c = await catchUp(history)
    const joinTimeout = opts.big === true ? 1_200_000 : 300_000
    row(`(c) a fresh joiner catching up ${history.toLocaleString('en-US')} writes`, 'ms', c.ms, `snapshot path, to the identical root hash${opts.big === true ? '' : '; 100,000 with --big'}`,
      [await attempt(async () => await peerCatchUp(ORBIT, history, joinTimeout)), await attempt(async () => await peerCatchUp(AUTOMERGE, history, joinTimeout))])
  }

  if (runs('d')) {
    const idle = 1000
    const orbitIdle = 100 // each database is a log, a pubsub topic and LevelDB handles: 1,000 take minutes to open
    const [empty, withIdle] = await rssByContexts([idle])
    const perContext = (withIdle!.rssMb - empty!.rssMb) * 1024 / idle
    row('(d) RSS per idle document / context', 'KB', perContext, `${idle.toLocaleString('en-US')} idle contexts in one node (subscribed, networking on), after GC; ${(withIdle!.rssMb).toFixed(0)} MB in all`,
      [await attempt(async () => await peerIdle(ORBIT, orbitIdle)), await attempt(async () => await peerIdle(AUTOMERGE, idle))])
    figures.at(-2)!.notes += `; ${orbitIdle} databases`
    figures.at(-1)!.notes += `; ${idle.toLocaleString('en-US')} documents`
  }
  return { figures, extra }
}
