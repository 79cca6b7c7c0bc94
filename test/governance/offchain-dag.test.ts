// Concurrent governance on partitioned replicas: once they exchange ops, every replica
// reaches the same verdicts, and the deterministic rule keeps exactly one admin.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { toHex } from '../../src/crypto/bytes.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { OffchainAnchor } from '../../src/governance/offchain/index.ts'
import { decodeOp, type GovOp } from '../../src/governance/offchain/op.ts'
import { silentLogger } from '../../src/log/index.ts'
import { HybridClock } from '../../src/state/hlc.ts'
import { key, openStore, prefixRange, type Store } from '../../src/store/index.ts'
import { tempDir } from '../helpers/tmp.ts'

const dir = tempDir('moor-gov-')
after(() => { dir.cleanup() })
let n = 0

function replica (): { anchor: OffchainAnchor, store: Store } {
  const store = openStore({ path: `${dir.path}/${n++}`, noSync: true })
  return { store, anchor: new OffchainAnchor({ store, clock: new HybridClock(), logger: silentLogger }) }
}

function opsOf (r: { store: Store }, ctx: Uint8Array): GovOp[] {
  return [...r.store.db.governance.getRange(prefixRange(key(ctx, Uint8Array.of(0))))].map(({ value }) => decodeOp(value as Uint8Array))
}

async function deliver (to: { anchor: OffchainAnchor, store: Store }, ops: GovOp[]): Promise<void> {
  for (const op of ops) {
    const out = await to.store.transaction(() => to.anchor.ingest(op))
    if (out.status === 'added') to.anchor.adopt(out.ops)
  }
}

