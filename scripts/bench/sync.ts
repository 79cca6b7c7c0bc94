// Sync figures (DESIGN.md §4), every node its own OS process on loopback, driven through
// test/fixtures/node-process.ts:
//   - propagation: commit on A → applied (durably) on all of 5 nodes, p50 / p99;
//   - catch-up: a fresh joiner of a context with 100,000 deltas, to the identical root hash;
//   - RSS of one node with 1,000 idle contexts (after a GC, networking on);
//   - a peer system (OrbitDB 4, scripts/bench/orbitdb/) replicating the same N writes
//     between two nodes, against Moorage doing the same: the ratio of the times.
// Every process timestamps with performance.timeOrigin + performance.now(): one wall
// clock, as all run on this machine.
import { existsSync, readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { converged, fullMesh, NodeProcess, sharedContext, until, type NodeEvent, type StartOptions } from '../../test/helpers/node-process.ts'
import { limits } from './limits.ts'
import { against, type Figure } from './report.ts'

const ORBIT_DIR = join(import.meta.dirname, 'orbitdb')
const now = (): number => performance.timeOrigin + performance.now()

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

async function stopAll (nodes: NodeProcess[]): Promise<void> {
  await Promise.all(nodes.map(async (n) => { await n.cleanup() }))
}

/** Waits for `deltaId`'s 'received' event on each of `nodes`; resolves with their times. */
function arrivals (nodes: NodeProcess[], deltaId: string, ms = 10_000): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const got = new Map<NodeProcess, number>()
    const check = (): boolean => {
      if (got.size < nodes.length) return false
      for (const n of nodes) n.onEvent = undefined
      clearTimeout(timer)
      resolve(nodes.map((n) => got.get(n)!))
      return true
    }
    for (const n of nodes) {
      const seen = n.events.find((e) => e.deltaId === deltaId && e.kind === 'received')
      if (seen !== undefined) got.set(n, seen.t)
      n.onEvent = (e: NodeEvent) => { if (e.deltaId === deltaId && e.kind === 'received') { got.set(n, e.t); check() } }
    }
    const timer = setTimeout(() => { reject(new Error(`delta ${deltaId} reached ${got.size} of ${nodes.length} nodes in ${ms} ms`)) }, ms)
    check()
  })
}

/** p50 / p99 of commit on A → applied on all of `members` node processes (5 by default, started with `start`'s options). */
export async function propagation (samples = 400, warmup = 40, start: Omit<StartOptions, 'name'> = {}, members = 5): Promise<{ all: number[], each: number[], nodes: number }> {
  const names = Array.from({ length: members }, (_, i) => i < 26 ? String.fromCharCode(97 + i) : `n${i}`)
  // Four start at a time: a dozen processes loading at once on two cores outrun the start timeout.
  const nodes: NodeProcess[] = []
  for (let i = 0; i < names.length; i += 4) nodes.push(...await Promise.all(names.slice(i, i + 4).map(async (name) => await NodeProcess.start({ name, logLevel: 'warn', ...start }))))
  try {
    const [a, ...others] = nodes as [NodeProcess, ...NodeProcess[]]
    const { ctx } = await sharedContext(a, others)
    await fullMesh(nodes)
    for (const n of nodes) await n.call('watch', { ctx })
    await until(`every node to see the ${members - 1} others on the topic`, async () =>
      (await Promise.all(nodes.map(async (n) => (await n.call('topicPeers', { ctx })).length))).every((k) => k === members - 1), 30_000)
    // Warm-up (JIT, module cache, the first delta of the context, which a peer may take
    // by snapshot rather than by gossip): its own writes, then converge.
    await a.call('setMany', { ctx, prefix: 'warm', n: warmup })
    await converged(nodes, ctx)
    for (const n of nodes) n.events.length = 0
    const all: number[] = []
    const each: number[] = []
    for (let i = 0; i < samples; i++) {
      const { deltaId } = await a.call('set', { ctx, key: `p${i % 50}`, value: `v${i}` })
      const times = await arrivals(others, deltaId)
      const committed = a.events.find((e) => e.deltaId === deltaId && e.kind === 'applied')!.t
      all.push(Math.max(...times) - committed)
      each.push(...times.map((t) => t - committed))
      for (const n of nodes) n.events.length = 0
      // A short, irregular pause: samples are not phase-locked to heartbeats or flushes.
      await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 8))
    }
    await converged(nodes, ctx)
    return { all: all.sort((x, y) => x - y), each: each.sort((x, y) => x - y), nodes: nodes.length }
  } finally {
    await stopAll(nodes)
  }
}

