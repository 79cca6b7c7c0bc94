// The floors the figures are measured against, in the same run on the same machine: what
// the work would cost with nothing of Moorage on top. Absolute numbers move with the
// machine's load; a figure divided by its floor moves much less.
//   - raw LMDB durable put: sequential (put + flush, one at a time) and batched (many in
//     flight, group-committed by lmdb-js), same library and options as src/store;
//   - a bare WASM call: the kv-store module's `set` on one instance with stub host
//     functions (no state, no CRDT, no signing);
//   - bare libp2p 3 between two processes (TCP, Noise, Yamux, StrictSign gossipsub as in
//     src/network/host.ts): a request/response round trip on a new stream, and a gossipsub
//     publish → delivery one-way.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open } from 'lmdb'
import { NodeProcess } from '../../test/helpers/node-process.ts'
import { percentile } from './report.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const now = (): number => performance.timeOrigin + performance.now()

export interface Limits {
  /** ms per durable put, one at a time (p50). */
  lmdbPutMs: number
  /** durable puts per second with many in flight. */
  lmdbBatchedPerSec: number
  /** µs per bare WASM `set` call. */
  wasmCallUs: number
  /** ms, request/response round trip on a new stream, p50. */
  rpcRttMs: number
  /** ms, gossipsub publish on one process → delivered on the other, p50 and p99. */
  gossipMs: number
  gossipP99Ms: number
}

/** Raw LMDB: `n` sequential durable puts (ms each, p50) and `batch` puts in flight at once (per second). */
export async function lmdbFloor (n = 300, batch = 50_000): Promise<{ putMs: number, batchedPerSec: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'moor-bench-lmdb-'))
  const root = open({ path: dir, maxDbs: 4, cache: false })
  const db = root.openDB({ name: 'floor', keyEncoding: 'binary' })
  try {
    const value = new Uint8Array(120)
    const times: number[] = []
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      await db.put(Buffer.from(`s${i}`), value)
      await root.flushed
      times.push(performance.now() - t0)
    }
    const t0 = performance.now()
    const puts: Promise<boolean>[] = []
    for (let i = 0; i < batch; i++) puts.push(db.put(Buffer.from(`b${i}`), value))
    await Promise.all(puts)
    await root.flushed
    return { putMs: percentile(times, 50), batchedPerSec: batch / ((performance.now() - t0) / 1000) }
  } finally {
    await root.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** µs per call of kv-store's `set` on one instance, stub host functions. */
export function wasmFloor (calls = 100_000): number {
  const mod = new WebAssembly.Module(readFileSync(join(ROOT, 'apps/kv-store/build/kv-store.wasm')))
  const input = new TextEncoder().encode('{"key":"k1","value":"value-1"}')
  let mem: WebAssembly.Memory | undefined
  const host: Record<string, (...a: number[]) => number | undefined> = {
    input: () => input.length,
    result_read: (ptr) => { new Uint8Array(mem!.buffer).set(input, ptr); return undefined },
    root: () => 1,
    map_get: () => -1
  }
  const moor: Record<string, (...a: number[]) => number | undefined> = {}
  for (const i of WebAssembly.Module.imports(mod)) moor[i.name] = host[i.name] ?? (() => 0)
  const inst = new WebAssembly.Instance(mod, { moor })
  mem = inst.exports.memory as WebAssembly.Memory
  const set = inst.exports.set as () => void
  for (let i = 0; i < 10_000; i++) set()
  const t0 = performance.now()
  for (let i = 0; i < calls; i++) set()
  return (performance.now() - t0) / calls * 1000
}

/** Bare libp2p 3 between two processes: request/response round trip and gossip one-way, p50. */
export async function p2pFloor (samples = 300): Promise<{ rttMs: number, gossipMs: number, gossipP99Ms: number }> {
  const script = join(import.meta.dirname, 'limits', 'p2p-peer.ts')
  const [a, b] = await Promise.all(['floor-a', 'floor-b'].map(async (name) => await NodeProcess.spawn(name, [script, name])))
  try {
    await a!.call('dial', { addr: b!.addresses[0] })
    for (let i = 0; ; i++) {
      if ((await a!.call('subscribers')).includes(b!.peerId)) break
      if (i > 200) throw new Error('the bare peers did not see each other on the topic')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const rtt: number[] = await a!.call('echo', { addr: b!.addresses[0], n: samples }, 120_000)
    const oneWay: number[] = []
    for (let i = 0; i < samples + 20; i++) {
      const id = `m${i}`
      const arrived = new Promise<number>((resolve) => { b!.onEvent = (e) => { if (e.deltaId === id) resolve(e.t) } })
      const sent: number = await a!.call('publish', { id })
      const t = await arrived
      if (i >= 20) oneWay.push(t - sent)
      await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 8))
    }
    return { rttMs: percentile(rtt.slice(20), 50), gossipMs: percentile(oneWay, 50), gossipP99Ms: percentile(oneWay, 99) }
  } finally {
    await Promise.all([a!.cleanup(), b!.cleanup()])
  }
}

let measured: Promise<Limits> | undefined

/** Every floor, measured once per run (suites share them). */
export async function limits (): Promise<Limits> {
  measured ??= (async () => {
    const l = await lmdbFloor()
    const wasmCallUs = wasmFloor()
    const p = await p2pFloor()
    return { lmdbPutMs: l.putMs, lmdbBatchedPerSec: l.batchedPerSec, wasmCallUs, rpcRttMs: p.rttMs, gossipMs: p.gossipMs, gossipP99Ms: p.gossipP99Ms }
  })()
  return await measured
}

if (import.meta.main) console.log(await limits(), now())
