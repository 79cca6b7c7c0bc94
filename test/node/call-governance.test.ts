// Governance requests from applications (moor.propose, moor.approve): real nodes, the
// governed fixture app (test/fixtures/apps/governed.ts), real offchain governance, two
// nodes over loopback libp2p. Requests act as the call's executor, go out only after the
// call's commit, and each outcome is in the call's result.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fromUtf8, utf8 } from '../../src/crypto/bytes.ts'
import type { ExecuteResult } from '../../src/node/types.ts'
import { fixtureWasm, startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

describe('governance requests from application calls', () => {
  let a: TestNode, b: TestNode
  let ctx: string
  let idA: string, idB: string

  /** A mutation; the whole result. */
  const exec = async (t: TestNode, method: string, args: unknown = {}): Promise<ExecuteResult> =>
    await t.node.execute({ contextId: ctx, method, args: utf8(JSON.stringify(args)) })
  const output = (r: ExecuteResult): unknown => (r.output === null ? undefined : JSON.parse(fromUtf8(r.output)))
  const values = (t: TestNode): Record<string, string> => Object.fromEntries(t.node.governance(ctx).values.map((v) => [v.key, v.value]))
  /** Proposals and approvals in the governance log (accepted or not). */
  const opCount = (t: TestNode): number => t.node.governance(ctx).ops.filter((o) => o.action.type === 'propose' || o.action.type === 'approve').length
  /** Governance ops that name a proposal id (a propose or an approve). */
  const opsOf = (t: TestNode, proposal: string): number => t.node.governance(ctx).ops.filter((o) => 'proposal' in o.action && o.action.proposal === proposal).length

  before(async () => {
    [a, b] = await Promise.all([startTestNode(), startTestNode()])
    const app = await a.node.installApplication({ wasm: fixtureWasm('governed') })
    const created = await a.node.createContext({ applicationId: app.id })
    ctx = created.id
    idA = created.identity
    const inv = await a.node.invite(ctx, { open: true, role: 'member' })
    idB = (await b.node.join(inv.invitation)).identity
  })
  after(async () => { await Promise.all([a.close(), b.close()]) })

  it('an admin proposes through the app: executed at threshold 1, the app keeps the id it was given', async () => {
    const r = await exec(a, 'set_value', { key: 'topic', value: 'launch' })
    const { proposal } = output(r) as { proposal: string }
    assert.match(proposal, /^[0-9a-f]{64}$/)
    assert.deepEqual(r.governance, [{ type: 'propose', contextId: ctx, identity: idA, proposal, status: 'executed', reason: null, error: null }])
    assert.notEqual(r.deltaId, null)
    // The id was known inside the call: the app stored it in the same commit.
    assert.equal(await a.query(ctx, 'get', { key: 'last' }), proposal)
    const info = a.node.proposal(ctx, proposal)
    assert.equal(info.author, idA)
    assert.equal(info.status, 'executed')
    assert.deepEqual(info.actions, [{ type: 'setValue', key: 'topic', value: 'launch' }])
    assert.equal(values(a).topic, 'launch')
    // setThreshold through the app's other helper.
    const t = await exec(a, 'set_threshold', { threshold: 1 })
    assert.equal(t.governance[0]!.status, 'executed')
  })

  it('a member without the Proxy capability is refused: the reason is in the result, the call\'s write committed', async () => {
    const r = await exec(b, 'propose', { actions: [{ type: 'setValue', key: 'x', value: 'y' }], note: 'from b' })
    const { proposal } = output(r) as { proposal: string }
    assert.equal(r.governance.length, 1)
    const g = r.governance[0]!
    assert.equal(g.type, 'propose')
    assert.equal(g.identity, idB)
    assert.equal(g.proposal, proposal)
    assert.equal(g.status, 'refused')
    assert.equal(g.error, 'GovernanceRejectedError')
    assert.match(g.reason!, /lacks the Proxy capability/)
    // The state write went through, and travels to the other node.
    assert.notEqual(r.deltaId, null)
    assert.equal(await b.query(ctx, 'get', { key: 'note' }), 'from b')
    assert.equal(await b.query(ctx, 'get', { key: 'last' }), proposal)
    await until('a sees b\'s write', async () => await a.query(ctx, 'get', { key: 'note' }) === 'from b')
    // Nothing reached governance (a refused request is not recorded, offchain).
    assert.equal(opsOf(b, proposal), 0)
    assert.throws(() => b.node.proposal(ctx, proposal), { name: 'NotFoundError' })
    assert.equal(values(b).x, undefined)
  })

  it('a member with Proxy proposes (open, visible on both nodes); an admin approves through the app', async () => {
    await a.node.grant(ctx, idB, 'Proxy')
    await until('b learns its capability', () => b.node.members(ctx).find((m) => m.identity === idB)?.capabilities.includes('Proxy') === true)
    const r = await exec(b, 'set_value', { key: 'colour', value: 'teal' })
    const { proposal } = output(r) as { proposal: string }
    assert.deepEqual(r.governance, [{ type: 'propose', contextId: ctx, identity: idB, proposal, status: 'open', reason: null, error: null }])
    const open = b.node.proposals(ctx).find((p) => p.id === proposal)
    assert.equal(open?.author, idB)
    assert.equal(open?.counted, 0) // a member's own approval does not count
    await until('a sees the proposal', () => a.node.proposals(ctx).some((p) => p.id === proposal))
    // The admin approves through its own call of the app.
    const ap = await exec(a, 'approve', { proposal })
    assert.equal(output(ap), proposal)
    assert.deepEqual(ap.governance, [{ type: 'approve', contextId: ctx, identity: idA, proposal, status: 'executed', reason: null, error: null }])
    assert.equal(values(a).colour, 'teal')
    await until('b sees it executed', () => b.node.proposal(ctx, proposal).status === 'executed' && values(b).colour === 'teal')
    // Requests go out in call order: the approval found the proposal made just before it
    // (and was refused only because a member does not approve).
    const both = await exec(b, 'propose_and_approve', { key: 'k', value: 'v' })
    assert.deepEqual(both.governance.map((g) => [g.type, g.status]), [['propose', 'open'], ['approve', 'refused']])
    assert.match(both.governance[1]!.reason!, /only admins approve/)
    assert.equal(both.governance[0]!.proposal, both.governance[1]!.proposal)
  })

  it('with two admins and threshold 2, the second admin\'s node approves through the app', async () => {
    const promote = await exec(a, 'propose', { actions: [{ type: 'addAdmin', identity: idB }, { type: 'setThreshold', threshold: 2 }] })
    assert.equal(promote.governance[0]!.status, 'executed')
    await until('b is an admin at threshold 2', () => b.node.members(ctx).find((m) => m.identity === idB)?.role === 'admin' && b.node.governance(ctx).threshold === 2)
    const r = await exec(a, 'set_value', { key: 'release', value: '1.0' })
    const { proposal } = output(r) as { proposal: string }
    assert.equal(r.governance[0]!.status, 'open')
    assert.equal(a.node.proposal(ctx, proposal).counted, 1)
    await until('b sees the proposal', () => b.node.proposals(ctx).some((p) => p.id === proposal))
    const ap = await exec(b, 'approve', { proposal })
    assert.deepEqual(ap.governance, [{ type: 'approve', contextId: ctx, identity: idB, proposal, status: 'executed', reason: null, error: null }])
    assert.equal(values(b).release, '1.0')
    await until('a sees it executed', () => values(a).release === '1.0')
    assert.deepEqual(a.node.proposal(ctx, proposal).approvals.sort(), [idA, idB].sort())
    // Approving again is refused, with the reason; the call itself succeeds.
    const again = await exec(b, 'approve', { proposal })
    assert.equal(again.governance[0]!.status, 'refused')
    assert.match(again.governance[0]!.reason!, /no such proposal/)
  })

  it('a call that traps after proposing submits nothing and writes nothing', async () => {
    const ops = opCount(a)
    const proposals = a.node.proposals(ctx).length
    await assert.rejects(exec(a, 'propose', { actions: [{ type: 'setValue', key: 'trap', value: 'no' }], note: 'trapped', trap: true }), { name: 'AppPanicError' })
    assert.notEqual(await a.query(ctx, 'get', { key: 'note' }), 'trapped')
    assert.equal(opCount(a), ops)
    assert.equal(a.node.proposals(ctx).length, proposals)
    assert.equal(values(a).trap, undefined)
  })

  it('a query that proposes or approves fails read-only', async () => {
    await assert.rejects(a.node.execute({ contextId: ctx, method: 'set_value', args: utf8('{"key":"q","value":"q"}'), readOnly: true }), (e: Error) => e.name === 'ReadOnlyViolationError' && /propose makes a governance request/.test(e.message))
    await assert.rejects(a.node.execute({ contextId: ctx, method: 'approve', args: utf8(JSON.stringify({ proposal: '00'.repeat(32) })), readOnly: true }), { name: 'ReadOnlyViolationError' })
    assert.equal(values(a).q, undefined)
  })

  it('malformed or invalid actions fail the call, and nothing is committed', async () => {
    const ops = opCount(a)
    const root = (await a.node.execute({ contextId: ctx, method: 'get', args: utf8('{"key":"note"}'), readOnly: true })).rootHash
    await assert.rejects(exec(a, 'propose', { actions: '[{"type": "setValue",', note: 'bad json' }), (e: Error) => e.name === 'HostCallError' && /propose: the actions are not valid UTF-8 JSON/.test(e.message))
    await assert.rejects(exec(a, 'propose', { actions: [{ type: 'setThreshold', threshold: 0 }], note: 'bad action' }), (e: Error) => e.name === 'HostCallError' && /propose: invalid actions: actions\[0\]: threshold must be a positive integer/.test(e.message))
    await assert.rejects(exec(a, 'propose', { actions: [], note: 'no actions' }), (e: Error) => e.name === 'HostCallError' && /1 to 16 actions/.test(e.message))
    await assert.rejects(exec(a, 'propose', { actions: [{ type: 'mint' }], note: 'unknown' }), (e: Error) => e.name === 'HostCallError' && /unknown action type "mint"/.test(e.message))
    // More requests than a call may make.
    await assert.rejects(exec(a, 'propose_many', { n: 17 }), (e: Error) => e.name === 'HostCallError' && /at most 16 governance requests/.test(e.message))
    assert.equal((await a.node.execute({ contextId: ctx, method: 'get', args: utf8('{"key":"note"}'), readOnly: true })).rootHash, root)
    assert.equal(opCount(a), ops)
  })

  it('a request made in an xcall target is the target\'s, by this node\'s identity there', async () => {
    const governed = a.node.listApplications().find((x) => x.methods.includes('set_value'))!
    const probe = await a.node.installApplication({ wasm: fixtureWasm('probe') })
    const source = await a.node.createContext({ applicationId: probe.id })
    const target = await a.node.createContext({ applicationId: governed.id })
    await a.node.grantXcall(target.id, source.id)
    const r = await a.node.execute({ contextId: source.id, method: 'xcall', args: utf8(JSON.stringify({ target: target.id, method: 'set_value', args: { key: 'via', value: 'xcall' } })) })
    const { proposal } = JSON.parse(fromUtf8(r.output!)) as { proposal: string }
    assert.deepEqual(r.governance, [{ type: 'propose', contextId: target.id, identity: target.identity, proposal, status: 'executed', reason: null, error: null }])
    assert.deepEqual(a.node.governance(target.id).values, [{ key: 'via', value: 'xcall' }])
    assert.equal(await a.query(target.id, 'get', { key: 'last' }), proposal)
  })

  it('a chain-only action in an off-chain context is refused at submission, after the commit', async () => {
    const r = await exec(a, 'propose', { actions: [{ type: 'transfer', to: '0x' + '11'.repeat(20), amount: '1' }], note: 'transfer' })
    assert.equal(r.governance[0]!.status, 'refused')
    assert.equal(r.governance[0]!.error, 'InvalidInputError')
    assert.match(r.governance[0]!.reason!, /needs a chain-anchored context/)
    assert.equal(await a.query(ctx, 'get', { key: 'note' }), 'transfer')
  })
})
