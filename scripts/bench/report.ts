// Benchmark output: one JSON document per suite and run (bench-results/<time>-<suite>.json,
// and bench-results/<suite>.json for the latest), stdout, and a table. A figure carries
// the floor measured in the same run (`limit`) and the ratio figure/floor, the headline:
// absolute numbers move with the machine's load, ratios much less.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const RESULTS = join(import.meta.dirname, '..', '..', 'bench-results')

export interface Figure {
  name: string
  value: number
  unit: string
  /** The floor this figure is measured against, from the same run (see limits.ts). */
  limit?: { name: string, value: number, unit: string }
  /** value / limit in like units (× the floor; for rates, floor / value). */
  ratio?: number
  /** The brief's goal, as text ("≥ 20000"), and whether it was met. */
  goal?: string
  met?: boolean
  notes?: string
}

export function report (suite: string, figures: Figure[], extra: Record<string, unknown> = {}): string {
  const at = new Date().toISOString()
  const doc = { suite, at, node: process.version, cpus: (globalThis as any).navigator?.hardwareConcurrency ?? null, figures, ...extra }
  mkdirSync(RESULTS, { recursive: true })
  const text = JSON.stringify(doc, null, 2) + '\n'
  const file = join(RESULTS, `${at.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}-${suite}.json`)
  writeFileSync(file, text)
  writeFileSync(join(RESULTS, `${suite}.json`), text)
  console.log(JSON.stringify(doc))
  console.log(`\n${suite} → ${file}`)
  console.log(table(figures))
  return file
}

export function table (figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    fmt(f.value) + ' ' + f.unit,
    f.limit === undefined ? '' : `${fmt(f.limit.value)} ${f.limit.unit} (${f.limit.name})`,
    f.ratio === undefined ? '' : `${fmt(f.ratio)}×`,
    f.goal ?? '',
    f.met === undefined ? '' : f.met ? 'yes' : 'NO',
    f.notes ?? ''
  ])
  return grid(['figure', 'measured', 'limit (same run)', '× limit', 'goal', 'met', 'notes'], rows)
}

function grid (head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: string[]): string => '| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |'
  return '\n' + line(head) + '\n' + line(widths.map((w) => '-'.repeat(w))) + '\n' + rows.map(line).join('\n') + '\n'
}

export function fmt (n: number): string {
  if (!Number.isFinite(n)) return String(n)
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)
}

/** The `p`th percentile of `xs` (nearest rank, from below; `xs` need not be sorted). */
export function percentile (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

/** A figure against its floor: `value` and `limit` in the same unit; for rates (higher is better) the ratio is limit / value. */
export function against (f: Omit<Figure, 'limit' | 'ratio'>, limit: { name: string, value: number, unit: string }, higherIsBetter = false): Figure {
  return { ...f, limit, ratio: higherIsBetter ? limit.value / f.value : f.value / limit.value }
}

/** `npm run bench -- compare <a.json> <b.json>`: each figure of two runs of a suite, and the change. */
export function compare (fileA: string, fileB: string): void {
  const load = (f: string): { at: string, figures: Figure[] } => JSON.parse(readFileSync(f.includes('/') ? f : join(RESULTS, f), 'utf8'))
  const a = load(fileA)
  const b = load(fileB)
  const rows: string[][] = []
  for (const fb of b.figures) {
    const fa = a.figures.find((x) => x.name === fb.name)
    const change = fa === undefined || fa.value === 0 ? '' : `${((fb.value / fa.value - 1) * 100).toFixed(1)}%`
    const ratio = fa?.ratio === undefined || fb.ratio === undefined ? '' : `${fmt(fa.ratio)}× → ${fmt(fb.ratio)}×`
    rows.push([fb.name, fa === undefined ? '(new)' : `${fmt(fa.value)} ${fa.unit}`, `${fmt(fb.value)} ${fb.unit}`, change, ratio])
  }
  for (const fa of a.figures) if (!b.figures.some((x) => x.name === fa.name)) rows.push([fa.name, `${fmt(fa.value)} ${fa.unit}`, '(gone)', '', ''])
  console.log(`${a.at} → ${b.at}`)
  console.log(grid(['figure', 'before', 'after', 'change', '× limit'], rows))
}
