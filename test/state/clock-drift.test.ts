// Clocks from peers are bounded: a delta, an op or a snapshot whose clock is far ahead of
// this node's (one peer near 2^53 once dragged every node it reached into the far future
// for good) is refused with the reason and moves no honest node's clock. Snapshots carry
// a member's signed statement over heads, count and clock, which the joiner checks.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { HybridClock, MAX_CLOCK_DRIFT_MS } from '../../src/state/hlc.ts'
import { decodeDelta } from '../../src/sync/delta.ts'
import { exportSnapshot, SnapshotImport, type SnapshotPage } from '../../src/sync/snapshot.ts'
import { converged, fullMesh, NodeProcess, sharedContext, until } from '../helpers/node-process.ts'
import { Replica } from '../helpers/replica.ts'
import { tempDir } from '../helpers/tmp.ts'

const dir = tempDir('moor-clock-')
after(() => { dir.cleanup() })
let n = 0
const FAR = Number.MAX_SAFE_INTEGER - 10

async function replica (ctx: Uint8Array, wall?: () => number): Promise<Replica> {
  const r = await Replica.open(`${dir.path}/${n++}`, ctx)
  if (wall !== undefined) (r as unknown as { clock: HybridClock }).clock = new HybridClock(wall)
  return r
}

describe('clock drift bound', () => {
  it('a clock observes nothing beyond the drift bound, and keeps issuing from its own time', () => {
    const clock = new HybridClock()
    const t0 = clock.now()
    assert.equal(clock.observe({ ms: FAR, c: 0 }), false)
    assert.equal(clock.observe({ ms: Date.now() + MAX_CLOCK_DRIFT_MS + 60_000, c: 0 }), false)
    assert.ok(clock.now().ms < Date.now() + 1_000)
    assert.equal(clock.observe({ ms: t0.ms + 1_000, c: 3 }), true, 'a clock slightly ahead is observed')
    assert.deepEqual(clock.now(), { ms: t0.ms + 1_000, c: 4 })
  })

  it('a delta with a far-future clock is refused with the reason, and nothing is stored', async () => {
    const ctx = new Uint8Array(32).fill(7)
    const liar = await replica(ctx, () => FAR)
    const honest = await replica(ctx)
    const bytes = (await liar.mutate((s) => { s.mapSet(s.root(), new TextEncoder().encode('k'), new TextEncoder().encode('from the future')) }))!
    const rootBefore = honest.rootHash()
    await assert.rejects(honest.receive(bytes), (e: Error) => e.name === 'ClockDriftError' && /its clock is \d+ ms ahead of this node's/.test(e.message))
    assert.equal(honest.rootHash(), rootBefore)
    assert.equal(honest.dag.has(ctx, decodeDelta(bytes).id), false)
    assert.ok(honest.clock.now().ms < Date.now() + 1_000, 'the honest clock moved')
    await liar.close(); await honest.close()
  })

  describe('snapshots', () => {
    const ctx = new Uint8Array(32).fill(9)
    const member = generateKeyPair()
    let source: Replica
    let pages: SnapshotPage[]
    const fresh = (mutate: (end: NonNullable<SnapshotPage['end']>) => void = () => {}): SnapshotImport => {
      const imp = new SnapshotImport(ctx)
      for (const p of pages) {
        const copy = structuredClone(p)
        if (copy.end !== undefined) mutate(copy.end)
        imp.add(copy)
      }
      return imp
    }
    const isMember = (id: Uint8Array): boolean => toHex(id) === toHex(member.publicKey)

    before(async () => {
      source = await replica(ctx)
      for (let i = 0; i < 3; i++) await source.mutate((s) => { s.mapSet(s.root(), new TextEncoder().encode(`k${i}`), new TextEncoder().encode(`v${i}`)) })
      pages = [...exportSnapshot(source.store, ctx, undefined, member)]
    })
    after(async () => { await source.close() })

    it('a snapshot signed by a member with heads among its ids and a clock in bounds is accepted', () => {
      fresh().verify({ isMember })
    })

    it('a far-future clock, foreign heads, a non-member signer, a missing or broken statement are refused', () => {
      assert.throws(() => { fresh((e) => { e.info.hlc = { ms: FAR, c: 0 } }).verify({ isMember }) }, /statement does not verify/)
      assert.throws(() => { fresh().verify({ isMember, now: Date.now() - 2 * MAX_CLOCK_DRIFT_MS }) }, /snapshot refused: its clock is \d+ ms ahead/)
      assert.throws(() => { fresh((e) => { e.info.heads = [new Uint8Array(32)] }).verify({ isMember }) }, /statement does not verify/)
      assert.throws(() => { fresh().verify({ isMember: () => false }) }, /not a member/)
      assert.throws(() => { fresh((e) => { delete e.statement }).verify({ isMember }) }, /no statement signed by a member/)
      // Unsigned metadata is still checked for what it can be checked against.
      assert.throws(() => { fresh((e) => { e.info.heads = [new Uint8Array(32)] }).verify() }, /heads are not among its delta ids/)
      assert.throws(() => { fresh((e) => { e.info.hlc = { ms: 1, c: 0 } }).verify() }, /stamp later than the snapshot's clock/)
    })
  })
})

describe('a member\'s far-future delta between node processes', { timeout: 120_000 }, () => {
  let a: NodeProcess, b: NodeProcess
  let ctx: string
  before(async () => {
    [a, b] = await Promise.all(['a', 'b'].map(async (name) => await NodeProcess.start({ name })))
    ;({ ctx } = await sharedContext(a, [b]))
    await fullMesh([a, b])
    await a.call('set', { ctx, key: 'k', value: 'before' })
    await converged([a, b], ctx)
  })
  after(async () => { await Promise.all([a, b].map(async (p) => { await p.cleanup() })) })

  it('is rejected with the reason; the honest node\'s clock, state and later writes are unaffected', async () => {
    const root = (await a.call('ctx', { ctx })).rootHash
    const forged = await b.call('forge', { ctx, mode: 'self', key: 'k', value: 'from the future', hlcMs: FAR })
    await until('a to reject it', () => a.grep(new RegExp(`rejected delta.*${forged.deltaId}.*its clock is \\d+ ms ahead`)).length === 1, 15_000)
    const hlc = await a.call('hlc')
    assert.ok(hlc.ms <= Date.now() + MAX_CLOCK_DRIFT_MS, `a's clock moved to ${hlc.ms}`)
    assert.equal((await a.call('ctx', { ctx })).rootHash, root)
    assert.equal(await a.call('get', { ctx, key: 'k' }), 'before')
    // a's own writes still win over older ones and reach b (an invitation from a is not "already expired").
    await a.call('set', { ctx, key: 'k', value: 'after' })
    assert.match(await a.call('inviteAs', { ctx, identity: await b.call('identity') }), /./)
    await until('a\'s write on b', async () => await b.call('get', { ctx, key: 'k' }) === 'after', 15_000, 50)
  })
})
