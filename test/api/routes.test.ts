import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { kvWasm, startApi } from '../helpers/api-server.ts'
import type { TestApi } from '../helpers/api-server.ts'

const HEX64 = /^[0-9a-f]{64}$/

describe('API admin routes', () => {
  let api: TestApi
  before(async () => { api = await startApi() })
  after(async () => { await api.close() })

  it('GET /admin/status reports the node', async () => {
    const res = await api.call('GET', '/admin/status')
    assert.equal(res.status, 200)
    assert.match(res.json.nodeId, /^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/) // the libp2p peer id
    assert.ok(res.json.p2p.addresses[0].endsWith(`/p2p/${res.json.nodeId}`))
    assert.equal(res.json.home, api.home)
    assert.equal(res.json.applications, 0)
    assert.equal(typeof res.json.uptimeMs, 'number')
  })

  let appId: string
  it('POST /admin/applications installs a raw module (application/wasm, ?name=)', async () => {
    const wasm = kvWasm()
    const res = await api.call('POST', '/admin/applications?name=kv', { body: wasm, headers: { 'content-type': 'application/wasm' } })
    assert.equal(res.status, 201)
    assert.equal(res.json.id, createHash('sha256').update(wasm).digest('hex'))
    assert.equal(res.json.name, 'kv')
    assert.equal(res.json.size, wasm.byteLength)
    assert.ok(res.json.methods.includes('set'))
    appId = res.json.id
  })

  it('POST /admin/applications accepts JSON with a base64 module (same bytes, same id)', async () => {
    const res = await api.call('POST', '/admin/applications', { body: { wasm: Buffer.from(kvWasm()).toString('base64'), name: 'kv' } })
    assert.equal(res.status, 201)
    assert.equal(res.json.id, appId)
  })

  it('GET /admin/applications lists it and GET /admin/applications/:id returns it (ids in any case)', async () => {
    const list = await api.call('GET', '/admin/applications')
    assert.deepEqual(list.json.applications.map((a: { id: string }) => a.id), [appId])
    const one = await api.call('GET', `/admin/applications/${appId.toUpperCase()}`)
    assert.equal(one.status, 200)
    assert.equal(one.json.id, appId)
  })

  let contextId: string
  let otherId: string
  it('POST /admin/contexts creates contexts, passing initArgs as JSON to init', async () => {
    const res = await api.call('POST', '/admin/contexts', { body: { applicationId: appId, initArgs: { entries: { greeting: 'hi' } } } })
    assert.equal(res.status, 201)
    assert.match(res.json.id, HEX64)
    assert.equal(res.json.applicationId, appId)
    assert.equal(res.json.members[0].role, 'admin')
    contextId = res.json.id
    const other = await api.call('POST', '/admin/contexts', { body: { applicationId: appId } })
    assert.equal(other.status, 201)
    otherId = other.json.id

    const rpc = await api.call('POST', '/jsonrpc', { body: { jsonrpc: '2.0', id: 1, method: 'query', params: { contextId, method: 'get', args: { key: 'greeting' } } } })
    assert.equal(rpc.json.result.output, 'hi')
  })

  it('GET /admin/contexts and /admin/contexts/:id return them', async () => {
    const list = await api.call('GET', '/admin/contexts')
    assert.deepEqual(list.json.contexts.map((c: { id: string }) => c.id).sort(), [contextId, otherId].sort())
    const one = await api.call('GET', `/admin/contexts/${contextId}`)
    assert.equal(one.json.id, contextId)
    assert.ok(one.json.deltaCount >= 1)
  })

  it('POST and DELETE /admin/contexts/:id/xcall-grants/:source grant and revoke', async () => {
    const granted = await api.call('POST', `/admin/contexts/${contextId}/xcall-grants/${otherId}`)
    assert.equal(granted.status, 200)
    assert.deepEqual(granted.json.xcallGrants, [otherId])
    const revoked = await api.call('DELETE', `/admin/contexts/${contextId}/xcall-grants/${otherId}`)
    assert.equal(revoked.status, 200)
    assert.deepEqual(revoked.json.xcallGrants, [])
  })

  it('GET /admin/identities lists all identities or those of one context', async () => {
    const all = await api.call('GET', '/admin/identities')
    assert.equal(all.json.identities.length, 2)
    const one = await api.call('GET', `/admin/identities?context=${contextId}`)
    assert.equal(one.json.identities.length, 1)
    assert.equal(one.json.identities[0].contextId, contextId)
    const ctx = await api.call('GET', `/admin/contexts/${contextId}`)
    assert.equal(one.json.identities[0].publicKey, ctx.json.identity)
  })

  it('DELETE /admin/contexts/:id and /admin/applications/:id remove them (204)', async () => {
    assert.equal((await api.call('DELETE', `/admin/contexts/${contextId}`)).status, 204)
    assert.equal((await api.call('DELETE', `/admin/contexts/${otherId}`)).status, 204)
    assert.equal((await api.call('GET', `/admin/contexts/${contextId}`)).status, 404)
    const removed = await api.call('DELETE', `/admin/applications/${appId}`)
    assert.equal(removed.status, 204)
    assert.equal(removed.text, '')
    assert.deepEqual((await api.call('GET', '/admin/applications')).json.applications, [])
  })
})
