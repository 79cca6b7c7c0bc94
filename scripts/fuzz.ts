// Long fuzz runs of every decoder of peer and user input (the targets in test/fuzz/targets.ts).
//
//   node scripts/fuzz.ts [--runs N] [--seed S] [--path P] [--hang-ms MS] [target ...]
//   npm run fuzz -- --runs 100000 delta envelope
//
// Defaults: every target, 1,000,000 inputs each, a random seed (printed). Each target runs
// in a worker thread watched from here: a worker that reports no progress for --hang-ms
// (default 120 s: a run under `nice` on a busy machine can be starved for tens of
// seconds) is a hang, reported with the path of the input it was on. --seed S --path P replays one input.
// Prints per target: inputs, time, slowest input, and each kind of failure with its first
// input and replay command. Exits 1 on any failure or hang.

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { formatFailure, runTarget } from '../test/fuzz/run.ts'
import type { FuzzReport } from '../test/fuzz/run.ts'
import { TARGETS } from '../test/fuzz/targets.ts'

/** Kinds of failure printed per target, most frequent first. */
const MAX_KINDS_SHOWN = 12

interface Job { target: string, runs: number, seed: number, path?: string, current: SharedArrayBuffer }
type Message = { type: 'progress', done: number } | { type: 'done', report: FuzzReport } | { type: 'error', error: string }

if (!isMainThread) {
  const job = workerData as Job
  const target = TARGETS.find((t) => t.name === job.target)!
  try {
    const report = await runTarget(target, {
      runs: job.runs,
      seed: job.seed,
      current: new Int32Array(job.current),
      onProgress: (done) => { parentPort!.postMessage({ type: 'progress', done } satisfies Message) },
      ...(job.path !== undefined ? { path: job.path } : {})
    })
    parentPort!.postMessage({ type: 'done', report } satisfies Message)
  } catch (err) {
    parentPort!.postMessage({ type: 'error', error: (err as Error).stack ?? String(err) } satisfies Message)
  }
} else {
  await main()
}

async function main (): Promise<void> {
  const args = process.argv.slice(2)
  const option = (name: string): string | undefined => {
    const i = args.indexOf(name)
    if (i < 0) return undefined
    const value = args[i + 1]
    if (value === undefined) usage(`${name} needs a value`)
    args.splice(i, 2)
    return value
  }
  const runs = Number(option('--runs') ?? 1_000_000)
  const seed = Number(option('--seed') ?? (Date.now() % 2 ** 31))
  const path = option('--path')
  const hangMs = Number(option('--hang-ms') ?? 120_000)
  if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed) || !(hangMs > 0)) usage('--runs, --seed and --hang-ms take positive integers')
  const unknown = args.filter((a) => !TARGETS.some((t) => t.name === a))
  if (unknown.length > 0) usage(`unknown target ${unknown.join(', ')}`)
  const chosen = args.length === 0 ? TARGETS : TARGETS.filter((t) => args.includes(t.name))

  console.log(`fuzzing ${chosen.length} targets, ${path !== undefined ? `input ${path} of` : `${runs.toLocaleString('en')} inputs each,`} seed ${seed}`)
  let failed = false
  const rows: string[] = []
  for (const target of chosen) {
    const outcome = await runInWorker({ target: target.name, runs, seed, current: new SharedArrayBuffer(4), ...(path !== undefined ? { path } : {}) }, hangMs)
    if ('hang' in outcome) {
      failed = true
      console.log(`${target.name}: HANG: no progress for ${hangMs} ms on input ${outcome.hang}`)
      console.log(`  replay: node scripts/fuzz.ts --seed ${seed} --path ${outcome.hang} ${target.name}`)
      rows.push(`| ${target.name} | ${outcome.done.toLocaleString('en')} | – | – | hang at input ${outcome.hang} |`)
      continue
    }
    if ('error' in outcome) {
      failed = true
      console.log(`${target.name}: the run itself failed\n${outcome.error}`)
      rows.push(`| ${target.name} | – | – | – | run failed |`)
      continue
    }
    const r = outcome.report
    const crashes = r.failures.reduce((n, f) => n + f.count, 0)
    if (crashes > 0) failed = true
    console.log(`${r.target}: ${r.runs.toLocaleString('en')} inputs in ${(r.ms / 1000).toFixed(1)} s (${Math.round(r.runs / (r.ms / 1000)).toLocaleString('en')}/s), slowest ${r.slowestMs.toFixed(1)} ms, ${crashes} failures`)
    const shown = [...r.failures].sort((a, b) => b.count - a.count).slice(0, MAX_KINDS_SHOWN)
    for (const f of shown) console.log(formatFailure(f, r))
    if (r.failures.length > shown.length) console.log(`  … and ${r.failures.length - shown.length} more kinds`)
    rows.push(`| ${r.target} | ${r.runs.toLocaleString('en')} | ${(r.ms / 1000).toFixed(0)} s | ${r.slowestMs.toFixed(1)} ms | ${crashes === 0 ? '0' : `${crashes} (${r.failures.length} kinds)`} |`)
  }
  console.log('\n| target | inputs | time | slowest input | failures |\n| --- | --- | --- | --- | --- |\n' + rows.join('\n'))
  process.exitCode = failed ? 1 : 0
}

async function runInWorker (job: Job, hangMs: number): Promise<{ report: FuzzReport } | { error: string } | { hang: number, done: number }> {
  const worker = new Worker(new URL(import.meta.url), { workerData: job })
  const current = new Int32Array(job.current)
  return await new Promise((resolve) => {
    let done = 0
    let last = Date.now()
    const watchdog = setInterval(() => {
      if (Date.now() - last < hangMs) return
      clearInterval(watchdog)
      const hang = Atomics.load(current, 0)
      void worker.terminate().finally(() => { resolve({ hang, done }) })
    }, 1000)
    worker.on('message', (m: Message) => {
      last = Date.now()
      if (m.type === 'progress') {
        done = m.done
        process.stderr.write(`\r${job.target}: ${m.done.toLocaleString('en')} inputs`)
        return
      }
      clearInterval(watchdog)
      process.stderr.write('\r\x1b[K')
      void worker.terminate()
      resolve(m.type === 'done' ? { report: m.report } : { error: m.error })
    })
    worker.on('error', (err) => {
      clearInterval(watchdog)
      resolve({ error: err.stack ?? String(err) })
    })
  })
}

function usage (why: string): never {
  console.error(`${why}\nusage: node scripts/fuzz.ts [--runs N] [--seed S] [--path P] [--hang-ms MS] [target ...]\ntargets: ${TARGETS.map((t) => t.name).join(', ')}`)
  process.exit(2)
}
