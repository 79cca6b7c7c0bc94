// Single-node figures (DESIGN.md §4): kv `set` through WASM + CRDT + LMDB commit, in
// process and over HTTP JSON-RPC, and the cost of instruction metering.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import autocannon from 'autocannon'
import { fromUtf8, utf8 } from '../../src/crypto/bytes.ts'
import { silentLogger } from '../../src/log/index.ts'
import { defaultConfig, initHome, readToken } from '../../src/node/config.ts'
import { createNode } from '../../src/node/index.ts'
import { instrument } from '../../src/runtime/instrument.ts'
import { isAllowedImport } from '../../src/runtime/abi.ts'
import { limits } from './limits.ts'
import { against, percentile, type Figure } from './report.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const kvWasm = readFileSync(join(ROOT, 'apps/kv-store/build/kv-store.wasm'))

/**
 * Calls kept in flight by the in-process figure. A call is acknowledged once its batch is
 * durable (fsync), so a caller with at most one group commit's worth of calls outstanding
 * (MAX_BATCH_CALLS, 512) waits for every fsync before it can fill the next batch; with
 * more in flight, one batch runs while the previous one is written and flushed, which is
 * what a node serving many clients sees.
 */
export const IN_PROCESS_IN_FLIGHT = 1024

export async function inProcess (total: number, inFlight: number): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'moor-bench-'))
  const node = await createNode({ home, config: defaultConfig(home), logger: silentLogger })
  try {
    const app = await node.installApplication({ wasm: kvWasm })
    const ctx = await node.createContext({ applicationId: app.id })
    const run = async (n: number, offset: number): Promise<void> => {
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < n) {
          const i = offset + next++
          await node.execute({ contextId: ctx.id, method: 'set', args: utf8(`{"key":"k${i}","value":"value-${i}"}`) })
        }
      }
      await Promise.all(Array.from({ length: inFlight }, worker))
    }
    await run(2000, 0) // warm-up: JIT, module cache
    const t0 = performance.now()
    await run(total, 10_000_000)
    const rate = total / ((performance.now() - t0) / 1000)
    const check = await node.execute({ contextId: ctx.id, method: 'len', readOnly: true })
    if (JSON.parse(fromUtf8(check.output!)) !== total + 2000) throw new Error('bench writes missing')
    return rate
  } finally {
    await node.stop()
    rmSync(home, { recursive: true, force: true })
  }
}

async function freePort (): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => { resolve(port) })
    })
  })
}

async function overHttp (seconds: number, connections: number): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'moor-bench-http-'))
  const port = await freePort()
  await initHome(home, { apiPort: port })
  const token = await readToken(home)
  const child = spawn(process.execPath, [join(ROOT, 'bin/moor.js'), 'node', '--home', home], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MOOR_LOG: 'warn' } })
  const url = `http://127.0.0.1:${port}`
  try {
    for (let i = 0; ; i++) {
      try { if ((await fetch(`${url}/health`)).ok) break } catch { }
      if (i > 200) throw new Error('node did not start')
      await new Promise((r) => setTimeout(r, 50))
    }
    const auth = { authorization: `Bearer ${token}` }
    const app = await (await fetch(`${url}/admin/applications`, { method: 'POST', headers: { ...auth, 'content-type': 'application/wasm' }, body: kvWasm })).json() as any
    const ctx = await (await fetch(`${url}/admin/contexts`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ applicationId: app.id ?? app.application?.id }) })).json() as any
    const contextId = ctx.id ?? ctx.context?.id
    let n = 0
    const result = await autocannon({
      url: `${url}/jsonrpc`,
      connections,
      duration: seconds,
      requests: [{
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        setupRequest: (req: any) => ({ ...req, body: JSON.stringify({ jsonrpc: '2.0', id: n, method: 'execute', params: { contextId, method: 'set', args: { key: `k${n++}`, value: 'v' } } }) })
      }]
    })
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`HTTP bench saw ${result.non2xx} non-2xx and ${result.errors} errors`)
    return result.requests.average
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => child.on('exit', r))
    rmSync(home, { recursive: true, force: true })
  }
}

