// The membership, governance and sync routes on real nodes (two APIs over loopback
// libp2p for joining), and bad input to each of them: a clear 4xx and no change.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { encodeTicket } from '../../src/node/invitation.ts'
import { itRefuses, JSON_TYPE, kvWasm, startApi, WASM_TYPE, ZERO_ID } from '../helpers/api-server.ts'
import type { RefusalCase, TestApi } from '../helpers/api-server.ts'
import { appWasm } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

const HEX64 = /^[0-9a-f]{64}$/

/** A POST answered as Server-Sent Events: the events in order. */
async function postStream (api: TestApi, path: string, body?: unknown): Promise<{ status: number, type: string, events: Array<{ event: string, data: any }> }> {
  const res = await fetch(api.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}`, accept: 'text/event-stream', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  const events = text.split('\n\n').filter((f) => f.startsWith('event:')).map((f) => {
    const [head, data] = f.split('\n')
    return { event: head!.slice('event: '.length), data: JSON.parse(data!.slice('data: '.length)) }
  })
  return { status: res.status, type: res.headers.get('content-type') ?? '', events }
}

/** Waits until the governance log of every context stops changing (key duties done). */
async function settle (api: TestApi): Promise<void> {
  const totals = async (): Promise<string> => {
    const list = await api.call('GET', '/admin/contexts')
    const parts = await Promise.all(list.json.contexts.map(async (c: { id: string }) => (await api.call('GET', `/admin/contexts/${c.id}/governance`)).json.total))
    return parts.join(',')
  }
  await until('keys settle', async () => {
    const list = await api.call('GET', '/admin/contexts')
    for (const c of list.json.contexts) if ((await api.call('GET', `/admin/contexts/${c.id}/sync`)).json.keyEpoch === null) return false
    return true
  })
  let last = await totals()
  for (;;) {
    await new Promise((r) => setTimeout(r, 500))
    const now = await totals()
    if (now === last) return
    last = now
  }
}

describe('API membership and governance routes', () => {
  let a: TestApi, b: TestApi
  let ctx: string, kv: string, me: string
  before(async () => {
    [a, b] = await Promise.all([startApi(), startApi()])
    kv = (await a.call('POST', '/admin/applications?name=kv', { body: kvWasm(), headers: WASM_TYPE })).json.id
    const created = await a.call('POST', '/admin/contexts', { body: { applicationId: kv } })
    ctx = created.json.id
    me = created.json.identity
  })
  after(async () => { await Promise.all([a.close(), b.close()]) })

  it('POST /admin/identities makes an unbound identity', async () => {
    const res = await b.call('POST', '/admin/identities')
    assert.equal(res.status, 201)
    assert.match(res.json.publicKey, HEX64)
    assert.equal(res.json.contextId, ZERO_ID)
    const list = await b.call('GET', '/admin/identities')
    assert.ok(list.json.identities.some((i: { publicKey: string }) => i.publicKey === res.json.publicKey))
  })

  it('POST /admin/contexts/:id/invitations makes identity-bound and open invitations', async () => {
    const idn = (await b.call('POST', '/admin/identities')).json.publicKey
    const bound = await a.call('POST', `/admin/contexts/${ctx}/invitations`, { body: { identity: idn, role: 'reader', expiresInMs: 60_000 } })
    assert.equal(bound.status, 201, bound.text)
    assert.equal(bound.json.kind, 'identity')
    assert.equal(bound.json.role, 'reader')
    assert.equal(bound.json.maxUses, 1)
    assert.ok(Math.abs(bound.json.expiresAt - (Date.now() + 60_000)) < 5_000)
    const open = await a.call('POST', `/admin/contexts/${ctx}/invitations`, { body: { open: true, maxUses: 3 } })
    assert.equal(open.status, 201, open.text)
    assert.equal(open.json.kind, 'open')
    assert.equal(open.json.role, 'member')
    assert.equal(open.json.maxUses, 3)
    assert.match(open.json.invitation, /^moorinv3\.[A-Za-z0-9_-]+$/)
    const gov = await a.call('GET', `/admin/contexts/${ctx}/governance`)
    const invites = gov.json.invitations.map((i: { id: string, kind: string, uses: number }) => [i.id, i.kind, i.uses])
    assert.deepEqual(invites, [[bound.json.id, 'identity', 0], [open.json.id, 'open', 0]])
  })

  let invitation: string
  let idB: string
  it('POST /admin/contexts/join streams catch-up progress as SSE, then the context', async () => {
    invitation = (await a.call('POST', `/admin/contexts/${ctx}/invitations`, { body: { open: true, maxUses: 2 } })).json.invitation
    await a.call('POST', '/jsonrpc', { body: { jsonrpc: '2.0', id: 1, method: 'execute', params: { contextId: ctx, method: 'set', args: { key: 'k', value: 'v' } } } })
    const res = await postStream(b, '/admin/contexts/join', { invitation })
    assert.equal(res.status, 200)
    assert.match(res.type, /^text\/event-stream/)
    const names = res.events.map((e) => e.event)
    assert.equal(names.at(-1), 'result')
    assert.equal(names[0], 'progress')
    assert.equal(res.events[0]!.data.phase, 'governance')
    const joined = res.events.at(-1)!.data
    assert.equal(joined.id, ctx)
    idB = joined.identity
    assert.equal(joined.applicationId, kv)
    const rpc = await b.call('POST', '/jsonrpc', { body: { jsonrpc: '2.0', id: 1, method: 'query', params: { contextId: ctx, method: 'get', args: { key: 'k' } } } })
    assert.equal(rpc.json.result.output, 'v')
  })

  it('joining a context twice is a 409, answered as plain JSON before any stream starts', async () => {
    const res = await postStream(b, '/admin/contexts/join', { invitation })
    assert.equal(res.status, 409)
    const plain = await b.call('POST', '/admin/contexts/join', { body: { invitation } })
    assert.equal(plain.status, 409)
    assert.equal(plain.json.error.name, 'ConflictError')
  })

  it('GET members lists roles and capabilities; grant, revoke and role changes answer the member', async () => {
    await until('a sees b', async () => (await a.call('GET', `/admin/contexts/${ctx}/members`)).json.members.length === 2)
    const members = (await a.call('GET', `/admin/contexts/${ctx}/members`)).json.members
    assert.deepEqual(members.map((m: { identity: string, role: string }) => [m.identity, m.role]).sort(), [[me, 'admin'], [idB, 'member']].sort())
    const granted = await a.call('POST', `/admin/contexts/${ctx}/members/${idB}/capabilities/ManageMembers`)
    assert.equal(granted.status, 200, granted.text)
    assert.deepEqual(granted.json, { identity: idB, role: 'member', capabilities: ['ManageMembers'] })
    const revoked = await a.call('DELETE', `/admin/contexts/${ctx}/members/${idB}/capabilities/ManageMembers`)
    assert.deepEqual(revoked.json.capabilities, [])
    const role = await a.call('PUT', `/admin/contexts/${ctx}/members/${idB}/role`, { body: { role: 'reader' } })
    assert.equal(role.status, 200)
    assert.equal(role.json.role, 'reader')
    // b, a reader now, may not change roles: 422 with the reason.
    await until('b learns it is a reader', async () => (await b.call('GET', `/admin/contexts/${ctx}/members`)).json.members.some((m: { identity: string, role: string }) => m.identity === idB && m.role === 'reader'))
    const refused = await b.call('PUT', `/admin/contexts/${ctx}/members/${me}/role`, { body: { role: 'reader' } })
    assert.equal(refused.status, 422)
    assert.equal(refused.json.error.name, 'GovernanceRejectedError')
    assert.match(refused.json.error.message, /^the role change was refused: /)
  })

  it('POST leave: b leaves; a sees it go; b can join again with the open invitation and be removed', async () => {
    const left = await b.call('POST', `/admin/contexts/${ctx}/leave`)
    assert.equal(left.status, 204)
    assert.equal((await b.call('GET', `/admin/contexts/${ctx}`)).status, 404)
    await until('a sees b leave', async () => (await a.call('GET', `/admin/contexts/${ctx}/members`)).json.members.length === 1)
    const again = await b.call('POST', '/admin/contexts/join', { body: { invitation } })
    assert.equal(again.status, 201, again.text)
    const idB2 = again.json.identity
    assert.notEqual(idB2, idB)
    await until('a sees b again', async () => (await a.call('GET', `/admin/contexts/${ctx}/members`)).json.members.length === 2)
    const removed = await a.call('DELETE', `/admin/contexts/${ctx}/members/${idB2}`)
    assert.equal(removed.status, 200)
    assert.deepEqual(removed.json.members.map((m: { identity: string }) => m.identity), [me])
    // The invitation's two uses are spent.
    const spent = await (await startApiLater()).join(invitation)
    assert.equal(spent.status, 403)
    assert.match(spent.json.error.message, /^the invitation was refused: the invitation has no uses left/)
  })

  // A third node, only for the spent invitation.
  async function startApiLater (): Promise<{ join: (inv: string) => Promise<{ status: number, json: any }> }> {
    const c = await startApi()
    return {
      join: async (inv) => {
        try { return await c.call('POST', '/admin/contexts/join', { body: { invitation: inv } }) } finally { await c.close() }
      }
    }
  }

  it('proposals: create (executes at threshold 1), show with its outcome, list the open ones', async () => {
    const created = await a.call('POST', `/admin/contexts/${ctx}/proposals`, { body: { actions: [{ type: 'setValue', key: 'topic', value: 'launch' }, { type: 'setActiveLimit', limit: 5 }] } })
    assert.equal(created.status, 201, created.text)
    assert.equal(created.json.status, 'executed')
    assert.deepEqual(created.json.actions, [{ type: 'setValue', key: 'topic', value: 'launch' }, { type: 'setActiveLimit', limit: 5 }])
    assert.deepEqual(created.json.approvals, [me])
    const shown = await a.call('GET', `/admin/contexts/${ctx}/proposals/${created.json.id}`)
    assert.equal(shown.json.status, 'executed')
    assert.equal((await a.call('GET', `/admin/contexts/${ctx}/proposals`)).json.proposals.length, 0)
    const gov = await a.call('GET', `/admin/contexts/${ctx}/governance`)
    assert.equal(gov.json.activeLimit, 5)
    assert.deepEqual(gov.json.values, [{ key: 'topic', value: 'launch' }])
    // One that cannot execute is recorded as failed, with the reason.
    const failed = await a.call('POST', `/admin/contexts/${ctx}/proposals`, { body: { actions: [{ type: 'setThreshold', threshold: 5 }] } })
    assert.equal(failed.json.status, 'failed')
    assert.match(failed.json.reason, /threshold 5 exceeds the 1 admins/)
    // Approving a closed proposal is refused with the reason.
    const late = await a.call('POST', `/admin/contexts/${ctx}/proposals/${created.json.id}/approve`)
    assert.equal(late.status, 422)
    assert.match(late.json.error.message, /^the approval was refused: no such proposal$/)
  })

  it('GET governance lists every op with its verdict; ?rejected and ?limit filter', async () => {
    const gov = await a.call('GET', `/admin/contexts/${ctx}/governance`)
    assert.equal(gov.status, 200)
    const ops = gov.json.ops
    assert.equal(ops[0].action.type, 'genesis')
    assert.equal(ops.length, gov.json.total)
    assert.ok(ops.every((o: { position: number }, i: number) => o.position === i))
    assert.ok(ops.some((o: { action: { type: string }, summary: string }) => o.action.type === 'leave' && o.summary === 'left the context'))
    assert.ok(ops.some((o: { action: { type: string } }) => o.action.type === 'revealClaim'))
    const last = await a.call('GET', `/admin/contexts/${ctx}/governance?limit=1`)
    assert.equal(last.json.ops.length, 1)
    assert.equal(last.json.ops[0].position, last.json.total - 1)
    // Key shares are made in the background, so the log may have grown between the calls.
    if (last.json.total === gov.json.total) assert.deepEqual(last.json.ops, [ops.at(-1)])
    const rejected = await a.call('GET', `/admin/contexts/${ctx}/governance?rejected=true`)
    assert.ok(rejected.json.ops.every((o: { accepted: boolean, reason: string | null }) => !o.accepted && typeof o.reason === 'string'))
  })

  it('PUT application moves the context to another installed application', async () => {
    const chat = (await a.call('POST', '/admin/applications?name=chat', { body: new Uint8Array(appWasm('chat')), headers: WASM_TYPE })).json.id
    const res = await a.call('PUT', `/admin/contexts/${ctx}/application`, { body: { applicationId: chat } })
    assert.equal(res.status, 200, res.text)
    assert.equal(res.json.applicationId, chat)
    const back = await a.call('PUT', `/admin/contexts/${ctx}/application`, { body: { applicationId: kv } })
    assert.equal(back.json.applicationId, kv)
  })

  it('sync status, sync now (JSON and SSE) and peers', async () => {
    const status = await a.call('GET', `/admin/contexts/${ctx}/sync`)
    assert.equal(status.status, 200)
    assert.equal(status.json.contextId, ctx)
    assert.match(status.json.keyEpoch, HEX64)
    const now = await a.call('POST', `/admin/contexts/${ctx}/sync`)
    assert.equal(now.status, 200)
    assert.equal(now.json.contextId, ctx)
    const streamed = await postStream(a, `/admin/contexts/${ctx}/sync`)
    assert.equal(streamed.events.at(-1)!.event, 'result')
    assert.equal(streamed.events.at(-1)!.data.contextId, ctx)
    const peers = await a.call('GET', '/admin/peers')
    assert.equal(peers.status, 200)
    assert.ok(Array.isArray(peers.json.peers))
    for (const p of peers.json.peers) assert.ok(Array.isArray(p.contexts))
  })

  it('the last admin cannot leave: 422 with a hint, and the context stays', async () => {
    const res = await a.call('POST', `/admin/contexts/${ctx}/leave`)
    assert.equal(res.status, 422)
    assert.equal(res.json.error.name, 'GovernanceRejectedError')
    assert.match(res.json.error.message, /the last admin cannot leave/)
    assert.match(res.json.error.hint, /moor context delete/)
    assert.equal((await a.call('GET', `/admin/contexts/${ctx}`)).status, 200)
  })
})

const CASES: RefusalCase[] = [
  // invitations
  { name: 'an invitation with neither identity nor open', method: 'POST', path: '/admin/contexts/:ctx/invitations', init: { body: { role: 'member' } }, status: 400, errorName: 'InvalidInputError', message: /^missing body\.identity or body\.open$/ },
  { name: 'an invitation with open: false only', method: 'POST', path: '/admin/contexts/:ctx/invitations', init: { body: { open: false } }, status: 400, errorName: 'InvalidInputError', message: /^missing body\.identity or body\.open$/ },
  { name: 'an invitation both open and identity-bound', method: 'POST', path: '/admin/contexts/:ctx/invitations', init: { body: { open: true, identity: ':other' } }, status: 400, errorName: 'InvalidInputError', message: /^body\.identity and body\.open exclude each other$/ },
  { name: 'an invitation for the admin role', method: 'POST', path: '/admin/contexts/:ctx/invitations', init: { body: { open: true, role: 'admin' } }, status: 400, errorName: 'InvalidInputError', message: /^body\.role must be one of member, reader$/ },
  { name: 'an invitation with a zero expiry', method: 'POST', path: '/admin/contexts/:ctx/invitations', init: { body: { open: true, expiresInMs: 0 } }, status: 400, errorName: 'InvalidInputError', message: /^body\.expiresInMs must be an integer from 1 to/ },
  { name: 'an invitation with a string expiry', method: 'POST', path: '/admin/contexts/:ctx/invitations', init: { body: { open: true, expiresInMs: '7d' } }, status: 400, errorName: 'InvalidInputError', message: /^body\.expiresInMs must be an integer/ },
  { name: 'an open invitation with too many uses', method: 'POST', path: '/admin/contexts/:ctx/invitations', init: { body: { open: true, maxUses: 65 } }, status: 400, errorName: 'InvalidInputError', message: /^body\.maxUses must be an integer from 1 to 64$/ },
  { name: 'an identity-bound invitation with maxUses', method: 'POST', path: '/admin/contexts/:ctx/invitations', init: { body: { identity: ':other', maxUses: 2 } }, status: 400, errorName: 'InvalidInputError', message: /^body\.maxUses is for open invitations$/ },
  { name: 'an invitation with a non-boolean open', method: 'POST', path: '/admin/contexts/:ctx/invitations', init: { body: { open: 'yes' } }, status: 400, errorName: 'InvalidInputError', message: /^body\.open must be true or false$/ },
  { name: 'an invitation with a short identity', method: 'POST', path: '/admin/contexts/:ctx/invitations', init: { body: { identity: 'abc' } }, status: 400, errorName: 'InvalidInputError', message: /^body\.identity must be a 64-character hex id$/ },
  { name: 'an invitation with an unknown field', method: 'POST', path: '/admin/contexts/:ctx/invitations', init: { body: { open: true, uses: 2 } }, status: 400, errorName: 'InvalidInputError', message: /^unknown field body\.uses$/ },
  { name: 'an invitation into an unknown context', method: 'POST', path: `/admin/contexts/${ZERO_ID}/invitations`, init: { body: { open: true } }, status: 404, errorName: 'NotFoundError', message: /context/ },
  { name: 'an invitation of an existing member', method: 'POST', path: '/admin/contexts/:ctx/invitations', init: { body: { identity: ':me' } }, status: 422, errorName: 'GovernanceRejectedError', message: /^the invitation was refused: the invitee is already a member$/ },
  { name: 'an invitation as a JSON array', method: 'POST', path: '/admin/contexts/:ctx/invitations', init: { body: '[]', headers: JSON_TYPE }, status: 400, errorName: 'InvalidInputError', message: /^request body must be a JSON object$/ },
  // join
  { name: 'a join without an invitation', method: 'POST', path: '/admin/contexts/join', init: { body: {} }, status: 400, errorName: 'InvalidInputError', message: /^missing body\.invitation$/ },
  { name: 'a join with a numeric invitation', method: 'POST', path: '/admin/contexts/join', init: { body: { invitation: 42 } }, status: 400, errorName: 'InvalidInputError', message: /^body\.invitation must be a string$/ },
  { name: 'a join with garbage', method: 'POST', path: '/admin/contexts/join', init: { body: { invitation: 'hello' } }, status: 400, errorName: 'InvalidInputError', message: /^not a Moorage invitation: it must start with moorinv3\.$/ },
  { name: 'a join with a corrupt payload', method: 'POST', path: '/admin/contexts/join', init: { body: { invitation: 'moorinv2.AAAA' } }, status: 400, errorName: 'InvalidInputError', message: /^not a Moorage invitation/ },
  { name: 'a join with an expired invitation', method: 'POST', path: '/admin/contexts/join', init: { body: { invitation: ':expired' } }, status: 400, errorName: 'InvalidInputError', message: /^the invitation expired at / },
  { name: 'a join of a context this node is in', method: 'POST', path: '/admin/contexts/join', init: { body: { invitation: ':own' } }, status: 409, errorName: 'ConflictError', message: /^this node is already in context / },
  { name: 'a join with an unknown field', method: 'POST', path: '/admin/contexts/join', init: { body: { invitation: ':own', role: 'admin' } }, status: 400, errorName: 'InvalidInputError', message: /^unknown field body\.role$/ },
  { name: 'a GET on the join route', method: 'GET', path: '/admin/contexts/join', status: 400, errorName: 'InvalidInputError', message: /^params\.id must be a 64-character hex id$/ },
  // members
  { name: 'members of an unknown context', method: 'GET', path: `/admin/contexts/${ZERO_ID}/members`, status: 404, errorName: 'NotFoundError', message: /context/ },
  { name: 'members of a non-hex context', method: 'GET', path: '/admin/contexts/xyz/members', status: 400, errorName: 'InvalidInputError', message: /^params\.id must be a 64-character hex id$/ },
  { name: 'a role change to admin', method: 'PUT', path: '/admin/contexts/:ctx/members/:other/role', init: { body: { role: 'admin' } }, status: 400, errorName: 'InvalidInputError', message: /^body\.role must be one of member, reader$/ },
  { name: 'a role change without a role', method: 'PUT', path: '/admin/contexts/:ctx/members/:other/role', init: { body: {} }, status: 400, errorName: 'InvalidInputError', message: /^missing body\.role$/ },
  { name: 'a role change of a non-hex identity', method: 'PUT', path: '/admin/contexts/:ctx/members/me/role', init: { body: { role: 'reader' } }, status: 400, errorName: 'InvalidInputError', message: /^params\.identity must be a 64-character hex id$/ },
  { name: 'a role change of a non-member', method: 'PUT', path: '/admin/contexts/:ctx/members/:other/role', init: { body: { role: 'reader' } }, status: 422, errorName: 'GovernanceRejectedError', message: /^the role change was refused: [0-9a-f]{12} is not a member$/ },
  { name: 'a role change of the admin', method: 'PUT', path: '/admin/contexts/:ctx/members/:me/role', init: { body: { role: 'member' } }, status: 422, errorName: 'GovernanceRejectedError', message: /^the role change was refused: admin roles change through proposals$/ },
  { name: 'an unknown capability', method: 'POST', path: '/admin/contexts/:ctx/members/:me/capabilities/Root', status: 400, errorName: 'InvalidInputError', message: /^params\.capability must be one of ManageMembers, ManageApplication, Proxy$/ },
  { name: 'a capability grant with a body', method: 'POST', path: '/admin/contexts/:ctx/members/:me/capabilities/Proxy', init: { body: { why: 'x' } }, status: 400, errorName: 'InvalidInputError', message: /^unknown field body\.why$/ },
  { name: 'a capability grant with a text body', method: 'POST', path: '/admin/contexts/:ctx/members/:me/capabilities/Proxy', init: { body: 'please', headers: { 'content-type': 'text/plain' } }, status: 400, errorName: 'InvalidInputError', message: /^this request takes no body$/ },
  { name: 'a capability grant to a non-member', method: 'POST', path: '/admin/contexts/:ctx/members/:other/capabilities/Proxy', status: 422, errorName: 'GovernanceRejectedError', message: /is not a member$/ },
  { name: 'removing a non-member', method: 'DELETE', path: '/admin/contexts/:ctx/members/:other', status: 422, errorName: 'GovernanceRejectedError', message: /^the removal was refused: [0-9a-f]{12} is not a member$/ },
  { name: 'removing the admin', method: 'DELETE', path: '/admin/contexts/:ctx/members/:me', status: 422, errorName: 'GovernanceRejectedError', message: /removeAdmin proposal/ },
  { name: 'removing a non-hex identity', method: 'DELETE', path: '/admin/contexts/:ctx/members/zz', status: 400, errorName: 'InvalidInputError', message: /^params\.identity must be a 64-character hex id$/ },
  { name: 'leaving an unknown context', method: 'POST', path: `/admin/contexts/${ZERO_ID}/leave`, status: 404, errorName: 'NotFoundError', message: /context/ },
  { name: 'the last admin leaving', method: 'POST', path: '/admin/contexts/:ctx/leave', status: 422, errorName: 'GovernanceRejectedError', message: /^leaving was refused: the last admin cannot leave/ },
  // application
  { name: 'an application update without an id', method: 'PUT', path: '/admin/contexts/:ctx/application', init: { body: {} }, status: 400, errorName: 'InvalidInputError', message: /^missing body\.applicationId$/ },
  { name: 'an application update to an unknown application', method: 'PUT', path: '/admin/contexts/:ctx/application', init: { body: { applicationId: ZERO_ID } }, status: 404, errorName: 'NotFoundError', message: /is not installed/ },
  // proposals
  { name: 'a proposal without actions', method: 'POST', path: '/admin/contexts/:ctx/proposals', init: { body: {} }, status: 400, errorName: 'InvalidInputError', message: /^missing body\.actions$/ },
  { name: 'a proposal with no action', method: 'POST', path: '/admin/contexts/:ctx/proposals', init: { body: { actions: [] } }, status: 400, errorName: 'InvalidInputError', message: /^body\.actions must be an array of 1 to 16 actions$/ },
  { name: 'a proposal with 17 actions', method: 'POST', path: '/admin/contexts/:ctx/proposals', init: { body: { actions: Array(17).fill({ type: 'setActiveLimit', limit: 2 }) } }, status: 400, errorName: 'InvalidInputError', message: /^body\.actions must be an array of 1 to 16 actions$/ },
  { name: 'a proposal action of an unknown type', method: 'POST', path: '/admin/contexts/:ctx/proposals', init: { body: { actions: [{ type: 'transfer', amount: 1 }] } }, status: 400, errorName: 'InvalidInputError', message: /^body\.actions\[0\]\.type must be one of setThreshold, setActiveLimit, addAdmin, removeAdmin, setValue, deleteProposal$/ },
  { name: 'a zero threshold', method: 'POST', path: '/admin/contexts/:ctx/proposals', init: { body: { actions: [{ type: 'setThreshold', threshold: 0 }] } }, status: 400, errorName: 'InvalidInputError', message: /^body\.actions\[0\]\.threshold must be an integer from 1 to/ },
  { name: 'a threshold as a string', method: 'POST', path: '/admin/contexts/:ctx/proposals', init: { body: { actions: [{ type: 'setThreshold', threshold: '2' }] } }, status: 400, errorName: 'InvalidInputError', message: /^body\.actions\[0\]\.threshold must be an integer/ },
  { name: 'an addAdmin with a bad identity', method: 'POST', path: '/admin/contexts/:ctx/proposals', init: { body: { actions: [{ type: 'addAdmin', identity: 'bob' }] } }, status: 400, errorName: 'InvalidInputError', message: /^body\.actions\[0\]\.identity must be a 64-character hex id$/ },
  { name: 'an action with an unknown field', method: 'POST', path: '/admin/contexts/:ctx/proposals', init: { body: { actions: [{ type: 'setActiveLimit', limit: 2, when: 'now' }] } }, status: 400, errorName: 'InvalidInputError', message: /^unknown field body\.actions\[0\]\.when$/ },
  { name: 'a setValue with an empty key', method: 'POST', path: '/admin/contexts/:ctx/proposals', init: { body: { actions: [{ type: 'setValue', key: '', value: 'x' }] } }, status: 400, errorName: 'InvalidInputError', message: /^body\.actions\[0\]\.key must not be empty$/ },
  { name: 'a setValue with bad hex', method: 'POST', path: '/admin/contexts/:ctx/proposals', init: { body: { actions: [{ type: 'setValue', key: 'zz', value: '00', encoding: 'hex' }] } }, status: 400, errorName: 'InvalidInputError', message: /^body\.actions\[0\]\.key must be hex/ },
  { name: 'a setValue over 64 KiB', method: 'POST', path: '/admin/contexts/:ctx/proposals', init: { body: { actions: [{ type: 'setValue', key: 'k', value: 'x'.repeat(65 * 1024) }] } }, status: 400, errorName: 'InvalidInputError', message: /^body\.actions\[0\]\.value is longer than 65536 bytes$/ },
  { name: 'a second action that is wrong', method: 'POST', path: '/admin/contexts/:ctx/proposals', init: { body: { actions: [{ type: 'setActiveLimit', limit: 2 }, { type: 'removeAdmin' }] } }, status: 400, errorName: 'InvalidInputError', message: /^missing body\.actions\[1\]\.identity$/ },
  { name: 'an unknown proposal', method: 'GET', path: `/admin/contexts/:ctx/proposals/${ZERO_ID}`, status: 404, errorName: 'NotFoundError', message: /has no proposal/ },
  { name: 'approving an unknown proposal', method: 'POST', path: `/admin/contexts/:ctx/proposals/${ZERO_ID}/approve`, status: 404, errorName: 'NotFoundError', message: /has no proposal/ },
  { name: 'approving a non-hex proposal', method: 'POST', path: '/admin/contexts/:ctx/proposals/p1/approve', status: 400, errorName: 'InvalidInputError', message: /^params\.pid must be a 64-character hex id$/ },
  // governance, sync, peers, identities
  { name: 'a governance query with a bad flag', method: 'GET', path: '/admin/contexts/:ctx/governance?rejected=maybe', status: 400, errorName: 'InvalidInputError', message: /^query\.rejected must be true or false$/ },
  { name: 'a governance query with a zero limit', method: 'GET', path: '/admin/contexts/:ctx/governance?limit=0', status: 400, errorName: 'InvalidInputError', message: /^query\.limit must be an integer from 1 to/ },
  { name: 'a governance query with an unknown parameter', method: 'GET', path: '/admin/contexts/:ctx/governance?all=1', status: 400, errorName: 'InvalidInputError', message: /^unknown field query\.all$/ },
  { name: 'the governance of an unknown context', method: 'GET', path: `/admin/contexts/${ZERO_ID}/governance`, status: 404, errorName: 'NotFoundError', message: /context/ },
  { name: 'the sync status of an unknown context', method: 'GET', path: `/admin/contexts/${ZERO_ID}/sync`, status: 404, errorName: 'NotFoundError', message: /context/ },
  { name: 'a sync of an unknown context', method: 'POST', path: `/admin/contexts/${ZERO_ID}/sync`, status: 404, errorName: 'NotFoundError', message: /context/ },
  { name: 'a sync with a body', method: 'POST', path: '/admin/contexts/:ctx/sync', init: { body: { peer: 'x' } }, status: 400, errorName: 'InvalidInputError', message: /^unknown field body\.peer$/ },
  { name: 'peers with a query', method: 'GET', path: '/admin/peers?context=:ctx', status: 400, errorName: 'InvalidInputError', message: /^unknown field query\.context$/ },
  { name: 'a new identity with a body', method: 'POST', path: '/admin/identities', init: { body: { context: ':ctx' } }, status: 400, errorName: 'InvalidInputError', message: /^unknown field body\.context$/ },
  { name: 'a new identity with a JSON array', method: 'POST', path: '/admin/identities', init: { body: '[1]', headers: JSON_TYPE }, status: 400, errorName: 'InvalidInputError', message: /^this request takes no body$/ }
]

describe('API membership and governance input validation', () => {
  let api: TestApi
  let ids: Record<string, string>
  const fill = (text: string): string => text.replace(/:(ctx|app|me|other|expired|own)\b/g, (_m, k: string) => ids[k]!)

  /** Everything a refused request must leave untouched, governance included. */
  const state = async (): Promise<unknown> => {
    const out: Record<string, unknown> = {}
    for (const path of ['/admin/applications', '/admin/contexts', '/admin/identities', `/admin/contexts/${ids.ctx}/governance`, `/admin/contexts/${ids.ctx}/proposals`]) {
      out[path] = (await api.call('GET', path)).json
    }
    return out
  }

  before(async () => {
    api = await startApi()
    const app = await api.call('POST', '/admin/applications?name=kv', { body: kvWasm(), headers: WASM_TYPE })
    const ctx = await api.call('POST', '/admin/contexts', { body: { applicationId: app.json.id } })
    const own = await api.call('POST', `/admin/contexts/${ctx.json.id}/invitations`, { body: { open: true } })
    const expired = encodeTicket({ kind: 'open', context: new Uint8Array(32).fill(7), invitation: new Uint8Array(32), secret: new Uint8Array(32), role: 'member', expiresAt: Date.now() - 1000, peers: [] })
    ids = { ctx: ctx.json.id, app: app.json.id, me: ctx.json.identity, other: 'cd'.repeat(32), own: own.json.invitation, expired }
    await settle(api)
  })
  after(async () => { await api.close() })

  itRefuses(CASES, () => api, fill, state)
})
