// Strong removal inside one node's delta DAG, on real LMDB and real signed deltas: the
// same verdicts whatever the order deltas and the removal arrive in, an undo that reaches
// the root hash of a node that never applied the delta, a delta judged only once the
// removal's frontier is known (also when the frontier's delta itself is held), and no
// effect on deltas written after the author was added back.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { toHex, utf8 } from '../../src/crypto/bytes.ts'
import { silentLogger } from '../../src/log/index.ts'
import { openStore } from '../../src/store/index.ts'
import { DeltaDag } from '../../src/sync/dag.ts'
import { decodeDelta } from '../../src/sync/delta.ts'
import type { Removal } from '../../src/sync/removal.ts'
import { Replica } from '../helpers/replica.ts'
import { tempDir } from '../helpers/tmp.ts'

const dir = tempDir('moor-removal-')
after(() => { dir.cleanup() })
let n = 0
const ctx = new Uint8Array(32).fill(3)

async function judged (): Promise<{ dag: DeltaDag, removals: Removal[], receive: (bytes: Uint8Array) => Promise<string>, root: () => string, close: () => Promise<void> }> {
  const store = openStore({ path: `${dir.path}/${n++}`, noSync: true })
  const removals: Removal[] = []
  const dag = new DeltaDag(store, silentLogger, { removals: () => removals })
  await store.transaction(() => dag.init(ctx))
  return {
    dag,
    removals,
    receive: async (bytes) => await store.transaction(() => dag.receive(decodeDelta(bytes)).status),
    root: () => toHex(dag.info(ctx)!.rootHash),
    close: async () => { await store.close() }
  }
}

/** x (to be removed) writes x1; honest a applies it and writes a1 on top. */
async function shared (aKey: string): Promise<{ x: Replica, a: Replica, x1: Uint8Array, a1: Uint8Array }> {
  const x = await Replica.open(`${dir.path}/${n++}`, ctx)
  const a = await Replica.open(`${dir.path}/${n++}`, ctx)
  const x1 = (await x.mutate(put('k', 'x1')))!
  await a.receive(x1)
  const a1 = (await a.mutate(put(aKey, 'a1')))!
  return { x, a, x1, a1 }
}

const put = (k: string, v: string) => (s: Parameters<Parameters<Replica['mutate']>[0]>[0]) => { s.mapSet(s.root(), utf8(k), utf8(v)) }

describe('strong removal in the delta DAG', () => {
  it('voids what is outside the frontier, undoes it where it was applied first, and converges', async () => {
    const { x, a, x1, a1 } = await shared('k')
    // The removal of x as a saw it: frontier = a's heads.
    const removal: Removal = { identity: x.key.publicKey, id: new Uint8Array(32).fill(9), frontier: [decodeDelta(a1).id], seenAt: () => false }
    // x writes again, backdated (it wins the key by clock), outside the frontier.
    const x2 = (await x.mutate(put('k', 'x2')))!

    const early = await judged() // applies x2 before it learns of the removal
    for (const d of [x1, a1, x2]) assert.equal(await early.receive(d), 'applied')
    const rootWithX2 = early.root()
    early.removals.push(removal)
    const undone = await early.dag.enforceRemovals(ctx)
    assert.deepEqual(undone.map(toHex), [toHex(decodeDelta(x2).id)])
    assert.notEqual(early.root(), rootWithX2)
    assert.equal(early.dag.voided(ctx, decodeDelta(x2).id), true)

    const late = await judged() // knows the removal first, gets everything in reverse
    late.removals.push(removal)
    for (const d of [x2, a1, x1]) await late.receive(d)
    assert.equal(late.dag.voided(ctx, decodeDelta(x2).id), true)
    assert.equal(late.dag.voided(ctx, decodeDelta(x1).id), false, 'x1 is in the frontier\'s past')

    const never = await judged() // never sees x2
    for (const d of [x1, a1]) await never.receive(d)
    assert.equal(early.root(), never.root())
    assert.equal(late.root(), never.root())
    // Enforcing again changes nothing.
    assert.deepEqual(await early.dag.enforceRemovals(ctx), [])
    // The removal overturned (a concurrent mutual removal ordered before it won): restored.
    early.removals.length = 0
    assert.deepEqual((await early.dag.enforceRemovals(ctx)).map(toHex), [toHex(decodeDelta(x2).id)])
    assert.equal(early.dag.voided(ctx, decodeDelta(x2).id), false)
    assert.equal(early.root(), rootWithX2)
    for (const r of [early, late, never]) await r.close()
    await x.close(); await a.close()
  })

  it('a delta of the removed identity is judged once the frontier is known, also when the frontier\'s delta is itself held', async () => {
    const { x, a, x1, a1 } = await shared('j')
    const node = await judged()
    node.removals.push({ identity: x.key.publicKey, id: new Uint8Array(32).fill(8), frontier: [decodeDelta(a1).id], seenAt: () => false })
    // x1 first: the walk back from the frontier cannot start (a1 unknown), so x1 waits.
    assert.equal(await node.receive(x1), 'held')
    // a1 is held for its parent x1; that is enough to decide x1, which releases a1.
    assert.equal(await node.receive(a1), 'applied')
    assert.equal(node.dag.pendingCount(ctx), 0)
    assert.equal(node.dag.voided(ctx, decodeDelta(x1).id), false)
    const ref = await judged()
    for (const d of [x1, a1]) await ref.receive(d)
    assert.equal(node.root(), ref.root())
    for (const r of [node, ref]) await r.close()
    await x.close(); await a.close()
  })

  it('a delta written at a governance point that had seen the removal (the author added back) is not voided', async () => {
    const x = await Replica.open(`${dir.path}/${n++}`, ctx)
    const x1 = (await x.mutate(put('k', 'x1')))!
    const node = await judged()
    node.removals.push({ identity: x.key.publicKey, id: new Uint8Array(32).fill(7), frontier: [], seenAt: () => true })
    assert.equal(await node.receive(x1), 'applied')
    assert.equal(node.dag.voided(ctx, decodeDelta(x1).id), false)
    await node.close(); await x.close()
  })
})
