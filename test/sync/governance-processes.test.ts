// Governance enforced between node processes (issue 4's multi-node acceptance), every node
// its own OS process driven by test/fixtures/node-process.ts:
//   - an admin on A invites a reader on B and a member on C; C's writes reach all; B's
//     writes are refused locally, and a delta forged and signed by B's identity is
//     rejected by A and C; A removes C; C's later deltas are rejected by A and B (and
//     refused locally), and C cannot open what is written after its removal;
//   - two admins on partitioned nodes remove each other; after the partition heals every
//     node holds the same verdicts and the same single admin, and the audit
//     (node.governance, what `moor context governance` prints) gives the loser's reason.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { converged, fullMesh, NodeProcess, until } from '../helpers/node-process.ts'

describe('governance between node processes', { timeout: 240_000 }, () => {
  let a: NodeProcess, b: NodeProcess, c: NodeProcess
  const all = (): NodeProcess[] => [a, b, c]

  before(async () => {
    [a, b, c] = await Promise.all(['a', 'b', 'c'].map(async (name) => await NodeProcess.start({ name })))
    await fullMesh(all())
  })
  after(async () => { await Promise.all(all().map(async (p) => { await p.cleanup() })) })

  it('a reader and a member invited by the admin; the reader is refused everywhere; a removed member is cut off', async () => {
    const created = await a.call('create', { app: 'kv-store' })
    const ctx: string = created.id
    const idB: string = await b.call('identity')
    const idC: string = await c.call('identity')
    await b.call('join', { invitation: await a.call('invite', { ctx, identity: idB, role: 'reader' }) })
    await c.call('join', { invitation: await a.call('invite', { ctx, identity: idC, role: 'member' }) })
    const roles = async (n: NodeProcess): Promise<Record<string, string>> => Object.fromEntries((await n.call('members', { ctx })).map((m: any) => [m.identity, m.role]))
    await until('every node knows the three roles', async () => {
      const r = await Promise.all(all().map(roles))
      return r.every((x) => x[created.identity] === 'admin' && x[idB] === 'reader' && x[idC] === 'member')
    })

    // C's writes reach everyone, B included.
    await c.call('set', { ctx, key: 'from-c', value: 'hello' })
    await until('a and b see c\'s write', async () => await a.call('get', { ctx, key: 'from-c' }) === 'hello' && await b.call('get', { ctx, key: 'from-c' }) === 'hello')

    // B, a reader, is refused by its own node...
    await assert.rejects(b.call('set', { ctx, key: 'from-b', value: 'no' }), { name: 'ForbiddenError' })
    // ...and a delta it signs with its real identity and seals under the group key is
    // opened and rejected by A and C, with the reason.
    const fromB = await b.call('forge', { ctx, mode: 'self', key: 'forged-by-reader', value: 'b' })
    await until('a and c reject the reader\'s delta', () => [a, c].every((n) =>
      n.grep(new RegExp(`rejected delta.*${fromB.deltaId}.*is a reader`)).length >= 1), 15_000)
    for (const n of all()) assert.equal(await n.call('get', { ctx, key: 'forged-by-reader' }), null)

    // A removes C: the group key rotates; C's later deltas are rejected everywhere.
    const epochBefore = (await a.call('syncStatus', { ctx })).keyEpoch
    await a.call('remove', { ctx, identity: idC })
    let epochAfter = ''
    await until('a rotated the group key and b holds the new one', async () => {
      epochAfter = (await a.call('syncStatus', { ctx })).keyEpoch ?? ''
      return epochAfter !== '' && epochAfter !== epochBefore && (await b.call('keys', { ctx })).includes(epochAfter)
    })
    await until('c learnt of its removal', () => c.grep('no longer a member').length > 0)
    await assert.rejects(c.call('set', { ctx, key: 'after-removal-local', value: 'c' }), { name: 'ForbiddenError' })
    const fromC = await c.call('forge', { ctx, mode: 'self', key: 'forged-after-removal', value: 'c' })
    await until('a and b reject the removed member\'s delta', () => [a, b].every((n) =>
      n.grep(new RegExp(`rejected delta.*${fromC.deltaId}.*is not a member at the delta's governance point`)).length >= 1), 15_000)
    for (const n of [a, b]) assert.equal(await n.call('get', { ctx, key: 'forged-after-removal' }), null)

    // C cannot open what A writes after the removal, and holds none of the new key.
    await c.call('sniff', { ctx })
    await until('a to see c on the topic again', async () => (await a.call('topicPeers', { ctx })).includes(c.peerId))
    const secret = `after-removal-${randomBytes(8).toString('hex')}`
    const written = await a.call('set', { ctx, key: 'after-removal', value: secret })
    let seen: any[] = []
    await until('c to receive a\'s delta', async () => {
      seen = (await c.call('sniffed', { ctx, needle: secret })).filter((m: any) => m.subject === written.deltaId)
      return seen.length >= 1
    }, 15_000)
    for (const m of seen) {
      assert.equal(m.keyId, epochAfter)
      assert.equal(m.opened, false, 'c opened a delta written after its removal')
      assert.equal(m.plain, false)
    }
    assert.ok(!(await c.call('keys', { ctx })).includes(epochAfter))
    await until('b reads a\'s write', async () => await b.call('get', { ctx, key: 'after-removal' }) === secret)
    await converged([a, b], ctx)
  })

  it('concurrent mutual removal of two admins on partitioned nodes resolves identically on every node after the heal', async () => {
    const created = await a.call('create', { app: 'kv-store' })
    const ctx: string = created.id
    const idA: string = created.identity
    const idB: string = await b.call('identity')
    const idC: string = await c.call('identity')
    await b.call('join', { invitation: await a.call('invite', { ctx, identity: idB, role: 'member' }) })
    await c.call('join', { invitation: await a.call('invite', { ctx, identity: idC, role: 'member' }) })
    const promote = await a.call('propose', { ctx, actions: [{ type: 'addAdmin', identity: idB }] })
    assert.equal(promote.status, 'executed')
    const admins = async (n: NodeProcess): Promise<string[]> => (await n.call('members', { ctx })).filter((m: any) => m.role === 'admin').map((m: any) => m.identity).sort()
    await until('every node sees two admins', async () => (await Promise.all(all().map(admins))).every((x) => x.length === 2))

    // Partition {a, c} | {b}.
    for (const n of [a, c]) await n.call('block', { peers: [b.peerId] })
    await b.call('block', { peers: [a.peerId, c.peerId] })
    await until('the partition', async () => (await b.call('peers')).length === 0 && !(await a.call('peers')).includes(b.peerId))

    // Each admin removes the other, unaware of the other's proposal: both execute locally.
    const pa = await a.call('propose', { ctx, actions: [{ type: 'removeAdmin', identity: idB }] })
    const pb = await b.call('propose', { ctx, actions: [{ type: 'removeAdmin', identity: idA }] })
    assert.equal(pa.status, 'executed')
    assert.equal(pb.status, 'executed')
    assert.deepEqual(await admins(a), [idA])
    assert.deepEqual(await admins(b), [idB])

    // Heal.
    for (const n of [a, c]) await n.call('unblock', { peers: [b.peerId] })
    await b.call('unblock', { peers: [a.peerId, c.peerId] })
    await fullMesh(all())
    const verdicts = async (n: NodeProcess): Promise<string> => (await n.call('governance', { ctx })).ops.map((o: any) => `${o.id}:${o.accepted}:${o.reason ?? ''}`).join()
    const hasBoth = async (n: NodeProcess): Promise<boolean> => {
      const props = (await n.call('governance', { ctx })).ops.filter((o: any) => o.action.type === 'propose').map((o: any) => o.action.proposal)
      return props.includes(pa.id) && props.includes(pb.id)
    }
    await until('every node has both proposals and the same verdicts', async () => {
      if (!(await Promise.all(all().map(hasBoth))).every(Boolean)) return false
      const v = await Promise.all(all().map(verdicts))
      return v.every((x) => x === v[0])
    }, 45_000, 250)

    // One admin is left, the same on every node, and never none.
    const left = await Promise.all(all().map(admins))
    assert.equal(left[0]!.length, 1)
    for (const x of left) assert.deepEqual(x, left[0])
    // Every node's audit explains the outcome the same way: the losing proposal is rejected,
    // with its reason, and is listed among the rejected ops.
    for (const n of all()) {
      const audit = await n.call('governance', { ctx })
      const rivals = audit.ops.filter((o: any) => o.action.type === 'propose' && (o.action.proposal === pa.id || o.action.proposal === pb.id))
      assert.equal(rivals.length, 2)
      const winner = rivals.find((o: any) => o.accepted)
      const loser = rivals.find((o: any) => !o.accepted)
      assert.ok(winner !== undefined && loser !== undefined, `${n.name}: one proposal wins, one loses`)
      assert.deepEqual(left[0], [winner.author])
      // Concurrent: neither proposal had seen the other.
      assert.ok(!winner.parents.includes(loser.id) && !loser.parents.includes(winner.id))
      // The loser's author was demoted by the winner first (the documented rule): it no
      // longer holds an admin's capabilities.
      assert.match(loser.reason, /lacks the Proxy capability/)
      const rejected = (await n.call('governance', { ctx, rejected: true })).ops
      assert.ok(rejected.some((o: any) => o.id === loser.id && o.reason === loser.reason), `${n.name}: the loser is among the rejected ops`)
    }
  })
})
