// The `flood` suite: a member node's HTTP API latency while peers in no context flood it,
// beside the same node's latency at rest, measured in the same run.
//
// Two member nodes in their own processes share a context. An attacker on our own libp2p
// stack, in a process of its own, connects to the victim, subscribes to the context's
// topic and sends, at a fixed rate: junk gossip (500 KB), envelopes naming key ids nobody
// holds, and unsolicited governance pushes of fake ops. In the second run it comes back
// with a fresh peer id after each ban (a new id costs an attacker nothing). Meanwhile a
// client asks the victim's API for the context, one request after another.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { createNetwork, type Network } from '../../src/network/index.ts'
import { topicOf } from '../../src/node/replication.ts'
import { encodeRequest, PROTOCOLS } from '../../src/sync/wire.ts'
import { converged, fullMesh, NodeProcess, sharedContext } from '../../test/helpers/node-process.ts'
import { diskBytes, fakeOps as strangerOps } from '../../test/helpers/stranger.ts'
import { forgedEnvelope } from '../../test/helpers/envelopes.ts'
import { percentile, type Figure } from './report.ts'

const PHASE_MS = 15_000
/** Attack messages per second (each about 500 KB, a push about 3 MB). */
const RATE_PER_S = 40
const MiB = 1024 * 1024

/** Sequential GETs of the context for `ms`: each request's latency. */
async function latencies (url: string, token: string, ctx: string, ms: number): Promise<number[]> {
  const out: number[] = []
  const end = performance.now() + ms
  while (performance.now() < end) {
    const t0 = performance.now()
    const res = await fetch(`${url}/admin/contexts/${ctx}`, { headers: { authorization: `Bearer ${token}` } })
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`the API answered ${res.status}`)
    out.push(performance.now() - t0)
  }
  return out
}

