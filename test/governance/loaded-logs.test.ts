// Governance logs of idle contexts leave memory (a bounded number stay loaded) and load
// from the store again when asked for: a change that comes after its log left is seen in
// full — its watchers hear of it once, the heads writes name are the new ones, the state
// holds it — as if the log had never left.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { toHex } from '../../src/crypto/bytes.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { OffchainAnchor } from '../../src/governance/offchain/index.ts'
import { decodeOp, type GovOp } from '../../src/governance/offchain/op.ts'
import { silentLogger } from '../../src/log/index.ts'
import { HybridClock } from '../../src/state/hlc.ts'
import { key, openStore, prefixRange, type Store } from '../../src/store/index.ts'
import { tempDir } from '../helpers/tmp.ts'

const dir = tempDir('moor-loaded-logs-')
after(() => { dir.cleanup() })
let n = 0

function replica (loadedLogs: number): { anchor: OffchainAnchor, store: Store } {
  const store = openStore({ path: `${dir.path}/${n++}`, noSync: true })
  return { store, anchor: new OffchainAnchor({ store, clock: new HybridClock(), logger: silentLogger, loadedLogs }) }
}

function opsOf (r: { store: Store }, ctx: Uint8Array): GovOp[] {
  return [...r.store.db.governance.getRange(prefixRange(key(ctx, Uint8Array.of(0))))].map(({ value }) => decodeOp(value as Uint8Array))
}

async function deliver (to: { anchor: OffchainAnchor, store: Store }, ops: GovOp[]): Promise<void> {
  const out = await to.store.transaction(() => to.anchor.ingestAll(ops[0]!.context, ops))
  to.anchor.adopt(out.added)
}

const hexes = (list: Uint8Array[]): string[] => list.map(toHex).sort()

describe('governance logs in memory', () => {
  it('an idle context\'s log is not in memory, its heads are known, and a change after it left is seen with the new heads', async () => {
    const a = replica(8); const b = replica(2)
    const alice = generateKeyPair()
    const contexts: Uint8Array[] = []
    for (let i = 0; i < 4; i++) {
      const { context } = await a.anchor.createContext({ application: new Uint8Array(32), creator: alice })
      contexts.push(context)
      await deliver(b, opsOf(a, context))
    }
    const [first] = contexts as [Uint8Array]
    // Two logs stay loaded on b: the first context's left memory.
    assert.equal(b.anchor.resident(first), false)
    assert.equal(contexts.filter((c) => b.anchor.resident(c)).length, 2)
    // What heartbeats and writes name comes without loading it.
    assert.deepEqual(hexes(b.anchor.heads(first)), hexes(a.anchor.heads(first)))
    assert.equal(b.anchor.reached(first, a.anchor.heads(first)), true)
    assert.equal(b.anchor.resident(first), false)

    // A change on a: b does not have it yet, and says so.
    const bob = generateKeyPair()
    await a.anchor.submit(first, alice, { type: 'addMember', identity: bob.publicKey, role: 'member' })
    const newHeads = a.anchor.heads(first)
    assert.equal(b.anchor.reached(first, newHeads), false)
    // (Answering that loaded the log; the other contexts push it out again.)
    for (const c of contexts.slice(1)) b.anchor.dag(c)
    assert.equal(b.anchor.resident(first), false)

    const heard: string[] = []
    const adopted: string[] = []
    b.anchor.watch(first, (c) => { heard.push(c.id) })
    b.anchor.onAdopt = (ops) => { adopted.push(...ops.map((o) => toHex(o.id))) }
    const op = opsOf(a, first).find((o) => o.action.type === 'addMember')!
    await deliver(b, [op])
    assert.deepEqual(heard, [toHex(op.id)])
    assert.deepEqual(adopted, [toHex(op.id)])
    // Out of memory again, the heads are the new ones, not those it left with.
    for (const c of contexts.slice(1)) b.anchor.dag(c)
    assert.equal(b.anchor.resident(first), false)
    assert.deepEqual(hexes(b.anchor.heads(first)), hexes(newHeads))
    assert.equal(b.anchor.reached(first, newHeads), true)
    assert.equal(b.anchor.state(first)?.members.has(toHex(bob.publicKey)), true)
    assert.equal(b.anchor.dag(first).history().length, 2)
    await a.store.close(); await b.store.close()
  })

  it('an op committed while its log was out of memory, and loaded before it was adopted, is still told of once', async () => {
    const a = replica(8); const b = replica(1)
    const alice = generateKeyPair()
    const { context } = await a.anchor.createContext({ application: new Uint8Array(32), creator: alice })
    const { context: other } = await a.anchor.createContext({ application: new Uint8Array(32), creator: alice })
    await deliver(b, opsOf(a, context))
    await deliver(b, opsOf(a, other))
    await a.anchor.submit(context, alice, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' })
    const op = opsOf(a, context).find((o) => o.action.type === 'addMember')!
    const heard: string[] = []
    b.anchor.watch(context, (c) => { heard.push(c.id) })
    const out = await b.store.transaction(() => b.anchor.ingestAll(context, [op]))
    // Between the commit and the adoption the log is read (from the store, which holds the op).
    b.anchor.forget(context)
    assert.equal(b.anchor.dag(context).has(op.id), true)
    b.anchor.adopt(out.added)
    b.anchor.adopt([op])
    assert.deepEqual(heard, [toHex(op.id)])
    assert.deepEqual(hexes(b.anchor.heads(context)), [toHex(op.id)])
    await a.store.close(); await b.store.close()
  })
})