/** A fresh joiner of a context of `deltas` deltas, up to the identical root hash. */
export async function catchUp (deltas = 100_000): Promise<{ ms: number, build: number, timing: Record<string, { first: number, last: number, done: number, total: number | null }>, rootHash: string }> {
  const [a, b] = await Promise.all(['a', 'b'].map(async (name) => await NodeProcess.start({ name, logLevel: 'warn' })))
  try {
    const ctx = (await a!.call('create', { app: 'kv-store' })).id
    // Building 10⁶ deltas takes longer than 10 minutes on a loaded 2-core machine.
    const built = await a!.call('buildHistory', { ctx, n: deltas }, Math.max(600_000, deltas * 3))
    if (built.deltaCount !== deltas) throw new Error(`history has ${built.deltaCount} deltas, not ${deltas}`)
    const identity = await b!.call('identity')
    const invitation = await a!.call('invite', { ctx, identity })
    const t0 = now()
    const joined = await b!.call('join', { invitation }, Math.max(600_000, deltas * 3))
    const ms = now() - t0
    const [ra, rb] = await Promise.all([a!.call('ctx', { ctx }), b!.call('ctx', { ctx })])
    if (ra.rootHash !== rb.rootHash || rb.deltaCount !== deltas) throw new Error(`the joiner has root ${rb.rootHash} and ${rb.deltaCount} deltas; the creator ${ra.rootHash}`)
    if (!joined.phases.includes('snapshot')) throw new Error(`the joiner did not use a snapshot: ${joined.phases.join(', ')}`)
    return { ms, build: built.ms, timing: joined.timing, rootHash: rb.rootHash }
  } finally {
    await stopAll([a!, b!])
  }
}

/**
 * RSS of one node process with `count` idle contexts, after a GC, networking on: once
 * right after creating them (each is subscribed to its topic and holds its first group
 * key by then), and once more in the steady state after a restart of the node (every
 * context loaded from the store, as on any long-running node). Both after key duties and
 * a few heartbeat rounds. `nodeArgs` are V8 flags for the node process.
 */
export async function idleContexts (count = 1000, nodeArgs: string[] = []): Promise<{ created: number, restarted: number, baseline: number, heapUsed: number, heapTotal: number, newSpace: number, cpu: number }> {
  const args = ['--expose-gc', ...nodeArgs]
  let n = await NodeProcess.start({ name: 'idle', logLevel: 'warn', nodeArgs: args })
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const baseline = (await n.call('memory')).rss
    await n.call('createMany', { app: 'kv-store', n: count }, 600_000)
    await new Promise((resolve) => setTimeout(resolve, 5_000))
    const created = (await n.call('memory')).rss
    await n.stop()
    n = await n.restart({ logLevel: 'warn', nodeArgs: args })
    if (await n.call('contexts') !== count) throw new Error('contexts missing after the restart')
    await new Promise((resolve) => setTimeout(resolve, 5_000))
    const cpu = await n.call('cpu', { ms: 3_000 })
    const m = await n.call('memory')
    if (!m.gc) throw new Error('the node process has no gc()')
    return { created, restarted: m.rss, baseline, heapUsed: m.heapUsed, heapTotal: m.heapTotal, newSpace: m.spaces.new_space.size, cpu }
  } finally {
    await n.cleanup()
  }
}