export async function benchFlood (): Promise<{ figures: Figure[], extra: Record<string, unknown> }> {
  const [a, b] = await Promise.all(['a', 'b'].map(async (name) => await NodeProcess.start({ name })))
  try {
    const { ctx } = await sharedContext(a!, [b!])
    await fullMesh([a!, b!])
    await a!.call('set', { ctx, key: 'k', value: 'before' })
    await converged([a!, b!], ctx)
    const { url, token } = await a!.call('api') as { url: string, token: string }
    await latencies(url, token, ctx, 2_000) // warm up
    const rest = await latencies(url, token, ctx, PHASE_MS)
    const disk = diskBytes(a!.home)
    const rss = (await a!.call('memory') as { rss: number }).rss

    const flood = async (rotate: boolean): Promise<{ latencies: number[], attack: AttackReport }> => {
      // The attackers run in a process of their own: their crypto must not slow the client.
      const child = spawn(process.execPath, [import.meta.filename, '--attack', JSON.stringify({ addr: a!.addresses[0], peer: a!.peerId, ctx, rotate, ms: PHASE_MS })], { stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      child.stdout.on('data', (d: Buffer) => { out += d.toString() })
      const done = new Promise<AttackReport>((resolve, reject) => child.on('exit', (code) => { code === 0 ? resolve(JSON.parse(out) as AttackReport) : reject(new Error(`the attacker exited with ${code}`)) }))
      const measured = await latencies(url, token, ctx, PHASE_MS)
      return { latencies: measured, attack: await done }
    }
    const single = await flood(false)
    const sybil = await flood(true)
    const grewDisk = diskBytes(a!.home) - disk
    const grewRss = (await a!.call('memory') as { rss: number }).rss - rss
    const banned = (a!.grep(/peer banned: it kept sending rejected material/)).length
    const unchanged = await a!.call('get', { ctx, key: 'k' }) === 'before'

    const p = (xs: number[], q: number): number => Math.round(percentile(xs, q) * 100) / 100
    const ratio = (xs: number[]): number => Math.round(percentile(xs, 99) / percentile(rest, 99) * 100) / 100
    const attackNote = (r: AttackReport): string => `${Math.round(r.bytes / MiB)} MiB sent by ${r.attackers} peer id(s) in ${PHASE_MS / 1000} s`
    const figures: Figure[] = [
      { name: 'API latency at rest (p50)', value: p(rest, 50), unit: 'ms', notes: `p99 ${p(rest, 99)} ms over ${rest.length} requests` },
      { name: 'API latency, one peer in no context flooding (p50)', value: p(single.latencies, 50), unit: 'ms', notes: `p99 ${p(single.latencies, 99)} ms over ${single.latencies.length} requests; ${attackNote(single.attack)}` },
      { name: 'API p99, one flooding peer / at rest', value: ratio(single.latencies), unit: '×', goal: '≤ 2', met: ratio(single.latencies) <= 2 },
      { name: 'API latency, flooding peers with a fresh id after each ban (p50)', value: p(sybil.latencies, 50), unit: 'ms', notes: `p99 ${p(sybil.latencies, 99)} ms over ${sybil.latencies.length} requests; ${attackNote(sybil.attack)}` },
      { name: 'API p99, fresh-id flood / at rest', value: ratio(sybil.latencies), unit: '×', notes: 'no goal: the brief names one peer; what an attacker with unlimited peer ids costs' },
      { name: 'peers banned by the victim', value: banned, unit: '', notes: `state unchanged: ${unchanged ? 'yes' : 'NO'}` },
      { name: 'victim store growth during the floods', value: Math.round(grewDisk / MiB * 10) / 10, unit: 'MiB' },
      { name: 'victim RSS growth during the floods', value: Math.round(grewRss / MiB * 10) / 10, unit: 'MiB' }
    ]
    return { figures, extra: { phaseMs: PHASE_MS, ratePerS: RATE_PER_S } }
  } finally {
    await Promise.all([a, b].map(async (p) => { await p!.cleanup() }))
  }
}

interface AttackReport { bytes: number, attackers: number }

/**
 * The attacker process: for `ms`, a tick every 1000 / RATE_PER_S ms sends one message of
 * the mix to the victim; with `rotate`, a banned attacker is replaced by a fresh peer id.
 */
async function attack (init: { addr: string, peer: string, ctx: string, rotate: boolean, ms: number }): Promise<AttackReport> {
  const c = Buffer.from(init.ctx, 'hex')
  const topic = topicOf(c)
  const stranger = generateKeyPair()
  const fakeOps = (n: number): Uint8Array[] => strangerOps(c, stranger, n)
  const attackers: Network[] = []
  let bytes = 0
  let tick = 0
  let current: Network | undefined
  let connecting = false
  const next = async (): Promise<void> => {
    if (connecting || (!init.rotate && attackers.length > 0)) return
    connecting = true
    try {
      const n = createNetwork({ seed: randomBytes(32) })
      attackers.push(n)
      await n.start()
      await n.dial(init.addr)
      n.subscribe(topic, () => {})
      current = n
    } catch {
      current = undefined
    } finally { connecting = false }
  }
  const send = async (): Promise<void> => {
    const n = current
    if (n === undefined || !n.peers().includes(init.peer)) { await next(); return }
    const kind = tick++ % 4
    if (kind === 3) {
      const req = encodeRequest(PROTOCOLS.push, c, stranger, n.peerId, [fakeOps(15), null])
      bytes += req.byteLength
      try { for await (const _ of n.request(init.peer, PROTOCOLS.push, req)) { /* refused */ } } catch { /* refused, as it should be */ }
      return
    }
    const data = kind === 0
      ? forgedEnvelope('delta', c, new Uint8Array(randomBytes(32)), new Uint8Array(randomBytes(500_000)))
      : new Uint8Array(randomBytes(500_000))
    if (await n.publish(topic, data) > 0) bytes += data.byteLength
  }
  await next()
  const timer = setInterval(() => { void send().catch(() => {}) }, 1000 / RATE_PER_S)
  await new Promise((resolve) => setTimeout(resolve, init.ms))
  clearInterval(timer)
  await Promise.all(attackers.map(async (n) => { await n.stop().catch(() => {}) }))
  return { bytes, attackers: attackers.length }
}

if (process.argv[2] === '--attack') {
  process.stdout.write(JSON.stringify(await attack(JSON.parse(process.argv[3]!))))
  process.exit(0)
}
