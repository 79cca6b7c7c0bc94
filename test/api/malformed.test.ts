// Requests that express, its router or body-parser refuse before a route runs (a path
// parameter that does not percent-decode, a body that does not decompress, JSON nested
// past the bound), and an xcall grant naming a context this node does not have: each is a
// 4xx with a clear message, never a 500, and changes nothing.

import assert from 'node:assert/strict'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { MAX_JSON_DEPTH } from '../../src/api/constants.ts'
import { itRefuses, JSON_TYPE, kvWasm, snapshot, startApi, WASM_TYPE, ZERO_ID } from '../helpers/api-server.ts'
import type { RefusalCase, TestApi } from '../helpers/api-server.ts'

const DECODE = /^the request body does not decode as its Content-Encoding says$/
const ESCAPE = /^malformed percent-escape in the request path$/
const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n)
const encoded = (encoding: string): Record<string, string> => ({ ...JSON_TYPE, 'content-encoding': encoding })

const CASES: RefusalCase[] = [
  { name: '%ZZ in a context id', method: 'GET', path: '/admin/contexts/%ZZ', status: 400, errorName: 'InvalidInputError', message: ESCAPE },
  { name: 'a lone % in a context id', method: 'DELETE', path: '/admin/contexts/%', status: 400, errorName: 'InvalidInputError', message: ESCAPE },
  { name: 'a bad escape in a member identity', method: 'PUT', path: '/admin/contexts/:ctx/members/%E0%A4%A/role', init: { body: { role: 'reader' } }, status: 400, errorName: 'InvalidInputError', message: ESCAPE },
  { name: 'a bad escape in a capability', method: 'POST', path: `/admin/contexts/:ctx/members/${ZERO_ID}/capabilities/%ZZ`, status: 400, errorName: 'InvalidInputError', message: ESCAPE },
  { name: 'a bad escape in an xcall source', method: 'POST', path: '/admin/contexts/:ctx/xcall-grants/%C0%AF%', status: 400, errorName: 'InvalidInputError', message: ESCAPE },
  { name: 'a gzip body that is not gzip', method: 'POST', path: '/admin/contexts', init: { body: '{"applicationId":":app"}', headers: encoded('gzip') }, status: 400, errorName: 'InvalidInputError', message: DECODE },
  { name: 'a deflate body that is not deflate', method: 'POST', path: '/admin/contexts', init: { body: '{"applicationId":":app"}', headers: encoded('deflate') }, status: 400, errorName: 'InvalidInputError', message: DECODE },
  { name: 'a br body that is not brotli', method: 'POST', path: '/admin/contexts', init: { body: '{"applicationId":":app"}', headers: encoded('br') }, status: 400, errorName: 'InvalidInputError', message: DECODE },
  { name: 'a truncated gzip body', method: 'POST', path: '/admin/contexts', init: { body: gzipSync('{"applicationId":":app"}').subarray(0, 12), headers: encoded('gzip') }, status: 400, errorName: 'InvalidInputError', message: DECODE },
  { name: 'a gzip raw module that is not gzip', method: 'POST', path: '/admin/applications', init: { body: kvWasm(), headers: { ...WASM_TYPE, 'content-encoding': 'gzip' } }, status: 400, errorName: 'InvalidInputError', message: DECODE },
  { name: 'an unknown content encoding', method: 'POST', path: '/admin/contexts', init: { body: '{}', headers: encoded('compress') }, status: 400, errorName: 'InvalidInputError', message: /unsupported content encoding "compress"/ },
  { name: 'a body nested past the bound', method: 'POST', path: '/admin/contexts', init: { body: `{"applicationId":":app","initArgs":${deep(MAX_JSON_DEPTH)}}`, headers: JSON_TYPE }, status: 400, errorName: 'InvalidInputError', message: /^the JSON body is nested more than 128 levels deep$/ },
  { name: 'an xcall grant from a context this node does not have', method: 'POST', path: `/admin/contexts/:ctx/xcall-grants/${ZERO_ID}`, status: 404, errorName: 'NotFoundError', message: /^source context 0{64} does not exist on this node$/ }
]

describe('API: malformed encodings, escapes and references', () => {
  let api: TestApi
  let ids: Record<string, string>
  const fill = (text: string): string => text.replace(/:(app|ctx)/g, (_m, k: string) => ids[k])

  before(async () => {
    api = await startApi()
    const app = await api.call('POST', '/admin/applications?name=kv', { body: kvWasm(), headers: WASM_TYPE })
    const ctx = await api.call('POST', '/admin/contexts', { body: { applicationId: app.json.id } })
    assert.equal(ctx.status, 201)
    ids = { app: app.json.id, ctx: ctx.json.id }
  })
  after(async () => { await api.close() })

  itRefuses(CASES, () => api, fill, async () => await snapshot(api))

  it('still reads bodies that are encoded as they say (gzip, deflate, br)', async () => {
    for (const [encoding, encode] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
      const body = encode(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'query', params: { contextId: ids.ctx, method: 'get', args: { key: 'nothing' } } }))
      const res = await api.call('POST', '/jsonrpc', { body: new Uint8Array(body), headers: encoded(encoding) })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.json.result.output, null)
    }
  })

  it('accepts JSON nested up to the bound', async () => {
    const res = await api.call('POST', '/jsonrpc', { body: `{"jsonrpc":"2.0","id":1,"method":"query","params":{"contextId":"${ids.ctx}","method":"get","args":{"key":"k","x":${deep(MAX_JSON_DEPTH - 3)}}}}`, headers: JSON_TYPE })
    assert.equal(res.status, 200, res.text)
  })

  it('refuses JSON-RPC args nested 100,000 deep in JSON-RPC form, and writes nothing', async () => {
    const before = await snapshot(api)
    const res = await api.call('POST', '/jsonrpc', { body: `{"jsonrpc":"2.0","id":1,"method":"execute","params":{"contextId":"${ids.ctx}","method":"set","args":${deep(100_000)}}}`, headers: JSON_TYPE })
    assert.equal(res.status, 400)
    assert.equal(res.json.error.code, -32600)
    assert.equal(res.json.error.data.name, 'InvalidInputError')
    assert.match(res.json.error.message, /^the JSON body is nested more than 128 levels deep$/)
    assert.deepEqual(await snapshot(api), before)
  })

  it('answers a JSON-RPC body that does not decode in JSON-RPC form', async () => {
    const res = await api.call('POST', '/jsonrpc', { body: 'not gzip', headers: encoded('gzip') })
    assert.equal(res.status, 400)
    assert.equal(res.json.jsonrpc, '2.0')
    assert.equal(res.json.error.code, -32600)
    assert.match(res.json.error.message, DECODE)
  })
})
