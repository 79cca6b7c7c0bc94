// Benchmark output: one JSON document (bench-results/<name>.json and stdout) and a table.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Figure {
  name: string
  value: number
  unit: string
  /** The brief's goal, as text ("≥ 20000"), and whether it was met. */
  goal?: string
  met?: boolean
  notes?: string
}

export function report (suite: string, figures: Figure[], extra: Record<string, unknown> = {}): void {
  const doc = { suite, at: new Date().toISOString(), node: process.version, cpus: (globalThis as any).navigator?.hardwareConcurrency ?? null, figures, ...extra }
  const dir = join(import.meta.dirname, '..', '..', 'bench-results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${suite}.json`), JSON.stringify(doc, null, 2) + '\n')
  console.log(JSON.stringify(doc))
  const rows = figures.map((f) => [f.name, fmt(f.value) + ' ' + f.unit, f.goal ?? '', f.met === undefined ? '' : f.met ? 'yes' : 'NO', f.notes ?? ''])
  const head = ['figure', 'measured', 'goal', 'met', 'notes']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: string[]): string => '| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |'
  console.log('\n' + line(head) + '\n' + line(widths.map((w) => '-'.repeat(w))) + '\n' + rows.map(line).join('\n') + '\n')
}

function fmt (n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)
}

/** The `p`th percentile of `xs` (nearest rank, from below; `xs` need not be sorted). */
export function percentile (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}
