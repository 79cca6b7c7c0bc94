// Byte budgets on both sides of the catch-up streams: a context holding 32 values at the
// 4 MiB value cap (128 MiB of state, far over the 16 MiB frame cap) is taken by a fresh
// joiner through a snapshot whose pages are bounded by bytes, and it ends with the
// writer's root hash. (c, a member that joined early, is part of the context as it grows.)
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { utf8 } from '../../src/crypto/bytes.ts'
import type { Governance } from '../../src/node/governance.ts'
import type { Identities } from '../../src/node/identities.ts'
import type { Replicator } from '../../src/node/replication.ts'
import { OP } from '../../src/state/actions.ts'
import { rootId } from '../../src/state/ids.ts'
import type { DeltaDag } from '../../src/sync/dag.ts'
import { createDelta } from '../../src/sync/delta.ts'
import { joinedContext, startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

const VALUE_CAP = 4 * 1024 * 1024
const VALUES = 32

interface Parts { dag: DeltaDag, governance: Governance, identities: Identities, replicator: Replicator }
const partsOf = (t: TestNode): Parts => (t.node as unknown as { p: Parts }).p

describe('values at the 4 MiB cap', { timeout: 600_000 }, () => {
  let a: TestNode, b: TestNode, c: TestNode
  let ctx: string

  before(async () => {
    [a, b, c] = await Promise.all([startTestNode(), startTestNode(), startTestNode()])
    // c joins while the context is small: it has history, so it will catch up by deltas.
    ctx = await joinedContext(a, [c])
    await a.call(ctx, 'set', { key: 'small', value: 'first' })
    await until('c to have the first write', async () => await c.query(ctx, 'get', { key: 'small' }) === 'first')
  })
  after(async () => { await Promise.all([a.close(), b.close(), c.close()]) })

  it(`${VALUES} values of 4 MiB: a fresh joiner (snapshot) reaches the same root hash`, async () => {
    const p = partsOf(a)
    const c32 = Buffer.from(ctx, 'hex')
    const me = p.identities.get(c32, Buffer.from(a.node.getContext(ctx).identity, 'hex'))!
    // One delta per value, each carrying a value at the cap (written as a member's delta:
    // a call's arguments are capped lower than a stored value).
    for (let i = 0; i < VALUES; i++) {
      const delta = createDelta({
        context: c32,
        author: me.publicKey,
        parents: p.dag.info(c32)!.heads,
        anchor: p.governance.point(c32),
        hlc: { ms: Date.now(), c: i },
        actions: [[OP.PUT, rootId(c32), utf8(`big-${i}`), new Uint8Array(randomBytes(VALUE_CAP))]]
      }, me.secretKey)
      assert.deepEqual(await p.replicator.receiveDeltas(c32, [delta], null), { applied: 1, rejected: 0 })
    }
    const want = a.node.getContext(ctx)
    assert.equal(want.deltaCount, VALUES + 1)

    await b.node.join((await a.node.invite(ctx, { identity: (await b.node.newIdentity()).publicKey, role: 'member' })).invitation)
    assert.equal(b.node.getContext(ctx).rootHash, want.rootHash, 'the fresh joiner has another state')
    assert.equal(b.node.syncStatus(ctx).deltaCount, VALUES + 1)
  })

  it(`${VALUES} values of 4 MiB: a member that has history catches up by deltas`, async () => {
    const want = a.node.getContext(ctx).rootHash
    await c.node.syncContext(ctx)
    await until('c to catch up by deltas', () => c.node.getContext(ctx).rootHash === want, 300_000)
    assert.equal(c.node.syncStatus(ctx).deltaCount, VALUES + 1)
    assert.equal(c.node.syncStatus(ctx).pendingDeltas, 0)
  })
})
