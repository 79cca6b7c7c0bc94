// The memory floor: RSS of one node process, after a full GC, networking on.
//   - an empty node (no context), as `moor node` runs it (bin/node-flags.json and the
//     stripped-sources cache of bin/ts-cache.js), and without that cache (Node strips the
//     TypeScript sources itself, as before);
//   - the same node as idle contexts are added: 0, 10, 100, 1,000 (and 10,000 with --big),
//     created in one process one step after the other, each measured once its contexts
//     are subscribed and a few heartbeats have passed (the curve: docs/bench/rss-contexts.svg).
// The floor beside them is a bare Node process (no module loaded), measured the same way.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NodeProcess } from '../../test/helpers/node-process.ts'
import { writeChart } from './chart.ts'
import type { Figure } from './report.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const MB = 1024 * 1024
const NODE_FLAGS = JSON.parse(readFileSync(join(ROOT, 'bin', 'node-flags.json'), 'utf8')) as string[]
/** How `moor node` runs: its V8 flags and the stripped-sources cache. */
export const AS_MOOR_NODE = ['--expose-gc', ...NODE_FLAGS, '--import', join(ROOT, 'bin', 'ts-cache.js')]
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** RSS of a Node process that loads nothing, after a GC (MB). */
async function bareNode (): Promise<number> {
  const child = spawn(process.execPath, ['--expose-gc', ...NODE_FLAGS, '-e', 'gc(); setTimeout(() => { gc(); console.log(process.memoryUsage().rss) }, 500)'], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  await new Promise((resolve) => child.on('exit', resolve))
  return Number(out.trim()) / MB
}

/**
 * Starts a node once as `moor node` does, so that the stripped-sources cache holds every
 * source it loads: a source changed since the last start is stripped by Node's stripper,
 * whose memory that process then keeps (about 30 MB), as after any upgrade's first start.
 */
async function warmCache (): Promise<void> {
  const n = await NodeProcess.start({ name: 'warm', logLevel: 'warn', nodeArgs: AS_MOOR_NODE })
  await n.cleanup()
}

/** RSS (MB) of an empty node, started with `nodeArgs`. */
async function emptyNode (nodeArgs: string[]): Promise<number> {
  const n = await NodeProcess.start({ name: 'empty', logLevel: 'warn', nodeArgs })
  try {
    await sleep(3_000)
    return (await n.call('memory')).rss / MB
  } finally {
    await n.cleanup()
  }
}

/** RSS (MB) of one node as its idle contexts grow through `steps` (cumulative counts). */
export async function rssByContexts (steps: number[]): Promise<Array<{ contexts: number, rssMb: number, heapUsedMb: number, createMs: number }>> {
  await warmCache()
  const n = await NodeProcess.start({ name: 'idle', logLevel: 'warn', nodeArgs: AS_MOOR_NODE })
  const out: Array<{ contexts: number, rssMb: number, heapUsedMb: number, createMs: number }> = []
  try {
    let have = 0
    for (const count of [0, ...steps]) {
      const t0 = performance.now()
      if (count > have) await n.call('createMany', { app: 'kv-store', n: count - have }, 1_800_000)
      const createMs = performance.now() - t0
      have = count
      // Key duties and a few heartbeat rounds.
      await sleep(3_000)
      const m = await n.call('memory')
      out.push({ contexts: count, rssMb: m.rss / MB, heapUsedMb: m.heapUsed / MB, createMs })
    }
    return out
  } finally {
    await n.cleanup()
  }
}

export async function benchMemory (opts: { big?: boolean } = {}): Promise<{ figures: Figure[], extra: Record<string, unknown> }> {
  const bare = await bareNode()
  const floor = { name: 'bare Node process', value: bare, unit: 'MB' }
  const before = await emptyNode(['--expose-gc', ...NODE_FLAGS])
  await warmCache()
  const after = await emptyNode(AS_MOOR_NODE)
  const figures: Figure[] = [
    { name: 'RSS of an empty node, sources stripped by Node at start (before)', value: before, unit: 'MB', limit: floor, ratio: before / bare },
    { name: 'RSS of an empty node as `moor node` runs it (stripped-sources cache)', value: after, unit: 'MB', limit: floor, ratio: after / bare, notes: `${(before - after).toFixed(0)} MB less than before` }
  ]
  const steps = opts.big === true ? [10, 100, 1_000, 10_000] : [10, 100, 1_000]
  const [empty, ...curve] = await rssByContexts(steps)
  for (const p of curve) {
    // Over the same process with no context (measured the same way, a moment before).
    const perContextKb = (p.rssMb - empty!.rssMb) * 1024 / p.contexts
    figures.push({
      name: `RSS of one node with ${p.contexts.toLocaleString('en-US')} idle contexts (after GC, networking on)`,
      value: p.rssMb,
      unit: 'MB',
      limit: floor,
      ratio: p.rssMb / bare,
      ...(p.contexts === 10_000 ? { goal: '≤ 250', met: p.rssMb <= 250 } : {}),
      notes: `${perContextKb.toFixed(1)} KB per context over the empty node; V8 heap used ${p.heapUsedMb.toFixed(0)} MB; created in ${(p.createMs / 1000).toFixed(1)} s`
    })
  }
  if (opts.big !== true) {
    const last = curve.at(-1)!
    const guess = empty!.rssMb + (last.rssMb - empty!.rssMb) * 10_000 / last.contexts
    figures.push({ name: 'RSS with 10,000 idle contexts, extrapolated', value: guess, unit: 'MB', goal: '≤ 250', met: guess <= 250, notes: `linear from ${last.contexts.toLocaleString('en-US')}; measured with --big` })
  }
  const chart = writeChart('rss-contexts', {
    title: 'RSS of one node vs idle contexts (after GC)',
    x: { label: 'idle contexts', log: true },
    y: { label: 'RSS (MB)' },
    series: [{ name: 'moorage node', points: curve.map((p) => [p.contexts, p.rssMb]) }],
    goal: { y: 250, label: 'goal at 10,000: 250 MB' }
  })
  return { figures, extra: { bareMb: bare, emptyBeforeMb: before, emptyAfterMb: after, curve: [empty, ...curve], chart } }
}
