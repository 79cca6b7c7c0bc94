// Two and three nodes in one process, over real libp2p sockets on loopback: invite,
// join, converge, remove with key rotation, rejection of non-members.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { appWasm, startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

describe('membership across nodes', () => {
  let a: TestNode, b: TestNode, c: TestNode
  let ctx: string
  before(async () => {
    [a, b, c] = await Promise.all([startTestNode(), startTestNode(), startTestNode()])
    const app = await a.node.installApplication({ wasm: appWasm('kv-store') })
    ctx = (await a.node.createContext({ applicationId: app.id })).id
    await a.call(ctx, 'set', { key: 'before', value: 'join' })
  })
  after(async () => { await Promise.all([a.close(), b.close(), c.close()]) })

  it('an invited node joins, fetches the application and the state, and both converge', async () => {
    const id = await b.node.newIdentity()
    const { invitation } = await a.node.invite(ctx, { identity: id.publicKey, role: 'member' })
    const joined = await b.node.join(invitation)
    assert.equal(joined.id, ctx)
    assert.equal(await b.query(ctx, 'get', { key: 'before' }), 'join')
    await b.call(ctx, 'set', { key: 'from', value: 'b' })
    await a.call(ctx, 'set', { key: 'from-a', value: 'a' })
    await until('a sees b', async () => await a.query(ctx, 'get', { key: 'from' }) === 'b')
    await until('b sees a', async () => await b.query(ctx, 'get', { key: 'from-a' }) === 'a')
    await until('same root', () => a.node.getContext(ctx).rootHash === b.node.getContext(ctx).rootHash)
  })

  it('a non-member on the same network reads nothing and its deltas are not applied', async () => {
    // c is connected to a and b but not a member.
    await c.node.join('moorinv1.AAAA').catch(() => {})
    assert.throws(() => c.node.getContext(ctx), { name: 'NotFoundError' })
    const before = a.node.getContext(ctx).rootHash
    await a.call(ctx, 'set', { key: 'secret', value: 'x' })
    assert.notEqual(a.node.getContext(ctx).rootHash, before)
  })

  it('a removed member cannot decrypt what is written after its removal', async () => {
    const bIdentity = b.node.getContext(ctx).identity
    const epochBefore = a.node.syncStatus(ctx).keyEpoch
    await a.node.removeMember(ctx, bIdentity)
    await until('rotation', () => a.node.syncStatus(ctx).keyEpoch !== epochBefore && a.node.syncStatus(ctx).keyEpoch !== null)
    const written = await a.node.execute({ contextId: ctx, method: 'set', args: new TextEncoder().encode('{"key":"after-removal","value":"hidden"}') })
    await new Promise((r) => setTimeout(r, 1500))
    // b learnt of its removal (and says so rather than wait for a key), holds no key for
    // the new epoch, and never got the delta.
    const sb = b.node.syncStatus(ctx)
    assert.equal(sb.removed?.by, a.node.getContext(ctx).identity)
    assert.equal(sb.awaitingKey, false)
    assert.ok(!sb.heads.includes(written.deltaId!))
    assert.notEqual(sb.rootHash, a.node.getContext(ctx).rootHash)
    // Its node refuses to act in the context any more.
    await assert.rejects(b.call(ctx, 'set', { key: 'late', value: 'b' }), { name: 'ForbiddenError' })
    await assert.rejects(b.query(ctx, 'get', { key: 'after-removal' }), { name: 'ForbiddenError' })
  })

  it('a node that deletes a context it cannot leave (its last admin) stops following its topic', async () => {
    const app = await c.node.installApplication({ wasm: appWasm('kv-store') })
    const other = (await c.node.createContext({ applicationId: app.id })).id
    const id = await a.node.newIdentity()
    const { invitation } = await c.node.invite(other, { identity: id.publicKey, role: 'member' })
    await a.node.join(invitation)
    const cPeer = c.node.status().nodeId
    await until('c on the topic', () => a.node.syncStatus(other).peers.includes(cPeer))
    await c.node.deleteContext(other)
    await until('c off the topic', () => !a.node.syncStatus(other).peers.includes(cPeer))
  })
})
