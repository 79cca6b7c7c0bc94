// A stranger (a node in no context) hands governance ops to the members of a context —
// in its answer to their governance sync, or by any other path into the replicator: a
// parentless op with a zero clock (which once sorted ahead of the genesis and emptied the
// context on every node), an op with a clock near 2^53 (which once dragged the node's
// clock into the far future for good), a genesis of its own, and a flood of ops on
// missing parents. Each node processes them as its own OS process; members, governance
// heads, root hash and clock stay as they were, also after a restart on a store that an
// older version let such ops into.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MAX_CLOCK_DRIFT_MS } from '../../src/state/hlc.ts'
import { HELD_OPS_MAX, HELD_OPS_MAX_BYTES } from '../../src/governance/offchain/index.ts'
import { converged, fullMesh, NodeProcess, sharedContext, until } from '../helpers/node-process.ts'

describe('governance ops from a stranger', { timeout: 180_000 }, () => {
  let a: NodeProcess, b: NodeProcess, s: NodeProcess
  let ctx: string
  const members = (): NodeProcess[] => [a, b]

  interface Standing { members: string[], govHeads: string[], root: string }
  const standing = async (n: NodeProcess): Promise<Standing> => ({
    members: (await n.call('members', { ctx })).map((m: { identity: string, role: string }) => `${m.identity}:${m.role}`).sort(),
    govHeads: await n.call('govHeads', { ctx }),
    root: (await n.call('ctx', { ctx })).rootHash
  })
  /** Members and root hash, and that every governance op of the log is by a member (a or b). */
  const unharmed = async (n: NodeProcess): Promise<Omit<Standing, 'govHeads'>> => {
    const { members, root } = await standing(n)
    const ids = members.map((m) => m.split(':')[0])
    for (const e of (await n.call('governance', { ctx })).ops) assert.ok(ids.includes(e.author), `${n.name} holds an op by ${String(e.author)}`)
    return { members, root }
  }
  const clockIsSane = async (n: NodeProcess): Promise<void> => {
    const hlc = await n.call('hlc')
    assert.ok(hlc.ms <= Date.now() + MAX_CLOCK_DRIFT_MS, `${n.name}'s clock moved to ${hlc.ms}`)
  }

  before(async () => {
    [a, b, s] = await Promise.all(['a', 'b', 's'].map(async (name) => await NodeProcess.start({ name })))
    ;({ ctx } = await sharedContext(a, [b]))
    await fullMesh([a, b])
    await a.call('set', { ctx, key: 'seed', value: 'x' })
    await converged(members(), ctx)
  })
  after(async () => { await Promise.all([a, b, s].map(async (p) => { await p.cleanup() })) })

  it('a parentless op with a zero clock, an op with a clock near 2^53 and a forged genesis change nothing on any member', async () => {
    const before = await Promise.all(members().map(standing))
    assert.equal(before[0]!.members.length, 2)
    const junk: string[] = await s.call('junkOps', { ctx, kinds: ['zero', 'future', 'forged-genesis'] })
    // The stranger answers the members' governance sync with them ...
    await s.call('serveJunkGov', { ops: junk })
    for (const m of members()) {
      await s.call('dial', { addr: m.addresses[0] })
      await m.call('govSync', { ctx, peer: s.peerId }).catch(() => {})
      // ... and hands them in once more by the replicator's own door (gossip and pushes end there).
      await m.call('govReceive', { ctx, ops: junk })
    }
    for (const m of members()) {
      assert.ok(m.grep(/governance op refused.*only the genesis op has no parents/).length >= 1, `${m.name} did not refuse the parentless op`)
      assert.ok(m.grep(/governance op refused.*genesis does not derive this context id|governance op refused.*already has its genesis/).length >= 1, `${m.name} did not refuse the forged genesis`)
      assert.ok(m.grep(/governance op refused.*its clock is \d+ ms ahead/).length >= 1, `${m.name} did not refuse the far-future op`)
      await clockIsSane(m)
    }
    assert.deepEqual(await Promise.all(members().map(standing)), before)
    // The node still works: its invitations are not "already expired", its writes reach the other member.
    const invitee = await s.call('identity')
    assert.match(await a.call('inviteAs', { ctx, identity: invitee }), /./)
    await b.call('set', { ctx, key: 'after-junk', value: 'b' })
    await until('b\'s write on a', async () => await a.call('get', { ctx, key: 'after-junk' }) === 'b', 15_000, 50)
    await converged(members(), ctx)
  })

  it('a flood of ops on missing parents is held within its count and byte bounds, oldest evicted', async () => {
    const before = await unharmed(a)
    for (let round = 0; round < 4; round++) {
      const orphans: string[] = await s.call('junkOps', { ctx, kinds: ['orphans'], n: 100, kib: 8 })
      await a.call('govReceive', { ctx, ops: orphans })
    }
    const held = await a.call('govHeld', { ctx })
    assert.ok(held.ops > 0 && held.ops <= HELD_OPS_MAX, `held ${held.ops} ops`)
    assert.ok(held.bytes <= HELD_OPS_MAX_BYTES, `held ${held.bytes} bytes`)
    assert.deepEqual(await unharmed(a), before)
  })

  it('after a restart on a store holding a stranger\'s root and held ops (as older versions kept them), the context works', async () => {
    const junk: string[] = await s.call('junkOps', { ctx, kinds: ['zero', 'forged-genesis'] })
    const orphans: string[] = await s.call('junkOps', { ctx, kinds: ['orphans'], n: 3 })
    await a.call('poisonGov', { ctx, ops: junk })
    await a.call('poisonGov', { ctx, ops: orphans, held: true })
    const before = await unharmed(a)
    await a.stop()
    a = await a.restart({ bootstrap: b.addresses })
    await until('a to drop the stored junk', () => a.grep(/dropped stored governance ops/).length > 0, 15_000)
    assert.deepEqual(await unharmed(a), before)
    await clockIsSane(a)
    await a.call('set', { ctx, key: 'after-restart', value: 'a' })
    await until('a\'s write on b', async () => await b.call('get', { ctx, key: 'after-restart' }) === 'a', 15_000, 50)
    await converged(members(), ctx)
    // And again: the junk is gone from the store, so a second restart drops nothing more.
    await a.stop()
    a = await a.restart({ bootstrap: b.addresses })
    assert.deepEqual((await unharmed(a)).members, before.members)
    assert.equal(a.grep(/dropped stored governance ops/).length, 0)
  })
})