/** Moorage: N sequential writes on A until all are applied on B (two processes). */
export async function moorageReplication (n: number): Promise<{ ms: number, writeMs: number }> {
  const [a, b] = await Promise.all(['a', 'b'].map(async (name) => await NodeProcess.start({ name, logLevel: 'warn' })))
  try {
    const { ctx } = await sharedContext(a!, [b!])
    await b!.call('watch', { ctx })
    await until('a and b meshed', async () => (await a!.call('topicPeers', { ctx })).includes(b!.peerId))
    let received = 0
    const done = new Promise<number>((resolve) => {
      b!.onEvent = (e) => { if (e.kind === 'received' && ++received === n) resolve(e.t) }
    })
    const t0 = now()
    await a!.call('setMany', { ctx, prefix: 'k', n, concurrency: 1 }, 600_000)
    const writeMs = now() - t0
    const last = await done
    await converged([a!, b!], ctx)
    return { ms: last - t0, writeMs }
  } finally {
    await stopAll([a!, b!])
  }
}

function ensureOrbit (): void {
  if (existsSync(join(ORBIT_DIR, 'node_modules', '@orbitdb', 'core'))) return
  console.error('installing OrbitDB 4 for the peer comparison (scripts/bench/orbitdb, first run only)…')
  execFileSync('npm', ['install', '--prefix', ORBIT_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' })
}

/** OrbitDB 4: N sequential puts on A's keyvalue store until all replicated into B (two processes). */
export async function orbitReplication (n: number): Promise<{ ms: number, writeMs: number }> {
  ensureOrbit()
  const script = join(ORBIT_DIR, 'orbit-node.mjs')
  const [a, b] = await Promise.all(['orbit-a', 'orbit-b'].map(async (name) => await NodeProcess.spawn(name, [script, '{dir}', name])))
  try {
    const address = await a!.call('open')
    await b!.call('dial', { addr: a!.addresses[0] })
    await b!.call('open', { address })
    await until('a and b subscribed to the database topic', async () => (await a!.call('subscribers')).includes(b!.peerId), 20_000)
    const reached = b!.call('waitUpdates', { n }, 600_000)
    const { t0, t1 } = await a!.call('putMany', { n, prefix: 'k' }, 600_000)
    const last = await reached
    const count = await b!.call('count')
    if (count !== n) throw new Error(`OrbitDB replicated ${count} of ${n} entries`)
    return { ms: last - t0, writeMs: t1 - t0 }
  } finally {
    await stopAll([a!, b!])
  }
}

export async function benchSync (opts: { big?: boolean } = {}): Promise<{ figures: Figure[], extra: Record<string, unknown> }> {
  const figures: Figure[] = []
  const floor = await limits()
  const gossipFloor = { name: 'bare gossipsub publish → delivered', value: floor.gossipMs, unit: 'ms' }
  // Timings on a shared 2-core machine move with its load: recorded with the figures.
  const extra: Record<string, unknown> = { loadBefore: loadavg() }

  const p = await propagation()
  const p50 = percentile(p.all, 50)
  const p99 = percentile(p.all, 99)
  const note = `${p.all.length} commits on A, applied on all 4 others; single hop p50 ${percentile(p.each, 50).toFixed(2)} ms`
  const hop = percentile(p.each, 50)
  figures.push(against({ name: 'single hop p50 (commit on A → applied durably on one peer)', value: hop, unit: 'ms', goal: '≤ 2', met: hop <= 2 }, gossipFloor))
  figures.push(against({ name: 'propagation p50, 5 node processes (commit on A → applied on all)', value: p50, unit: 'ms', goal: '≤ 10', met: p50 <= 10, notes: note }, gossipFloor))
  figures.push(against({ name: 'propagation p99, 5 node processes (commit on A → applied on all)', value: p99, unit: 'ms', goal: '≤ 10', met: p99 <= 10, notes: `max ${p.all.at(-1)!.toFixed(2)} ms` }, { name: 'bare gossipsub p99', value: floor.gossipP99Ms, unit: 'ms' }))
  extra.propagation = { samples: p.all.length, p50, p90: percentile(p.all, 90), p99, max: p.all.at(-1), singleHopP50: percentile(p.each, 50), singleHopP99: percentile(p.each, 99) }

  const history = opts.big === true ? 100_000 : 10_000
  const c = await catchUp(history)
  const phases = Object.entries(c.timing).map(([k, v]) => `${k} ${Math.round(v.first)}–${Math.round(v.last)} ms`).join(', ')
  // Floor: writing the history's deltas as raw LMDB puts, batched.
  figures.push(against({ name: `catch-up of a fresh joiner, ${history.toLocaleString('en-US')} deltas (to identical root hash)`, value: c.ms / 1000, unit: 's', notes: `snapshot path; ${phases}; history built in ${(c.build / 1000).toFixed(1)} s${opts.big === true ? '' : '; 100,000 with --big'}` }, { name: `${history.toLocaleString('en-US')} raw LMDB puts, batched`, value: history / floor.lmdbBatchedPerSec, unit: 's' }))
  extra.catchUp = c

  const MB = 1024 * 1024
  // As `moor node` runs (bin/moor.js adds bin/node-flags.json: a capped young generation),
  // and without those flags for comparison.
  const nodeFlags = JSON.parse(readFileSync(new URL('../../bin/node-flags.json', import.meta.url), 'utf8')) as string[]
  const m = await idleContexts(1000, nodeFlags)
  const capped = await idleContexts(1000, [])
  const worst = Math.max(m.created, m.restarted)
  figures.push({
    name: 'RSS of one node with 1,000 idle contexts (after GC, networking on)',
    value: worst / MB,
    unit: 'MB',
    goal: '≤ 200',
    met: worst / MB <= 200,
    notes: `after creating them ${(m.created / MB).toFixed(0)} MB, after a restart ${(m.restarted / MB).toFixed(0)} MB; empty node ${(m.baseline / MB).toFixed(0)} MB; V8 heap ${(m.heapUsed / MB).toFixed(0)} MB used of ${(m.heapTotal / MB).toFixed(0)} MB (young generation ${(m.newSpace / MB).toFixed(0)} MB); idle CPU ${(m.cpu * 100).toFixed(1)}% of a core; node flags ${nodeFlags.join(' ')}; without them: ${(Math.max(capped.created, capped.restarted) / MB).toFixed(0)} MB`
  })
  extra.idle = { withNodeFlags: m, withoutFlags: capped }

  const n = 1000
  const mo = await moorageReplication(n)
  figures.push(against({ name: `Moorage: ${n} sequential writes on A, all applied on B`, value: mo.ms, unit: 'ms', notes: `${Math.round(n / (mo.ms / 1000))} writes/s replicated; writes alone ${Math.round(mo.writeMs)} ms` }, { name: `${n} raw LMDB durable puts, sequential`, value: n * floor.lmdbPutMs, unit: 'ms' }))
  try {
    const or = await orbitReplication(n)
    const ratio = or.ms / mo.ms
    figures.push({ name: `OrbitDB 4: ${n} sequential puts on A, all replicated into B`, value: or.ms, unit: 'ms', notes: `${Math.round(n / (or.ms / 1000))} writes/s replicated; puts alone ${Math.round(or.writeMs)} ms` })
    figures.push({ name: 'peer ratio: OrbitDB time / Moorage time (same N writes, 2 processes)', value: ratio, unit: '×', notes: ratio >= 1 ? `Moorage ${ratio.toFixed(1)}× faster` : `OrbitDB ${(1 / ratio).toFixed(1)}× faster` })
    extra.peer = { n, moorage: mo, orbitdb: or, ratio }
  } catch (err) {
    figures.push({ name: 'peer ratio: OrbitDB 4', value: Number.NaN, unit: '', notes: `OrbitDB could not run: ${(err as Error).message}` })
    extra.peer = { n, moorage: mo, orbitdbError: (err as Error).message }
  }
  extra.loadAfter = loadavg()
  return { figures, extra }
}
