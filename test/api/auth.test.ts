import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { kvWasm, snapshot, startApi } from '../helpers/api-server.ts'
import type { TestApi } from '../helpers/api-server.ts'

// Every route but GET /health, with a body each would accept with the token. `:app` and
// `:ctx` stand for an installed application and a context (a second one for `:src`);
// `:idn` for an identity and `:pid` for a proposal id.
const ROUTES: Array<{ method: string, path: string, body?: unknown }> = [
  { method: 'GET', path: '/admin/status' },
  { method: 'GET', path: '/admin/applications' },
  { method: 'POST', path: '/admin/applications', body: { wasm: 'AGFzbQEAAAA=', name: 'x' } },
  { method: 'GET', path: '/admin/applications/:app' },
  { method: 'DELETE', path: '/admin/applications/:app' },
  { method: 'GET', path: '/admin/contexts' },
  { method: 'POST', path: '/admin/contexts', body: { applicationId: ':app' } },
  { method: 'GET', path: '/admin/contexts/:ctx' },
  { method: 'DELETE', path: '/admin/contexts/:ctx' },
  { method: 'POST', path: '/admin/contexts/:ctx/xcall-grants/:src' },
  { method: 'DELETE', path: '/admin/contexts/:ctx/xcall-grants/:src' },
  { method: 'GET', path: '/admin/contexts/:ctx/events' },
  { method: 'GET', path: '/admin/identities' },
  { method: 'GET', path: '/admin/identities?context=:ctx' },
  { method: 'POST', path: '/admin/identities' },
  { method: 'PUT', path: '/admin/contexts/:ctx/application', body: { applicationId: ':app' } },
  { method: 'POST', path: '/admin/contexts/:ctx/invitations', body: { open: true } },
  { method: 'POST', path: '/admin/contexts/:ctx/invitations', body: { identity: ':idn', role: 'reader' } },
  { method: 'POST', path: '/admin/contexts/join', body: { invitation: 'moorinv2.AAAA' } },
  { method: 'GET', path: '/admin/contexts/:ctx/members' },
  { method: 'PUT', path: '/admin/contexts/:ctx/members/:idn/role', body: { role: 'reader' } },
  { method: 'POST', path: '/admin/contexts/:ctx/members/:idn/capabilities/ManageMembers' },
  { method: 'DELETE', path: '/admin/contexts/:ctx/members/:idn/capabilities/ManageMembers' },
  { method: 'DELETE', path: '/admin/contexts/:ctx/members/:idn' },
  { method: 'POST', path: '/admin/contexts/:ctx/leave' },
  { method: 'GET', path: '/admin/contexts/:ctx/proposals' },
  { method: 'POST', path: '/admin/contexts/:ctx/proposals', body: { actions: [{ type: 'setValue', key: 'k', value: 'v' }] } },
  { method: 'GET', path: '/admin/contexts/:ctx/proposals/:pid' },
  { method: 'POST', path: '/admin/contexts/:ctx/proposals/:pid/approve' },
  { method: 'GET', path: '/admin/contexts/:ctx/governance' },
  { method: 'GET', path: '/admin/contexts/:ctx/governance?rejected=true' },
  { method: 'GET', path: '/admin/contexts/:ctx/sync' },
  { method: 'POST', path: '/admin/contexts/:ctx/sync' },
  { method: 'GET', path: '/admin/peers' },
  { method: 'POST', path: '/jsonrpc', body: { jsonrpc: '2.0', id: 1, method: 'execute', params: { contextId: ':ctx', method: 'set', args: { key: 'k', value: 'v' } } } },
  { method: 'GET', path: '/no/such/route' }
]

describe('API authentication', () => {
  let api: TestApi
  let ids: Record<string, string>
  const fill = <T>(value: T): T => JSON.parse(JSON.stringify(value ?? null).replace(/:(app|ctx|src|idn|pid)/g, (_m, k: string) => ids[k])) ?? undefined

  before(async () => {
    api = await startApi()
    const app = await api.call('POST', '/admin/applications?name=kv', { body: kvWasm(), headers: { 'content-type': 'application/wasm' } })
    const ctx = await api.call('POST', '/admin/contexts', { body: { applicationId: app.json.id } })
    const src = await api.call('POST', '/admin/contexts', { body: { applicationId: app.json.id } })
    ids = { app: app.json.id, ctx: ctx.json.id, src: src.json.id, idn: 'cd'.repeat(32), pid: 'ef'.repeat(32) }
  })
  after(async () => { await api.close() })

  it('GET /health answers without a token', async () => {
    const res = await api.call('GET', '/health', { noAuth: true })
    assert.equal(res.status, 200)
    assert.deepEqual(res.json, { ok: true })
  })

  for (const route of ROUTES) {
    it(`${route.method} ${route.path} refuses a request without a token`, async () => {
      const before = await snapshot(api)
      const res = await api.call(route.method, fill(route.path), { noAuth: true, body: fill(route.body) })
      assert.equal(res.status, 401)
      assert.equal(res.json.error.name, 'UnauthorizedError')
      assert.equal(res.json.error.message, 'missing admin token')
      assert.match(res.json.error.hint, /moor init/)
      assert.ok(res.json.error.hint.includes(`${api.home}/token`), res.json.error.hint)
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/)
      assert.deepEqual(await snapshot(api), before)
    })

    it(`${route.method} ${route.path} refuses a wrong token`, async () => {
      const before = await snapshot(api)
      const wrong = api.token.slice(0, -1) + (api.token.endsWith('A') ? 'B' : 'A')
      const res = await api.call(route.method, fill(route.path), { body: fill(route.body), headers: { authorization: `Bearer ${wrong}` } })
      assert.equal(res.status, 401)
      assert.equal(res.json.error.name, 'UnauthorizedError')
      assert.equal(res.json.error.message, 'wrong admin token')
      assert.deepEqual(await snapshot(api), before)
    })
  }

  it('refuses other schemes and malformed headers', async () => {
    for (const header of [`Basic ${api.token}`, 'Bearer', `Bearer ${api.token} extra`, api.token]) {
      const res = await api.call('GET', '/admin/status', { headers: { authorization: header } })
      assert.equal(res.status, 401, header)
      assert.equal(res.json.error.message, 'malformed Authorization header')
    }
  })

  it('refuses a token of a different length (the comparison hashes both sides)', async () => {
    const res = await api.call('GET', '/admin/status', { headers: { authorization: `Bearer ${api.token}x` } })
    assert.equal(res.status, 401)
  })

  it('accepts the token, with any case of "Bearer"', async () => {
    const res = await api.call('GET', '/admin/status', { headers: { authorization: `bearer ${api.token}` } })
    assert.equal(res.status, 200)
    assert.equal(res.json.home, api.home)
  })
})
