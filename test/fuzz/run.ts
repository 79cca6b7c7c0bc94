// Runs one fuzz target for a number of inputs and reports what it saw: the count, the
// time, the slowest input, and every oracle failure grouped by what went wrong (with the
// first input that showed it and the fast-check seed and path that replay it).

import fc from 'fast-check'
import type { FuzzTarget } from './targets.ts'
import { Violation } from './targets.ts'

export interface FuzzOptions {
  runs: number
  seed?: number
  /** An input that takes longer than this is a failure (a decoder must not stall a node). */
  slowMs?: number
  /** Called about once a second with the inputs done. */
  onProgress?: (done: number) => void
  /** Replays one input (fast-check `path`) instead of running `runs`. */
  path?: string
  /** Index of the input under way, for a watchdog in another thread. */
  current?: Int32Array
}

export interface FuzzFailure {
  /** What went wrong (the violation or the error, without the input). */
  what: string
  count: number
  input: string
  path: string
  stack?: string
}

export interface FuzzReport {
  target: string
  decoder: string
  seed: number
  runs: number
  ms: number
  slowestMs: number
  failures: FuzzFailure[]
}

export const SLOW_INPUT_MS = 2_000

export async function runTarget (target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x100000000)) | 0
  const slowMs = options.slowMs ?? SLOW_INPUT_MS
  const ctx = await target.setup()
  options.onProgress?.(0)
  const failures = new Map<string, FuzzFailure>()
  let done = 0
  let slowest = 0
  let lastProgress = performance.now()
  const started = performance.now()
  try {
    const property = fc.property(target.inputs(ctx), (input) => {
      const index = done++
      if (options.current !== undefined) Atomics.store(options.current, 0, index)
      const t0 = performance.now()
      let what: string | undefined
      let stack: string | undefined
      try {
        target.check(ctx, input)
      } catch (err) {
        const e = err instanceof Violation && err.cause instanceof Error ? err.cause : err as Error
        what = err instanceof Violation ? err.message : `the oracle itself threw: ${String(err)}`
        stack = e?.stack?.split('\n').filter((l) => !l.includes('node_modules/fast-check') && !l.includes('/test/fuzz/run.ts')).join('\n')
      }
      const t = performance.now() - t0
      if (t > slowest) slowest = t
      if (what === undefined && t > slowMs) what = `took ${Math.round(t)} ms (over ${slowMs} ms)`
      if (what !== undefined) {
        // One kind per error class and place in src/ (numbers and ids in messages vary).
        const key = `${what.replace(/: .*$/, '').replace(/\d+/g, 'N').slice(0, 120)} @ ${firstSourceFrame(stack)}`
        const seen = failures.get(key)
        if (seen !== undefined) seen.count++
        else failures.set(key, { what, count: 1, input: target.show(input).slice(0, 4000), path: String(index), ...(stack !== undefined ? { stack: stack.split('\n').slice(0, 8).join('\n') } : {}) })
      }
      if (options.onProgress !== undefined && t0 - lastProgress > 1000) {
        lastProgress = t0
        options.onProgress(done)
      }
      return true
    })
    // A replay is the one input at `path`: fast-check would otherwise go on from there for `runs` more.
    fc.assert(property, { seed, ...(options.path !== undefined ? { path: options.path, numRuns: 1 } : { numRuns: options.runs }) })
  } finally {
    await target.teardown?.(ctx)
  }
  return { target: target.name, decoder: target.decoder, seed, runs: done, ms: performance.now() - started, slowestMs: slowest, failures: [...failures.values()] }
}

function firstSourceFrame (stack: string | undefined): string {
  return stack?.split('\n').find((l) => l.includes('/src/'))?.trim().replace(/^at /, '').replace(/:\d+\)?$/, '') ?? 'no frame in src/'
}

export function formatFailure (f: FuzzFailure, report: Pick<FuzzReport, 'target' | 'seed'>): string {
  return [
    `  ${f.count} × ${f.what}`,
    `    first input: ${f.input}`,
    `    replay: node scripts/fuzz.ts --seed ${report.seed} --path ${f.path} ${report.target}`,
    ...(f.stack !== undefined ? [f.stack.split('\n').map((l) => '      ' + l.trim()).join('\n')] : [])
  ].join('\n')
}
