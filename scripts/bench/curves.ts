// The `curves` suite: the cost as the work grows, a table and an SVG chart each
// (docs/bench/<name>.svg; the points are in the run's JSON):
//   - commit rate vs value size (16 B … the 1 MiB call-arguments cap, as far as kv-store's
//     gas budget allows), one node, sequential;
//   - catch-up time of a fresh joiner vs history (10³ … 10⁵ deltas; 10⁶ with --big);
//   - propagation vs members (2, 5, 8 processes; 12, 16, 20 with --big).
// RSS vs idle contexts is the memory suite's curve (docs/bench/rss-contexts.svg).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { utf8 } from '../../src/crypto/bytes.ts'
import { silentLogger } from '../../src/log/index.ts'
import { MAX_CALL_ARGS_BYTES } from '../../src/node/constants.ts'
import { defaultConfig } from '../../src/node/config.ts'
import { createNode } from '../../src/node/index.ts'
import { writeChart } from './chart.ts'
import { limits } from './limits.ts'
import { against, percentile, type Figure } from './report.ts'
import { catchUp, propagation } from './sync.ts'

const kvWasm = readFileSync(join(import.meta.dirname, '..', '..', 'apps/kv-store/build/kv-store.wasm'))

/** Sequential durable `set`s of values of `size` bytes: writes/s. */
async function commitRate (size: number, n: number): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'moor-bench-size-'))
  const node = await createNode({ home, config: defaultConfig(home), logger: silentLogger })
  try {
    const app = await node.installApplication({ wasm: kvWasm })
    const ctx = await node.createContext({ applicationId: app.id })
    const value = 'x'.repeat(size)
    const set = async (i: number): Promise<void> => { await node.execute({ contextId: ctx.id, method: 'set', args: utf8(`{"key":"k${i}","value":"${value}"}`) }) }
    for (let i = 0; i < 5; i++) await set(i)
    const t0 = performance.now()
    for (let i = 0; i < n; i++) await set(1000 + i)
    return n / ((performance.now() - t0) / 1000)
  } finally {
    await node.stop()
    rmSync(home, { recursive: true, force: true })
  }
}

export async function benchCurves (opts: { big?: boolean } = {}): Promise<{ figures: Figure[], extra: Record<string, unknown> }> {
  const floor = await limits()
  const figures: Figure[] = []
  const extra: Record<string, unknown> = {}

  // The largest value that fits the call-arguments cap with its key and JSON around it.
  const sizes = [16, 256, 4096, 65_536, 262_144, MAX_CALL_ARGS_BYTES - 64]
  const bySize: Array<[number, number]> = []
  for (const size of sizes) {
    let rate: number
    try {
      rate = await commitRate(size, size >= 65_536 ? 100 : 300)
    } catch (err) {
      // kv-store parses its JSON arguments in WASM under the default gas budget: past some
      // size a `set` runs out of gas. The curve ends there; larger sizes would too.
      figures.push({ name: `commit rate, sequential, value of ${size.toLocaleString('en-US')} B`, value: Number.NaN, unit: 'writes/s', notes: `could not run: ${(err as Error).message}` })
      break
    }
    bySize.push([size, rate])
    figures.push(against({ name: `commit rate, sequential, value of ${size.toLocaleString('en-US')} B`, value: rate, unit: 'writes/s', notes: `${(rate * size / 1024 / 1024).toFixed(1)} MiB/s of values` }, { name: 'raw LMDB durable put, sequential', value: 1000 / floor.lmdbPutMs, unit: 'puts/s' }, true))
  }
  extra.bySize = bySize
  writeChart('commit-rate-value-size', { title: 'Sequential durable writes vs value size (one node)', x: { label: 'value size (bytes)', log: true }, y: { label: 'writes/s' }, series: [{ name: 'kv set through node.execute', points: bySize }] })

  const histories = opts.big === true ? [1_000, 10_000, 100_000, 1_000_000] : [1_000, 10_000, 100_000]
  const byHistory: Array<[number, number]> = []
  for (const h of histories) {
    const c = await catchUp(h)
    byHistory.push([h, c.ms / 1000])
    figures.push(against({ name: `catch-up of a fresh joiner, ${h.toLocaleString('en-US')} deltas`, value: c.ms / 1000, unit: 's', ...(h === 1_000_000 ? { goal: '≤ 60', met: c.ms <= 60_000 } : {}), notes: `history built in ${(c.build / 1000).toFixed(1)} s` }, { name: `${h.toLocaleString('en-US')} raw LMDB puts, batched`, value: h / floor.lmdbBatchedPerSec, unit: 's' }))
  }
  if (opts.big !== true) {
    // Catch-up by snapshot grows about linearly with the history: the last step, times ten.
    const [h, s] = byHistory.at(-1)!
    figures.push({ name: 'catch-up of 1,000,000 deltas, extrapolated', value: s * 1_000_000 / h, unit: 's', goal: '≤ 60', met: s * 1_000_000 / h <= 60, notes: `linear from ${h.toLocaleString('en-US')}; measured with --big` })
  }
  extra.byHistory = byHistory
  writeChart('catch-up-history', { title: 'Catch-up of a fresh joiner vs history', x: { label: 'deltas in the context', log: true }, y: { label: 'seconds', log: true }, series: [{ name: 'snapshot, to the identical root hash', points: byHistory }], goal: { y: 60, label: 'goal at 10⁶: 60 s' } })

  const memberCounts = opts.big === true ? [2, 5, 8, 12, 16, 20] : [2, 5, 8]
  const byMembers: Array<{ members: number, p50: number, p99: number }> = []
  for (const m of memberCounts) {
    const p = await propagation(100, 20, {}, m)
    byMembers.push({ members: m, p50: percentile(p.all, 50), p99: percentile(p.all, 99) })
    const p50 = percentile(p.all, 50)
    const p99 = percentile(p.all, 99)
    // Two processes: the single hop, whose goal is p50 ≤ 2 ms; five: p99 ≤ 10 ms.
    figures.push(against({ name: `propagation to all of ${m} processes, p50${m === 2 ? ' (single hop)' : ''}`, value: p50, unit: 'ms', ...(m === 2 ? { goal: '≤ 2', met: p50 <= 2 } : {}), notes: `over ${p.all.length} commits` }, { name: 'bare gossipsub publish → delivered', value: floor.gossipMs, unit: 'ms' }))
    figures.push(against({ name: `propagation to all of ${m} processes, p99`, value: p99, unit: 'ms', ...(m === 5 ? { goal: '≤ 10', met: p99 <= 10 } : {}) }, { name: 'bare gossipsub p99', value: floor.gossipP99Ms, unit: 'ms' }))
  }
  extra.byMembers = byMembers
  writeChart('propagation-members', { title: 'Propagation, commit on A → applied on all (loopback, 2 cores)', x: { label: 'member processes' }, y: { label: 'ms' }, series: [{ name: 'p50', points: byMembers.map((b) => [b.members, b.p50]) }, { name: 'p99', points: byMembers.map((b) => [b.members, b.p99]) }] })
  return { figures, extra }
}
