// Governance through the node, on real nodes in one process over loopback libp2p: open
// invitations (commit–reveal), role changes, proposals with a threshold across two admin
// nodes, the audit with rejection reasons, application updates, leave.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { appWasm, startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

describe('governance across nodes', () => {
  let a: TestNode, b: TestNode, c: TestNode, d: TestNode
  let ctx: string
  let idA: string, idB: string, idC: string
  before(async () => {
    [a, b, c, d] = await Promise.all([startTestNode(), startTestNode(), startTestNode(), startTestNode()])
    const app = await a.node.installApplication({ wasm: appWasm('kv-store') })
    const created = await a.node.createContext({ applicationId: app.id })
    ctx = created.id
    idA = created.identity
    await a.call(ctx, 'set', { key: 'before', value: 'join' })
  })
  after(async () => { await Promise.all([a.close(), b.close(), c.close(), d.close()]) })

  it('an open invitation is joined end to end with a new identity, and refused once its uses are spent', async () => {
    const inv = await a.node.invite(ctx, { open: true, role: 'member', maxUses: 1 })
    assert.equal(inv.kind, 'open')
    assert.equal(inv.maxUses, 1)
    assert.match(inv.invitation, /^moorinv3\./)
    const phases = new Set<string>()
    const joined = await b.node.join(inv.invitation, { onProgress: (p) => { phases.add(p.phase) } })
    assert.equal(joined.id, ctx)
    idB = joined.identity
    assert.ok(phases.has('governance'))
    assert.equal(b.node.members(ctx).find((m) => m.identity === idB)?.role, 'member')
    assert.equal(await b.query(ctx, 'get', { key: 'before' }), 'join')
    await b.call(ctx, 'set', { key: 'from', value: 'b' })
    await until('a sees b', async () => await a.query(ctx, 'get', { key: 'from' }) === 'b')
    // The claim went through commit then reveal, both accepted.
    const ops = a.node.governance(ctx).ops.filter((o) => o.author === idB && o.action.type.endsWith('Claim'))
    assert.deepEqual(ops.map((o) => [o.action.type, o.accepted]), [['commitClaim', true], ['revealClaim', true]])
    // A second holder of the string is refused: the single use is spent.
    await assert.rejects(c.node.join(inv.invitation), (e: Error) => e.name === 'ForbiddenError' && /no uses left/.test(e.message))
    assert.throws(() => c.node.getContext(ctx), { name: 'NotFoundError' })
    assert.deepEqual(c.node.listIdentities(ctx), [])
    assert.equal(a.node.members(ctx).length, 2)
  })

  it('a reader cannot write until an admin makes it a member', async () => {
    const inv = await a.node.invite(ctx, { open: true, role: 'reader' })
    const joined = await c.node.join(inv.invitation)
    idC = joined.identity
    assert.equal(await c.query(ctx, 'get', { key: 'from' }), 'b')
    await assert.rejects(c.call(ctx, 'set', { key: 'from-c', value: 'no' }), { name: 'ForbiddenError' })
    const m = await a.node.setRole(ctx, idC, 'member')
    assert.deepEqual(m, { identity: idC, role: 'member', capabilities: [] })
    await until('c learns its new role', () => c.node.members(ctx).find((x) => x.identity === idC)?.role === 'member')
    await c.call(ctx, 'set', { key: 'from-c', value: 'yes' })
    await until('a sees c', async () => await a.query(ctx, 'get', { key: 'from-c' }) === 'yes')
    // Members cannot change roles; capabilities are granted and revoked by admins.
    await until('b knows c', () => b.node.members(ctx).some((x) => x.identity === idC))
    await assert.rejects(b.node.setRole(ctx, idC, 'reader'), (e: Error) => e.name === 'GovernanceRejectedError' && /ManageMembers/.test(e.message))
    const granted = await a.node.grant(ctx, idC, 'ManageMembers')
    assert.deepEqual(granted.capabilities, ['ManageMembers'])
    await assert.rejects(a.node.grant(ctx, idC, 'Nope' as never), { name: 'InvalidInputError' })
    assert.deepEqual((await a.node.revoke(ctx, idC, 'ManageMembers')).capabilities, [])
  })

  it('proposals execute at the threshold across two admin nodes', async () => {
    const promote = await a.node.propose(ctx, [{ type: 'addAdmin', identity: idB }])
    assert.equal(promote.status, 'executed')
    const raise = await a.node.propose(ctx, [{ type: 'setThreshold', threshold: 2 }])
    assert.equal(raise.status, 'executed')
    const p = await a.node.propose(ctx, [{ type: 'setValue', key: 'topic', value: 'launch' }])
    assert.equal(p.status, 'open')
    assert.equal(p.counted, 1)
    assert.equal(p.threshold, 2)
    assert.deepEqual(a.node.proposals(ctx).map((x) => x.id), [p.id])
    await until('b and c see the proposal', () => b.node.proposals(ctx).some((x) => x.id === p.id) && c.node.proposals(ctx).some((x) => x.id === p.id))
    await assert.rejects(c.node.approve(ctx, p.id), (e: Error) => e.name === 'GovernanceRejectedError' && /only admins approve/.test(e.message))
    const approved = await b.node.approve(ctx, p.id)
    assert.equal(approved.status, 'executed')
    assert.deepEqual(approved.approvals.sort(), [idA, idB].sort())
    await until('a sees it executed', () => a.node.proposal(ctx, p.id).status === 'executed')
    assert.deepEqual(a.node.proposals(ctx), [])
    assert.deepEqual(a.node.governance(ctx).values, [{ key: 'topic', value: 'launch' }])
    await assert.rejects(async () => a.node.proposal(ctx, '00'.repeat(32)), { name: 'NotFoundError' })
    await assert.rejects(a.node.propose(ctx, [{ type: 'setThreshold', threshold: 0 }]), { name: 'InvalidInputError' })
  })

  it('the audit explains which of two concurrent mutual removals lost, identically on both nodes', async () => {
    const lower = await a.node.propose(ctx, [{ type: 'setThreshold', threshold: 1 }])
    await until('b sees it', () => b.node.proposals(ctx).some((x) => x.id === lower.id))
    await b.node.approve(ctx, lower.id)
    await until('a sees threshold 1', () => a.node.governance(ctx).threshold === 1)
    // Each admin demotes the other before hearing of the other's proposal.
    const [pa, pb] = await Promise.all([
      a.node.propose(ctx, [{ type: 'removeAdmin', identity: idB }]),
      b.node.propose(ctx, [{ type: 'removeAdmin', identity: idA }])
    ])
    assert.equal(pa.status, 'executed')
    assert.equal(pb.status, 'executed')
    const heads = (t: TestNode): string => t.node.governance(ctx).ops.map((o) => `${o.id}:${o.accepted}`).join()
    await until('both logs converge', () => heads(a) === heads(b) && a.node.governance(ctx).ops.some((o) => o.action.type === 'propose' && o.author === idB && o.action.proposal === pb.id))
    const audit = a.node.governance(ctx)
    const rivals = audit.ops.filter((o) => o.action.type === 'propose' && (o.action.proposal === pa.id || o.action.proposal === pb.id))
    assert.equal(rivals.length, 2)
    const [winner, loser] = rivals
    assert.equal(winner!.accepted, true)
    assert.equal(loser!.accepted, false)
    assert.match(loser!.reason!, /lacks the Proxy capability/)
    const rejected = a.node.governance(ctx, { rejected: true }).ops
    assert.ok(rejected.some((o) => o.id === loser!.id))
    assert.ok(rejected.every((o) => !o.accepted && o.reason !== null))
    // Both nodes agree on the one admin left.
    const admins = (t: TestNode): string[] => t.node.members(ctx).filter((m) => m.role === 'admin').map((m) => m.identity)
    assert.deepEqual(admins(a), [winner!.author])
    assert.deepEqual(admins(b), [winner!.author])
  })

  it('an application update reaches the other members, who fetch the module', async () => {
    const winner = a.node.members(ctx).find((m) => m.role === 'admin')!.identity === idA ? a : b
    const other = winner === a ? b : a
    await assert.rejects(winner.node.updateApplication(ctx, '00'.repeat(32)), { name: 'NotFoundError' })
    const chat = await winner.node.installApplication({ wasm: appWasm('chat') })
    const updated = await winner.node.updateApplication(ctx, chat.id)
    assert.equal(updated.applicationId, chat.id)
    await until('the other node follows', () => other.node.getContext(ctx).applicationId === chat.id && other.node.listApplications().some((x) => x.id === chat.id))
  })

  it('leave: a member leaves and is gone everywhere; the last admin is refused', async () => {
    await c.node.leave(ctx)
    assert.throws(() => c.node.getContext(ctx), { name: 'NotFoundError' })
    await until('the others see c leave', () => !a.node.members(ctx).some((m) => m.identity === idC) && !b.node.members(ctx).some((m) => m.identity === idC))
    const admin = a.node.members(ctx).find((m) => m.role === 'admin')!.identity === idA ? a : b
    await assert.rejects(admin.node.leave(ctx), (e: Error) => e.name === 'GovernanceRejectedError' && /last admin/.test(e.message))
    assert.equal(admin.node.getContext(ctx).id, ctx)
  })

  it('a revoked invitation cannot be claimed; revoking an unknown one is a 404', async () => {
    // The admin is whichever of a and b won the mutual removal above.
    const admin = a.node.members(ctx).find((m) => m.role === 'admin')!.identity === idA ? a : b
    const other = admin === a ? b : a
    const inv = await admin.node.invite(ctx, { open: true, role: 'member' })
    const revoked = await admin.node.revokeInvitation(ctx, inv.id)
    assert.equal(revoked.revoked, true)
    assert.equal(revoked.id, inv.id)
    await until('the other node sees the revocation', () => other.node.governance(ctx).invitations.some((i) => i.id === inv.id && i.revoked))
    const before = admin.node.members(ctx).length
    await assert.rejects(d.node.join(inv.invitation), (e: Error) => e.name === 'ForbiddenError' && /revoked/.test(e.message))
    assert.deepEqual(d.node.listContexts(), [])
    assert.equal(admin.node.members(ctx).length, before)
    await assert.rejects(admin.node.revokeInvitation(ctx, '00'.repeat(32)), { name: 'NotFoundError' })
  })

  it('an identity-bound invitation with maxUses > 1 is refused; an unknown ticket kind is not an invitation', async () => {
    const id = await d.node.newIdentity()
    await assert.rejects(a.node.invite(ctx, { identity: id.publicKey, maxUses: 2 }), { name: 'InvalidInputError' })
    await assert.rejects(a.node.invite(ctx, { identity: id.publicKey, open: true }), { name: 'InvalidInputError' })
    await assert.rejects(a.node.invite(ctx, {}), { name: 'InvalidInputError' })
    await assert.rejects(d.node.join('moorinv2.AAAA'), { name: 'InvalidInputError' })
  })
})
