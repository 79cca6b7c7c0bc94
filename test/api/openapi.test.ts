// GET /openapi.json: valid OpenAPI 3.1, every mounted route documented, every documented
// route answered by a handler (not by the "no route" fallback).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Validator } from '@seriousme/openapi-schema-validator'
import { RPC_PARAMS } from '../../src/api/jsonrpc.ts'
import { mountedRoutes, openApiPath } from '../../src/api/openapi/routes.ts'
import { CREATE_CONTEXT } from '../../src/api/routes/contexts.ts'
import { startApi, ZERO_ID, type TestApi } from '../helpers/api-server.ts'

describe('GET /openapi.json', () => {
  let api: TestApi
  let doc: any
  before(async () => {
    api = await startApi()
    const res = await api.call('GET', '/openapi.json', { noAuth: true })
    assert.equal(res.status, 200, res.text)
    doc = res.json
  })
  after(async () => { await api.close() })

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator()
    const result = await validator.validate(doc)
    assert.deepEqual(result.errors, undefined)
    assert.equal(result.valid, true)
    assert.equal(validator.version, '3.1')
  })

  it('documents every mounted route, and only those', () => {
    const mounted = mountedRoutes(api.server.app)
    // Every router group is in the app (guards against a walk that misses nested routers).
    for (const path of ['/health', '/admin/status', '/admin/contexts/:id/members/:identity/role', '/admin/contexts/:id/events', '/jsonrpc', '/admin/contexts/:id/wallets', '/admin/claims/verify', '/admin/chains/reload']) {
      assert.ok(mounted.some((r) => r.path === path || r.path.startsWith(path)), `${path} is mounted`)
    }
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort()
    const expected = mounted.map((r) => `${r.method} ${openApiPath(r.path).path}`).sort()
    assert.deepEqual(documented, expected)
  })

  it('describes each route\'s input with the schema the route checks', () => {
    // Routes that take no input, and /jsonrpc, which checks its envelope itself.
    const unchecked = new Set(['GET /health', 'GET /openapi.json', 'POST /jsonrpc'])
    for (const route of mountedRoutes(api.server.app)) {
      const key = `${route.method} ${route.path}`
      const op = doc.paths[openApiPath(route.path).path][route.method.toLowerCase()]
      if (unchecked.has(key)) { assert.equal(route.schema, undefined, key); continue }
      assert.ok(route.schema !== undefined, `${key} validates with validated(schema)`)
      const names = (where: string): string[] => (op.parameters ?? []).filter((p: any) => p.in === where).map((p: any) => p.name).sort()
      assert.deepEqual(names('path'), Object.keys(route.schema.params ?? {}).sort(), `${key} path parameters`)
      assert.deepEqual(names('query'), Object.keys(route.schema.query ?? {}).sort(), `${key} query parameters`)
      const body = route.schema.body
      if (body === undefined || body === 'none') assert.equal(op.requestBody, undefined, key)
      else assert.deepEqual(op.requestBody.content['application/json'].schema, body, `${key} body`)
    }
    assert.deepEqual(doc.paths['/admin/contexts'].post.requestBody.content['application/json'].schema, CREATE_CONTEXT)
    assert.deepEqual(doc.components.schemas.JsonRpcRequest.properties.params, RPC_PARAMS)
  })

  it('a body missing a documented required field is refused, naming it', async () => {
    let checked = 0
    for (const route of mountedRoutes(api.server.app)) {
      const body = route.schema?.body
      if (body === undefined || body === 'none' || body.required === undefined || route.schema?.rawBody !== undefined) continue
      const path = route.path.replace(/:[A-Za-z]+/g, ZERO_ID)
      const res = await api.call(route.method, path, { body: {} })
      assert.equal(res.status, 400, `${route.method} ${route.path}: ${res.text}`)
      assert.equal(res.json.error.message, `missing body.${body.required[0]}`, `${route.method} ${route.path}`)
      checked++
    }
    assert.ok(checked >= 7, `${checked} routes with required body fields`)
  })

  it('every documented operation reaches a handler', async () => {
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) {
        const url = api.url + path.replace(/\{[^}]+\}/g, ZERO_ID)
        const controller = new AbortController()
        // An empty JSON object: enough for the route to run its checks, never a valid change.
        const res = await fetch(url, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
          ...(method === 'get' ? {} : { body: '{"__probe":1}' }),
          signal: controller.signal
        })
        const text = res.headers.get('content-type')?.includes('event-stream') === true ? '' : await res.text()
        controller.abort()
        assert.doesNotMatch(text, /no route /, `${method.toUpperCase()} ${path} answered ${res.status} ${text}`)
      }
    }
  })

  it('is served without the token; the admin routes still need it', async () => {
    const res = await api.call('GET', '/admin/status', { noAuth: true })
    assert.equal(res.status, 401)
    assert.deepEqual(doc.paths['/openapi.json'].get.security, [])
    assert.deepEqual(doc.security, [{ bearer: [] }])
    assert.deepEqual(doc.paths['/jsonrpc'].post.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/JsonRpcRequest' })
  })
})