/** Same module, same work, metered and not: ratio of the times. */
function meteringOverhead (): { ratio: number, details: Record<string, number> } {
  const wasm = readFileSync(join(ROOT, 'test/fixtures/apps/build/compute.wasm'))
  const metered = instrument(wasm, { memoryPages: 1024, allowedImports: isAllowedImport, startGas: 1n << 40n }).bytes
  const time = (bytes: Uint8Array, method: string, arg: string): number => {
    const mod = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)
    let mem: WebAssembly.Memory
    const input = utf8(arg)
    const host: Record<string, (...a: any[]) => any> = {
      input: () => input.length,
      result_read: (ptr: number) => { new Uint8Array(mem.buffer).set(input, ptr) },
      value_return: () => {},
      panic: () => { throw new Error('panic') },
      log: () => {}
    }
    const imports: any = {}
    for (const i of WebAssembly.Module.imports(mod)) (imports[i.module] ??= {})[i.name] = host[i.name] ?? (() => 0)
    const best: number[] = []
    for (let r = 0; r < 7; r++) {
      const inst = new WebAssembly.Instance(mod, imports)
      mem = inst.exports.memory as WebAssembly.Memory
      const gas = inst.exports.__moor_gas as WebAssembly.Global | undefined
      if (gas !== undefined) gas.value = 1n << 60n
      const t0 = performance.now()
      ;(inst.exports[method] as () => void)()
      best.push(performance.now() - t0)
    }
    return Math.min(...best.slice(2))
  }
  const details: Record<string, number> = {}
  let worst = 0
  for (const [method, arg] of [['fib', '{"n":27}'], ['fib_iter', '{"n":20000000}'], ['sieve', '{"n":3000000}']] as const) {
    const r = time(metered, method, arg) / time(wasm, method, arg)
    details[method] = Number(r.toFixed(3))
    worst = Math.max(worst, r)
  }
  return { ratio: worst, details }
}

/** One node, no peer: `n` sequential `set`s (ms each) and `n` queries (µs each) through node.execute. */
async function sequential (n: number): Promise<{ setMs: number[], queryUs: number[] }> {
  const home = mkdtempSync(join(tmpdir(), 'moor-bench-seq-'))
  const node = await createNode({ home, config: defaultConfig(home), logger: silentLogger })
  try {
    const app = await node.installApplication({ wasm: kvWasm })
    const ctx = await node.createContext({ applicationId: app.id })
    const setMs: number[] = []
    for (let i = 0; i < n + 50; i++) {
      const t0 = performance.now()
      await node.execute({ contextId: ctx.id, method: 'set', args: utf8(`{"key":"k${i}","value":"value-${i}"}`) })
      if (i >= 50) setMs.push(performance.now() - t0)
    }
    const queryUs: number[] = []
    for (let i = 0; i < n * 10; i++) {
      const t0 = performance.now()
      await node.execute({ contextId: ctx.id, method: 'get', args: utf8(`{"key":"k${i % n}"}`), readOnly: true })
      queryUs.push((performance.now() - t0) * 1000)
    }
    return { setMs, queryUs }
  } finally {
    await node.stop()
    rmSync(home, { recursive: true, force: true })
  }
}

export async function benchCore (): Promise<Figure[]> {
  const figures: Figure[] = []
  const floor = await limits()
  const seq = await sequential(500)
  figures.push(against({ name: 'kv set through node.execute, sequential, p50 (WASM+CRDT+sign+LMDB, fsync)', value: percentile(seq.setMs, 50), unit: 'ms', notes: `p99 ${percentile(seq.setMs, 99).toFixed(2)} ms` }, { name: 'raw LMDB durable put', value: floor.lmdbPutMs, unit: 'ms' }))
  figures.push(against({ name: 'kv get (query) through node.execute, p50', value: percentile(seq.queryUs, 50), unit: 'µs' }, { name: 'bare WASM call', value: floor.wasmCallUs, unit: 'µs' }))
  const rate = await inProcess(30_000, IN_PROCESS_IN_FLIGHT)
  figures.push(against({ name: 'kv set in-process (WASM+CRDT+LMDB, fsync)', value: rate, unit: 'mutations/s', goal: '≥ 20000', met: rate >= 20_000, notes: `${IN_PROCESS_IN_FLIGHT} calls in flight, new keys, group commit` }, { name: 'raw LMDB batched puts', value: floor.lmdbBatchedPerSec, unit: '/s' }, true))
  const http = await overHttp(8, 64)
  figures.push({ name: 'kv set over HTTP JSON-RPC (64 connections)', value: http, unit: 'req/s', goal: '≥ 5000', met: http >= 5000 })
  const m = meteringOverhead()
  figures.push({ name: 'metering overhead (worst of fib, fib_iter, sieve)', value: m.ratio, unit: '×', goal: '≤ 1.5', met: m.ratio <= 1.5, notes: JSON.stringify(m.details) })
  return figures
}
