// Summarises a V8 CPU profile (.cpuprofile): self time by function and by package or
// source folder, and the total time under functions whose name matches a pattern.
//   node scripts/bench/profile.ts <file.cpuprofile> [top=25] [pattern]
import { readFileSync } from 'node:fs'

interface Node { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface Profile { nodes: Node[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

/** Where a frame's code lives: the npm package, or the source folder of this project. */
function origin (url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg !== null) return pkg[1]!
  const src = /\/(src|test|scripts)\/(.*)\/[^/]+$/.exec(url)
  if (src !== null) return `${src[1]}/${src[2]}`
  return url === '' ? '(native)' : url.replace(/^.*\//, '')
}

export function summarise (p: Profile, top = 25, pattern?: RegExp): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0))
  const fn = new Map<string, number>()
  const pkg = new Map<string, number>()
  let total = 0
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame
    const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${f.lineNumber + 1}`
    fn.set(name, (fn.get(name) ?? 0) + us)
    pkg.set(origin(f.url), (pkg.get(origin(f.url)) ?? 0) + us)
    total += us
  }
  const lines: string[] = [`total sampled ${(total / 1000).toFixed(0)} ms`]
  const idle = [...fn].filter(([k]) => k.startsWith('(idle)')).reduce((x, [, v]) => x + v, 0)
  lines.push(`busy ${((total - idle) / 1000).toFixed(0)} ms`)
  const list = (m: Map<string, number>, n: number): void => {
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) lines.push(`  ${(v / 1000).toFixed(1).padStart(8)} ms  ${k}`)
  }
  lines.push('self time by package / folder:')
  list(pkg, top)
  lines.push('self time by function:')
  list(fn, top)
  if (pattern !== undefined) {
    // Inclusive time under the first frame (from the root) whose name matches.
    const parent = new Map<number, number>()
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
    const under = new Map<string, number>()
    for (const [id, us] of self) {
      let hit: string | undefined
      for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
        const f = byId.get(x)!.callFrame
        if (pattern.test(f.functionName)) hit = `${f.functionName} ${origin(f.url)}`
      }
      if (hit !== undefined) under.set(hit, (under.get(hit) ?? 0) + us)
    }
    lines.push(`inclusive time under /${pattern.source}/:`)
    list(under, top)
  }
  return lines.join('\n')
}

if (import.meta.main) {
  const [file, top, pattern] = process.argv.slice(2)
  if (file === undefined) throw new Error('usage: node scripts/bench/profile.ts <file.cpuprofile> [top] [pattern]')
  console.log(summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top ?? 25), pattern === undefined ? undefined : new RegExp(pattern)))
}
