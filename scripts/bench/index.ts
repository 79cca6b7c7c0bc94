// `npm run bench`: every benchmark, JSON + a table, each figure beside the floor measured
// in the same run (limits.ts). `npm run bench -- core` runs one suite; `--big` runs the
// big sizes (catch-up of 100,000 deltas and more: minutes); `--only=<parts>` runs some parts
// of a suite (curves: size, history, members; peers: a, b, c, d); `npm run bench -- compare
// <a.json> <b.json>` prints the change between two runs of bench-results/.
import { benchChain } from './chain.ts'
import { benchClaims } from './claims.ts'
import { benchCore } from './core.ts'
import { benchCurves } from './curves.ts'
import { benchFlood } from './flood.ts'
import { limits } from './limits.ts'
import { benchMemory } from './memory.ts'
import { benchPeers } from './peers.ts'
import { benchRatchet } from './ratchet.ts'
import { compare, report } from './report.ts'
import { benchSync } from './sync.ts'
import { benchWrites } from './writepath.ts'

const args = process.argv.slice(2)
const big = args.includes('--big')
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',')

if (args[0] === 'compare') {
  if (args.length !== 3) {
    console.error('usage: npm run bench -- compare <a.json> <b.json> (files in bench-results/ or paths)')
    process.exit(2)
  }
  compare(args[1]!, args[2]!)
  process.exit(0)
}

const suites: Record<string, () => Promise<unknown>> = {
  limits: async () => {
    const l = await limits()
    report('limits', [
      { name: 'raw LMDB durable put, sequential (p50)', value: l.lmdbPutMs, unit: 'ms' },
      { name: 'raw LMDB durable puts, batched', value: l.lmdbBatchedPerSec, unit: 'puts/s' },
      { name: 'bare WASM call (kv-store set, stub host)', value: l.wasmCallUs, unit: 'µs' },
      { name: 'bare libp2p 3 request/response, new stream, 2 processes (p50)', value: l.rpcRttMs, unit: 'ms' },
      { name: 'bare gossipsub publish → delivered, 2 processes (p50)', value: l.gossipMs, unit: 'ms', notes: `p99 ${l.gossipP99Ms.toFixed(2)} ms` }
    ])
  },
  core: async () => { report('core', await benchCore()) },
  writes: async () => {
    const { figures, extra } = await benchWrites()
    report('writes', figures, extra)
  },
  sync: async () => {
    const { figures, extra } = await benchSync({ big })
    report('sync', figures, extra)
  },
  claims: async () => { report('claims', await benchClaims()) },
  memory: async () => {
    const { figures, extra } = await benchMemory({ big })
    report('memory', figures, extra)
  },
  curves: async () => {
    const { figures, extra } = await benchCurves({ big, ...(only !== undefined ? { only } : {}) })
    report('curves', figures, extra)
  },
  peers: async () => {
    const { figures, extra } = await benchPeers({ big, ...(only !== undefined ? { only } : {}) })
    report('peers', figures, extra)
  },
  flood: async () => {
    const { figures, extra } = await benchFlood()
    report('flood', figures, extra)
  },
  chain: async () => {
    const { figures, extra } = await benchChain()
    report('chain', figures, extra)
  },
  ratchet: async () => {
    const { figures, extra } = await benchRatchet()
    report('ratchet', figures, extra)
  }
}

const chosen = args.filter((a) => !a.startsWith('-'))
for (const name of chosen.length > 0 ? chosen : Object.keys(suites)) {
  const suite = suites[name]
  if (suite === undefined) {
    console.error(`unknown suite ${name}; suites: ${Object.keys(suites).join(', ')}; or compare <a.json> <b.json>`)
    process.exit(2)
  }
  await suite()
}
