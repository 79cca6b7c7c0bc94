// Scale curves as small SVG line charts: docs/bench/<name>.svg holds the latest run's
// curve (the README shows it), bench-results/ the points in the suite's JSON. Log scales
// where the x values span decades; no dependency, the SVG is a few lines of text.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const CHARTS = join(import.meta.dirname, '..', '..', 'docs', 'bench')

export interface Curve {
  title: string
  x: { label: string, log?: boolean }
  y: { label: string, log?: boolean }
  series: Array<{ name: string, points: Array<[number, number]> }>
  /** A horizontal line: the goal, e.g. 250 MB. */
  goal?: { y: number, label: string }
}

const W = 560
const H = 320
const PAD = { left: 64, right: 16, top: 36, bottom: 48 }
const COLOURS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df']

function scale (values: number[], log: boolean, from: number, to: number): { at: (v: number) => number, ticks: number[] } {
  const f = (v: number): number => log ? Math.log10(v) : v
  let lo = Math.min(...values.map(f))
  let hi = Math.max(...values.map(f))
  if (!log) lo = Math.min(0, lo)
  if (hi === lo) hi = lo + 1
  const at = (v: number): number => from + (f(v) - lo) / (hi - lo) * (to - from)
  const ticks = log
    ? Array.from({ length: Math.floor(hi) - Math.ceil(lo) + 1 }, (_, i) => 10 ** (Math.ceil(lo) + i))
    : Array.from({ length: 5 }, (_, i) => lo + (hi - lo) * i / 4)
  return { at, ticks }
}

const label = (v: number): string => v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : v >= 10 ? String(Math.round(v)) : String(Number(v.toPrecision(2)))
const esc = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;')

export function svg (c: Curve): string {
  const points = c.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
  const ys = points.map(([, y]) => y).concat(c.goal === undefined ? [] : [c.goal.y])
  const sx = scale(points.map(([x]) => x), c.x.log === true, PAD.left, W - PAD.right)
  const sy = scale(ys, c.y.log === true, H - PAD.bottom, PAD.top)
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(c.title)}</text>`,
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle">${esc(c.x.label)}</text>`,
    `<text x="14" y="${H / 2}" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">${esc(c.y.label)}</text>`
  ]
  for (const t of sx.ticks) out.push(`<line x1="${sx.at(t)}" y1="${H - PAD.bottom}" x2="${sx.at(t)}" y2="${PAD.top}" stroke="#eee"/><text x="${sx.at(t)}" y="${H - PAD.bottom + 14}" text-anchor="middle">${label(t)}</text>`)
  for (const t of sy.ticks) out.push(`<line x1="${PAD.left}" y1="${sy.at(t)}" x2="${W - PAD.right}" y2="${sy.at(t)}" stroke="#eee"/><text x="${PAD.left - 6}" y="${sy.at(t) + 4}" text-anchor="end">${label(t)}</text>`)
  out.push(`<polyline points="${PAD.left},${PAD.top} ${PAD.left},${H - PAD.bottom} ${W - PAD.right},${H - PAD.bottom}" fill="none" stroke="#888"/>`)
  if (c.goal !== undefined) out.push(`<line x1="${PAD.left}" y1="${sy.at(c.goal.y)}" x2="${W - PAD.right}" y2="${sy.at(c.goal.y)}" stroke="#d1242f" stroke-dasharray="4 3"/><text x="${W - PAD.right - 4}" y="${sy.at(c.goal.y) - 4}" text-anchor="end" fill="#d1242f">${esc(c.goal.label)}</text>`)
  c.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!
    const ps = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => `${sx.at(x).toFixed(1)},${sy.at(y).toFixed(1)}`)
    out.push(`<polyline points="${ps.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`)
    for (const p of ps) { const [x, y] = p.split(','); out.push(`<circle cx="${x}" cy="${y}" r="3" fill="${colour}"/>`) }
    out.push(`<text x="${PAD.left + 8}" y="${PAD.top + 14 + i * 14}" fill="${colour}">${esc(s.name)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

/** Writes docs/bench/<name>.svg; returns its path. */
export function writeChart (name: string, c: Curve): string {
  mkdirSync(CHARTS, { recursive: true })
  const file = join(CHARTS, `${name}.svg`)
  writeFileSync(file, svg(c))
  return file
}
