// The write path with peers: the same sequential writes on A with 0, 1 and 4 member nodes
// subscribed to the context's topic (every node its own process). A write is acknowledged
// once durable; publishing to the peers runs beside it and must not slow it down. Each
// process's CPU time per write is recorded too: on a machine with fewer cores than
// processes, the peers' work (receiving, checking, applying, fsync) competes with A's.
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { converged, fullMesh, NodeProcess, sharedContext, until } from '../../test/helpers/node-process.ts'
import { limits } from './limits.ts'
import { against, type Figure } from './report.ts'

/** CPU time (user + system, all threads) a process has used, in ms (Linux /proc; NaN elsewhere). */
function cpuMs (pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(f[11]) + Number(f[12])) * 10
  } catch { return Number.NaN }
}

/**
 * `n` sequential writes on A with `peers` member nodes on the topic: ms per write, and each
 * process's CPU ms per write. With `profile` (a path ending in `.cpuprofile`), the CPU
 * profiles of the measured writes on A and on its first peer are written there (the peer's
 * with `-peer` before the extension): open them in Chrome's DevTools or summarise them
 * with `node scripts/bench/profile.ts`.
 */
export async function writesWithPeers (peers: number, n: number, profile?: string): Promise<{ perWrite: number, cpu: number[] }> {
  const nodes = await Promise.all(Array.from({ length: peers + 1 }, async (_, i) => await NodeProcess.start({ name: `w${i}`, logLevel: 'warn' })))
  try {
    const [a, ...others] = nodes as [NodeProcess, ...NodeProcess[]]
    const { ctx } = await sharedContext(a, others)
    await fullMesh(nodes)
    if (peers > 0) await until(`A to see ${peers} peers on the topic`, async () => (await a.call('topicPeers', { ctx })).length === peers, 20_000)
    await a.call('setMany', { ctx, prefix: 'warm', n: 100, concurrency: 1 })
    if (peers > 0) await converged(nodes, ctx)
    const c0 = nodes.map((x) => cpuMs(x.child.pid!))
    const profiled = others.length > 0 ? [a, others[0]!] : [a]
    if (profile !== undefined) for (const x of profiled) await x.call('profileStart')
    const t0 = performance.now()
    await a.call('setMany', { ctx, prefix: 'k', n, concurrency: 1 }, 600_000)
    const ms = performance.now() - t0
    const cpu = nodes.map((x, i) => (cpuMs(x.child.pid!) - c0[i]!) / n)
    if (profile !== undefined) {
      for (const [i, x] of profiled.entries()) await x.call('profileStop', { path: i === 0 ? profile : profile.replace(/\.cpuprofile$/, '-peer.cpuprofile') })
    }
    if (peers > 0) await converged(nodes, ctx, 60_000)
    return { perWrite: ms / n, cpu }
  } finally {
    await Promise.all(nodes.map(async (x) => { await x.cleanup() }))
  }
}

export async function benchWrites (n = 1000): Promise<{ figures: Figure[], extra: Record<string, unknown> }> {
  const floor = await limits()
  const extra: Record<string, unknown> = { loadBefore: loadavg() }
  const runs = new Map<number, { perWrite: number, cpu: number[] }>()
  for (const p of [0, 1, 4]) runs.set(p, await writesWithPeers(p, n))
  const alone = runs.get(0)!
  const figures: Figure[] = []
  for (const [p, r] of runs) {
    const cpu = `CPU per write: A ${r.cpu[0]!.toFixed(2)} ms` + (p > 0 ? `, each peer ${(r.cpu.slice(1).reduce((x, y) => x + y, 0) / p).toFixed(2)} ms` : '')
    figures.push(against({ name: `sequential write on A, ${p} peer${p === 1 ? '' : 's'} subscribed (ms per write)`, value: r.perWrite, unit: 'ms', notes: cpu }, { name: 'raw LMDB durable put', value: floor.lmdbPutMs, unit: 'ms' }))
  }
  for (const p of [1, 4]) {
    const ratio = runs.get(p)!.perWrite / alone.perWrite
    figures.push({ name: `write with ${p} peer${p === 1 ? '' : 's'} / write alone`, value: ratio, unit: '×', ...(p === 4 ? { goal: '≤ 1.5', met: ratio <= 1.5 } : {}) })
  }
  extra.runs = Object.fromEntries(runs)
  extra.loadAfter = loadavg()
  return { figures, extra }
}

// node scripts/bench/writepath.ts [n] [profile dir]: each peer count once, A's profiles into the dir.
if (import.meta.main) {
  const dir = process.argv[3]
  for (const p of [0, 1, 4]) console.log(p, await writesWithPeers(p, Number(process.argv[2] ?? 500), dir === undefined ? undefined : `${dir}/writer-${p}-peers.cpuprofile`))
}
