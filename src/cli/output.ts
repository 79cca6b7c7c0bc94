// Printing for humans (aligned tables, short key/value blocks) and for scripts (one JSON
// document; bigints as decimal strings).

import type { CommandContext } from './command.ts'

export function printJson (ctx: CommandContext, value: unknown): void {
  ctx.io.stdout(JSON.stringify(value, (_k, v: unknown) => typeof v === 'bigint' ? v.toString() : v, 2) + '\n')
}

export function printLines (ctx: CommandContext, lines: string[]): void {
  ctx.io.stdout(lines.join('\n') + '\n')
}

/** Columns padded to the widest cell; the last column is not padded. */
export function table (headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string =>
    cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i])).join('  ').trimEnd()
  return [line(headers), ...rows.map(line)]
}

/** `key: value` lines with the keys aligned. */
export function fields (pairs: Array<[string, string]>): string[] {
  const width = Math.max(...pairs.map(([k]) => k.length)) + 1
  return pairs.map(([k, v]) => `${(k + ':').padEnd(width)} ${v}`)
}

export function time (ms: number): string {
  return new Date(ms).toISOString()
}

export function bytes (n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`
}

export function duration (ms: number): string {
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h ${m % 60}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}
