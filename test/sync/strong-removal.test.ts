// Strong removal between node processes: a removed member that kept its old key signs a
// delta naming its governance point from before the removal (it would overwrite a key
// written after the removal). Every node that knows the removal keeps it without effect;
// a node that applied it before it learnt of the removal undoes it once it does; all end
// with one root hash and the post-removal value.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { converged, fullMesh, NodeProcess, sharedContext, until } from '../helpers/node-process.ts'

describe('strong removal', { timeout: 180_000 }, () => {
  let a: NodeProcess, b: NodeProcess, c: NodeProcess, d: NodeProcess
  let ctx: string
  let identities: Map<NodeProcess, string>

  before(async () => {
    [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map(async (name) => await NodeProcess.start({ name })))
    ;({ ctx, identities } = await sharedContext(a, [b, c, d]))
    await fullMesh([a, b, c, d])
    await a.call('set', { ctx, key: 'k', value: 'before' })
    await converged([a, b, c, d], ctx)
  })
  after(async () => { await Promise.all([a, b, c, d].map(async (p) => { await p.cleanup() })) })

  it('a removed member\'s backdated delta is voided by every node that knows the removal, and undone where it was applied before', async () => {
    // c's governance point while still a member, and d cut off from everyone (it will not
    // hear of the removal until it reconnects).
    const oldPoint: string[] = await c.call('govHeads', { ctx })
    await d.call('block', { peers: [a.peerId, b.peerId, c.peerId] })
    await a.call('remove', { ctx, identity: identities.get(c) })
    await until('b to see c removed', async () => !(await b.call('members', { ctx })).some((m: { identity: string }) => m.identity === identities.get(c)))
    await a.call('set', { ctx, key: 'k', value: 'after' })
    await until('a\'s post-removal write on b', async () => await b.call('get', { ctx, key: 'k' }) === 'after', 15_000, 50)

    // c forges a later write (its clock beats a's) at its old point, with its old key.
    const forged = await c.call('forge', { ctx, mode: 'self', key: 'k', value: 'by removed c', hlcMs: Date.now() + 1_000, anchor: oldPoint, publish: false })
    assert.deepEqual(forged.anchor.sort(), [...oldPoint].sort())

    // d does not know of the removal yet: it applies it, as the membership check at the point allows.
    assert.equal((await d.call('receive', { ctx, bytes: forged.bytes })).applied, 1)
    assert.equal(await d.call('get', { ctx, key: 'k' }), 'by removed c')

    // a and b know of it: kept in the DAG without effect, with the reason.
    for (const m of [a, b]) {
      const r = await m.call('receive', { ctx, bytes: forged.bytes })
      assert.equal(r.applied, 0, `${m.name} applied the backdated delta`)
      assert.equal(m.grep(new RegExp(`rejected delta of a removed member.*${forged.deltaId}.*not in the causal past of that removal`)).length, 1, `${m.name} logged no rejection`)
      assert.equal(await m.call('get', { ctx, key: 'k' }), 'after')
    }
    // c also publishes it, as the attack would: nothing changes on a or b.
    await c.call('forge', { ctx, mode: 'self', key: 'k', value: 'by removed c', hlcMs: Date.now() + 1_000, anchor: oldPoint })

    // d reconnects, learns of the removal and undoes the delta (its subscribers hear of it).
    await d.call('watch', { ctx })
    await d.call('unblock', { peers: [a.peerId, b.peerId, c.peerId] })
    await d.call('dial', { addr: a.addresses[0] })
    await until('d to undo the delta', () => d.grep(new RegExp(`undid deltas of a removed member.*${forged.deltaId}`)).length === 1, 30_000)
    await until('d\'s subscribers to hear of the undo', () => d.events.some((e) => e.ctx === ctx && e.kind === 'undone'), 10_000)
    const root = await converged([a, b, d], ctx)
    assert.match(root, /^[0-9a-f]{64}$/)
    for (const m of [a, b, d]) assert.equal(await m.call('get', { ctx, key: 'k' }), 'after', `${m.name}'s value`)

    // The members go on: a write after all this reaches every remaining member.
    await d.call('set', { ctx, key: 'later', value: 'd' })
    await until('d\'s write on a and b', async () => await a.call('get', { ctx, key: 'later' }) === 'd' && await b.call('get', { ctx, key: 'later' }) === 'd', 15_000, 50)
    await converged([a, b, d], ctx)
  })
})