describe('offchain governance DAG', () => {
  it('an op that arrives twice at once (gossip and a sync racing) is adopted once, and watchers hear of it once', async () => {
    const a = replica(); const b = replica()
    const alice = generateKeyPair()
    const { context } = await a.anchor.createContext({ application: new Uint8Array(32), creator: alice })
    await deliver(b, opsOf(a, context))
    await a.anchor.submit(context, alice, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' })
    const op = opsOf(a, context).find((o) => o.action.type === 'addMember')!
    const heard: string[] = []
    const adopted: string[] = []
    b.anchor.watch(context, (c) => { heard.push(c.id) })
    b.anchor.onAdopt = (ops) => { adopted.push(...ops.map((o) => toHex(o.id))) }
    // Both ingests run before either adopts, as two receivers in flight do.
    const outcomes = await Promise.all([b.store.transaction(() => b.anchor.ingest(op)), b.store.transaction(() => b.anchor.ingest(op))])
    for (const out of outcomes) if (out.status === 'added') b.anchor.adopt(out.ops)
    // And once more, after the fact, as a late duplicate would.
    b.anchor.adopt([op])
    assert.deepEqual(heard, [toHex(op.id)])
    assert.deepEqual(adopted, [toHex(op.id)])
    assert.equal(b.anchor.dag(context).history().length, 2)
    await a.store.close(); await b.store.close()
  })

  it('concurrent mutual removal of two admins resolves identically on every replica', async () => {
    const a = replica(); const b = replica()
    const alice = generateKeyPair(); const bob = generateKeyPair()
    const { context } = await a.anchor.createContext({ application: new Uint8Array(32), creator: alice })
    await a.anchor.submit(context, alice, { type: 'propose', proposal: new Uint8Array(randomBytes(32)), actions: [{ type: 'addAdmin', identity: bob.publicKey }] })
    await deliver(b, opsOf(a, context))
    assert.equal(b.anchor.state(context)!.members.get(toHex(bob.publicKey))!.role, 'admin')
    // Partitioned: each removes the other.
    await a.anchor.submit(context, alice, { type: 'propose', proposal: new Uint8Array(randomBytes(32)), actions: [{ type: 'removeAdmin', identity: bob.publicKey }] })
    await b.anchor.submit(context, bob, { type: 'propose', proposal: new Uint8Array(randomBytes(32)), actions: [{ type: 'removeAdmin', identity: alice.publicKey }] })
    // Heal: exchange everything, in different orders.
    await deliver(a, opsOf(b, context).reverse())
    await deliver(b, opsOf(a, context))
    const sa = a.anchor.state(context)!; const sb = b.anchor.state(context)!
    const admins = (s: typeof sa): string[] => [...s.members.values()].filter((m) => m.role === 'admin').map((m) => toHex(m.identity))
    assert.deepEqual(admins(sa), admins(sb))
    assert.equal(admins(sa).length, 1, 'exactly one admin survives')
    assert.equal(sa.revision, sb.revision)
    // The losing proposal is explained, identically on both.
    const rejectedA = a.anchor.dag(context).history().filter((h) => !h.verdict.accepted)
    const rejectedB = b.anchor.dag(context).history().filter((h) => !h.verdict.accepted)
    assert.equal(rejectedA.length, 1)
    assert.equal(toHex(rejectedA[0]!.op.id), toHex(rejectedB[0]!.op.id))
    assert.match(rejectedA[0]!.verdict.reason!, /Proxy|admin/)
    await a.store.close(); await b.store.close()
  })

  it('an op whose author was not allowed at its causal point is refused before it is stored, even if allowed later', async () => {
    const a = replica()
    const alice = generateKeyPair(); const mallory = generateKeyPair()
    const { context } = await a.anchor.createContext({ application: new Uint8Array(32), creator: alice })
    // Mallory signs an addMember on top of genesis only, before she is a member.
    const genesis = a.anchor.dag(context).currentHeads()
    await a.anchor.submit(context, alice, { type: 'addMember', identity: mallory.publicKey, role: 'member' })
    await a.anchor.submit(context, alice, { type: 'grant', identity: mallory.publicKey, capability: 'ManageMembers' })
    const { createOp } = await import('../../src/governance/offchain/op.ts')
    const sneaky = createOp({ context, author: mallory.publicKey, secretKey: mallory.secretKey, parents: genesis, nonce: 1n, hlc: { ms: Date.now() + 10_000, c: 0 }, action: { type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' } })
    const out = await a.store.transaction(() => a.anchor.ingest(sneaky))
    assert.equal(out.status, 'refused')
    assert.match((out as { reason: string }).reason, /at its causal point: .*not a member|at its causal point/)
    assert.equal(a.anchor.dag(context).has(sneaky.id), false)
    assert.equal(opsOf(a, context).some((o) => toHex(o.id) === toHex(sneaky.id)), false, 'nothing stored')
    await a.store.close()
  })

  it('evaluating by appending reaches the verdicts and state of evaluating from scratch', async () => {
    const a = replica()
    const alice = generateKeyPair(); const bob = generateKeyPair()
    const { context } = await a.anchor.createContext({ application: new Uint8Array(32), creator: alice })
    await a.anchor.submit(context, alice, { type: 'addMember', identity: bob.publicKey, role: 'member' })
    await a.anchor.submit(context, alice, { type: 'setRole', identity: bob.publicKey, role: 'reader' })
    await a.anchor.submit(context, alice, { type: 'removeMember', identity: bob.publicKey, frontier: [new Uint8Array(32).fill(1)] })
    await assert.rejects(a.anchor.submit(context, bob, { type: 'leave' }), { name: 'GovernanceRejectedError' })
    const { GovernanceLog } = await import('../../src/governance/offchain/log.ts')
    const scratch = new GovernanceLog(context)
    for (const { op } of a.anchor.dag(context).history()) scratch.add(op)
    scratch.evaluate()
    const verdicts = (l: InstanceType<typeof GovernanceLog>): string[] => l.history().map(({ op, verdict }) => `${toHex(op.id)}:${verdict.accepted}:${verdict.position}`)
    assert.deepEqual(verdicts(scratch), verdicts(a.anchor.dag(context)))
    assert.equal(scratch.state()!.revision, a.anchor.state(context)!.revision)
    assert.equal(scratch.state()!.members.size, 1)
    // The frontier a removal records survives its encoding.
    const removal = opsOf(a, context).find((o) => o.action.type === 'removeMember')!
    assert.deepEqual((removal.action as { frontier: Uint8Array[] }).frontier, [new Uint8Array(32).fill(1)])
    await a.store.close()
  })

  it('holds ops with missing parents and releases them in order', async () => {
    const a = replica(); const b = replica()
    const alice = generateKeyPair()
    const { context } = await a.anchor.createContext({ application: new Uint8Array(32), creator: alice })
    for (let i = 0; i < 5; i++) await a.anchor.submit(context, alice, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'reader' })
    const ops = opsOf(a, context).sort((x, y) => x.hlc.ms - y.hlc.ms || x.hlc.c - y.hlc.c)
    await deliver(b, [...ops].reverse())
    assert.equal(b.anchor.state(context)!.members.size, 6)
    assert.equal(b.anchor.state(context)!.revision, a.anchor.state(context)!.revision)
    await a.store.close(); await b.store.close()
  })

  it('an op kept in memory holds no larger buffer than its own bytes (an idle context costs its ops, not a shared pool)', async () => {
    const a = replica()
    const alice = generateKeyPair()
    // A context id and an author that are views into one large buffer, as Node's pooled
    // buffers and the CBOR encoder's output are.
    const pool = new Uint8Array(64 * 1024)
    pool.set(alice.publicKey, 100)
    const creator = { publicKey: pool.subarray(100, 132), secretKey: alice.secretKey }
    const { context } = await a.anchor.createContext({ application: new Uint8Array(32), creator })
    await a.anchor.submit(new Uint8Array([...context, ...new Uint8Array(1000)]).subarray(0, 32), creator, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'reader' })
    const stored = opsOf(a, context)
    const view = new Uint8Array(64 * 1024)
    view.set(stored[0]!.bytes, 7)
    const decoded = decodeOp(view.subarray(7, 7 + stored[0]!.bytes.byteLength))
    const held = [...a.anchor.dag(context).history().map((h) => h.op), decoded]
    assert.equal(held.length, 3)
    for (const op of held) {
      for (const [what, bytes] of Object.entries({ bytes: op.bytes, context: op.context, author: op.author })) {
        assert.equal(bytes.buffer.byteLength, bytes.byteLength, `${what} of a ${op.action.type} op is a view into ${bytes.buffer.byteLength} bytes`)
      }
    }
    await a.store.close()
  })
})

describe('offchain governance thresholds', () => {
  it('an admin leaving lowers a threshold that could no longer be reached', async () => {
    const a = replica()
    const alice = generateKeyPair(); const bob = generateKeyPair()
    const { context } = await a.anchor.createContext({ application: new Uint8Array(32), creator: alice })
    await a.anchor.submit(context, alice, { type: 'propose', proposal: new Uint8Array(randomBytes(32)), actions: [{ type: 'addAdmin', identity: bob.publicKey }, { type: 'setThreshold', threshold: 2 }] })
    assert.equal(a.anchor.state(context)!.threshold, 2)
    await a.anchor.submit(context, bob, { type: 'leave' })
    assert.equal(a.anchor.state(context)!.threshold, 1)
    // The remaining admin can still govern alone.
    await a.anchor.submit(context, alice, { type: 'propose', proposal: new Uint8Array(randomBytes(32)), actions: [{ type: 'setActiveLimit', limit: 5 }] })
    assert.equal(a.anchor.state(context)!.activeLimit, 5)
    await a.store.close()
  })
})
