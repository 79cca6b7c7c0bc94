// Deltas held for missing parents are bounded per context: a member can make a node keep
// at most MAX_HELD_DELTAS of them; one more is dropped (not applied, not kept, not a
// rejection: a sync fetches it again once its parents are in), and nothing else changes.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { utf8 } from '../../src/crypto/bytes.ts'
import type { Governance } from '../../src/node/governance.ts'
import type { Identities } from '../../src/node/identities.ts'
import { MAX_HELD_DELTAS } from '../../src/node/constants.ts'
import type { Replicator } from '../../src/node/replication.ts'
import { OP } from '../../src/state/actions.ts'
import { rootId } from '../../src/state/ids.ts'
import { createDelta, type Delta } from '../../src/sync/delta.ts'
import { appWasm, startTestNode, type TestNode } from '../helpers/node.ts'

interface Parts { governance: Governance, identities: Identities, replicator: Replicator }

describe('held deltas', { timeout: 300_000 }, () => {
  let t: TestNode
  let ctx: string
  before(async () => {
    t = await startTestNode()
    const app = await t.node.installApplication({ wasm: appWasm('kv-store') })
    ctx = (await t.node.createContext({ applicationId: app.id })).id
  })
  after(async () => { await t.close() })

  it(`at most ${MAX_HELD_DELTAS} per context are kept`, async () => {
    const p = (t.node as unknown as { p: Parts }).p
    const c = Buffer.from(ctx, 'hex')
    const me = p.identities.get(c, Buffer.from(t.node.getContext(ctx).identity, 'hex'))!
    const orphan = (i: number): Delta => createDelta({
      context: c,
      author: me.publicKey,
      parents: [new Uint8Array(randomBytes(32))],
      anchor: p.governance.point(c),
      hlc: { ms: Date.now(), c: i },
      actions: [[OP.PUT, rootId(c), utf8(`orphan-${i}`), utf8('x')]]
    }, me.secretKey)
    const root = t.node.getContext(ctx).rootHash
    for (let i = 0; i < MAX_HELD_DELTAS + 10; i += 256) {
      const batch = Array.from({ length: Math.min(256, MAX_HELD_DELTAS + 10 - i) }, (_, k) => orphan(i + k))
      assert.deepEqual(await p.replicator.receiveDeltas(c, batch, null), { applied: 0, rejected: 0 })
    }
    assert.equal(t.node.syncStatus(ctx).pendingDeltas, MAX_HELD_DELTAS)
    assert.equal(t.node.getContext(ctx).rootHash, root)
    // A delta whose parents are in still applies.
    await t.call(ctx, 'set', { key: 'k', value: 'v' })
    assert.equal(await t.query(ctx, 'get', { key: 'k' }), 'v')
  })
})
