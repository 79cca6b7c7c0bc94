// Ratchet figures (issue 17, docs/encryption.md): the per-delta cost of sealing and opening
// with a fresh message key of the sender's chain, next to the sealing it replaced (one key
// per epoch), in process; the delivery of a generation secret (X25519 wrapping); and propagation p50
// over 5 node processes with the ratchet, with the ratchet rotating its generation every
// 25 messages (each rotation fetched by every member), and with the plain seal instead
// (test/helpers/envelopes.ts usePlainSeal, the baseline).
import { randomBytes } from 'node:crypto'
import { CHAIN_ID_BYTES, openEnvelope, parseEnvelope, sealEnvelope } from '../../src/sync/envelope.ts'
import { deliveryKey, generationInfo, openWith, sealTo } from '../../src/sync/ratchet/delivery.ts'
import { frameKey, Ratchets } from '../../src/sync/ratchet/index.ts'
import { propagation } from './sync.ts'
import { percentile, type Figure } from './report.ts'

const rand = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

/** µs per call of `fn`, the best of 5 rounds of `n` (the least disturbed by other load). */
function perCall (n: number, fn: (i: number) => void): number {
  let best = Infinity
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now()
    for (let i = 0; i < n; i++) fn(i)
    best = Math.min(best, (performance.now() - t0) * 1000 / n)
  }
  return best
}

interface SealCost { plainSeal: number, ratchetSeal: number, plainOpen: number, ratchetOpen: number }

function sealCost (size: number, n: number): SealCost {
  const ctx = rand(32)
  const epoch = { id: rand(32), key: rand(32) }
  const sender = rand(32)
  const payload = rand(size)
  const subject = rand(32)
  const key = frameKey(epoch.key, ctx)
  const at = { gen: new Uint8Array(0), sender, chain: new Uint8Array(CHAIN_ID_BYTES), index: 0 }
  const plain = Array.from({ length: n }, () => sealEnvelope('delta', ctx, epoch.id, key, subject, payload, at))
  const plainSeal = perCall(n, () => { sealEnvelope('delta', ctx, epoch.id, key, subject, payload, at) })
  const plainEnv = plain.map(parseEnvelope)
  const plainOpen = perCall(n, (i) => { openEnvelope(plainEnv[i]!, key, ctx) })
  // The ratchet: each round seals a fresh run (a chain only moves forward) and a receiver opens it.
  const sealer = new Ratchets()
  const ratchetSeal = perCall(n, () => { sealer.seal(ctx, epoch, sender, 'delta', subject, payload) })
  let ratchetOpen = Infinity
  for (let round = 0; round < 5; round++) {
    const s = new Ratchets()
    const r = new Ratchets()
    const envs = Array.from({ length: n }, () => parseEnvelope(s.seal(ctx, epoch, sender, 'delta', subject, payload)))
    const t0 = performance.now()
    for (const env of envs) r.open(ctx, env, [epoch])
    ratchetOpen = Math.min(ratchetOpen, (performance.now() - t0) * 1000 / n)
  }
  return { plainSeal, ratchetSeal, plainOpen, ratchetOpen }
}

async function deliveryCost (n: number): Promise<{ sealUs: number, openUs: number, keyUs: number }> {
  const info = generationInfo(rand(32), rand(32), rand(32), 1, rand(32))
  const secret = rand(32)
  let t0 = performance.now()
  const keys = []
  for (let i = 0; i < n; i++) keys.push(await deliveryKey())
  const keyUs = (performance.now() - t0) * 1000 / n
  t0 = performance.now()
  const sealed = []
  for (const k of keys) sealed.push(await sealTo(k.publicKey, info, secret))
  const sealUs = (performance.now() - t0) * 1000 / n
  t0 = performance.now()
  for (let i = 0; i < n; i++) await openWith(keys[i]!, info, sealed[i]!.enc, sealed[i]!.sealed)
  const openUs = (performance.now() - t0) * 1000 / n
  return { sealUs, openUs, keyUs }
}

export async function benchRatchet (options: { samples?: number } = {}): Promise<{ figures: Figure[], extra: Record<string, unknown> }> {
  const figures: Figure[] = []
  const extra: Record<string, unknown> = {}
  for (const size of [200, 4096]) {
    const c = sealCost(size, 20_000)
    extra[`seal${size}`] = c
    const note = 'in process, best of 5 rounds of 20,000; the plain seal is one XChaCha20-Poly1305 seal under one key per epoch'
    figures.push({ name: `seal, ${size} B delta: ratchet (HMAC step + seal)`, value: c.ratchetSeal, unit: 'µs', limit: { name: 'plain seal, same delta', value: c.plainSeal, unit: 'µs' }, ratio: c.ratchetSeal / c.plainSeal, goal: 'issue: the ratio', notes: note })
    figures.push({ name: `open, ${size} B delta: ratchet (HMAC step + open)`, value: c.ratchetOpen, unit: 'µs', limit: { name: 'plain open, same delta', value: c.plainOpen, unit: 'µs' }, ratio: c.ratchetOpen / c.plainOpen, goal: 'issue: the ratio', notes: note })
  }
  const d = await deliveryCost(500)
  extra.delivery = d
  figures.push({ name: 'generation delivery: request key + wrap + unwrap (X25519, XChaCha20-Poly1305)', value: d.keyUs + d.sealUs + d.openUs, unit: 'µs', notes: `key ${d.keyUs.toFixed(1)} µs, seal ${d.sealUs.toFixed(1)} µs, open ${d.openUs.toFixed(1)} µs; once per member per rotation, plus one stream round trip` })

  const samples = options.samples ?? 300
  const runs: Array<[string, Parameters<typeof propagation>[2]]> = [
    ['plain seal (baseline)', { plainSeal: true }],
    ['ratchet', {}],
    ['ratchet, generation rotated every 25 messages', { encryption: { rotateAfterMessages: 25 } }]
  ]
  const p50s = new Map<string, number>()
  for (const [name, start] of runs) {
    const p = await propagation(samples, 40, start)
    const p50 = percentile(p.all, 50)
    p50s.set(name, p50)
    extra[`propagation: ${name}`] = { samples: p.all.length, p50, p90: percentile(p.all, 90), p99: percentile(p.all, 99), max: p.all.at(-1) }
  }
  const base = p50s.get('plain seal (baseline)')!
  for (const [name] of runs) {
    const v = p50s.get(name)!
    figures.push({ name: `propagation p50, 5 node processes: ${name}`, value: v, unit: 'ms', limit: { name: 'plain seal p50, same run', value: base, unit: 'ms' }, ratio: v / base, goal: '≤ 10 (sync goal)', met: v <= 10, notes: `${samples} commits on A, applied on all 4 others; p99 ${(extra[`propagation: ${name}`] as { p99: number }).p99.toFixed(2)} ms` })
  }
  return { figures, extra }
}
