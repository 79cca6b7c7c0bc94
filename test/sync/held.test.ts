// Deltas held for missing parents are bounded per author and per context: a member can
// make a node keep at most MAX_HELD_DELTAS_PER_AUTHOR of them, all members together
// MAX_HELD_DELTAS; one more is dropped (not applied, not kept, not a rejection: a sync
// fetches it again once its parents are in), and nothing else changes.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { utf8 } from '../../src/crypto/bytes.ts'
import type { Governance } from '../../src/node/governance.ts'
import type { Identities } from '../../src/node/identities.ts'
import { MAX_HELD_DELTAS, MAX_HELD_DELTAS_PER_AUTHOR } from '../../src/node/constants.ts'
import type { Replicator } from '../../src/node/replication.ts'
import { OP } from '../../src/state/actions.ts'
import { rootId } from '../../src/state/ids.ts'
import { createDelta, type Delta } from '../../src/sync/delta.ts'
import { joinedContext, startTestNode, type TestNode } from '../helpers/node.ts'
import type { KeyPair } from '../../src/crypto/ed25519.ts'

interface Parts { governance: Governance, identities: Identities, replicator: Replicator }

describe('held deltas', { timeout: 300_000 }, () => {
  let admin: TestNode
  let members: TestNode[]
  let ctx: string
  before(async () => {
    admin = await startTestNode()
    members = await Promise.all([1, 2, 3, 4].map(async () => await startTestNode()))
    ctx = await joinedContext(admin, members)
  })
  after(async () => { await Promise.all([admin, ...members].map(async (t) => { await t.close() })) })

  it(`each author fills at most ${MAX_HELD_DELTAS_PER_AUTHOR}, and at most ${MAX_HELD_DELTAS} per context are kept`, async () => {
    const p = (admin.node as unknown as { p: Parts }).p
    const c = Buffer.from(ctx, 'hex')
    const identity = (t: TestNode): KeyPair => (t.node as unknown as { p: Parts }).p.identities.get(c, Buffer.from(t.node.getContext(ctx).identity, 'hex'))!
    let n = 0
    const orphan = (author: KeyPair): Delta => createDelta({
      context: c,
      author: author.publicKey,
      parents: [new Uint8Array(randomBytes(32))],
      anchor: p.governance.point(c),
      hlc: { ms: Date.now(), c: n },
      actions: [[OP.PUT, rootId(c), utf8(`orphan-${n++}`), utf8('x')]]
    }, author.secretKey)
    const flood = async (author: KeyPair, count: number): Promise<void> => {
      for (let i = 0; i < count; i += 256) {
        const batch = Array.from({ length: Math.min(256, count - i) }, () => orphan(author))
        assert.deepEqual(await p.replicator.receiveDeltas(c, batch, null), { applied: 0, rejected: 0 })
      }
    }
    const held = (): number => admin.node.syncStatus(ctx).pendingDeltas
    const root = admin.node.getContext(ctx).rootHash
    const [b, c2, d, e] = members.map(identity) as [KeyPair, KeyPair, KeyPair, KeyPair]

    // One member floods: it fills its share, no more; another author's orphan is still held.
    await flood(b, MAX_HELD_DELTAS_PER_AUTHOR + 10)
    assert.equal(held(), MAX_HELD_DELTAS_PER_AUTHOR)
    await flood(identity(admin), 1)
    assert.equal(held(), MAX_HELD_DELTAS_PER_AUTHOR + 1)

    // Four members together fill the context's buffer; then nothing more is held.
    await flood(c2, MAX_HELD_DELTAS_PER_AUTHOR)
    await flood(d, MAX_HELD_DELTAS_PER_AUTHOR)
    await flood(e, MAX_HELD_DELTAS_PER_AUTHOR)
    assert.equal(held(), MAX_HELD_DELTAS)
    await flood(identity(admin), 5)
    assert.equal(held(), MAX_HELD_DELTAS)
    assert.equal(admin.node.getContext(ctx).rootHash, root)

    // A delta whose parents are in still applies.
    await admin.call(ctx, 'set', { key: 'k', value: 'v' })
    assert.equal(await admin.query(ctx, 'get', { key: 'k' }), 'v')
  })
})
