import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { MAX_JSON_BYTES } from '../../src/api/constants.ts'
import { decodeOutput } from '../../src/api/jsonrpc.ts'
import { JSON_TYPE, kvWasm, snapshot, startApi, ZERO_ID } from '../helpers/api-server.ts'
import type { TestApi } from '../helpers/api-server.ts'


describe('POST /jsonrpc', () => {
  let api: TestApi
  let ctx: string
  const rpc = async (body: unknown): Promise<{ status: number, json: any }> => await api.call('POST', '/jsonrpc', { body })
  const request = (method: string, params: unknown, id: unknown = 1): unknown => ({ jsonrpc: '2.0', id, method, params })

  before(async () => {
    api = await startApi()
    const app = await api.call('POST', '/admin/applications', { body: kvWasm(), headers: { 'content-type': 'application/wasm' } })
    ctx = (await api.call('POST', '/admin/contexts', { body: { applicationId: app.json.id } })).json.id
  })
  after(async () => { await api.close() })

  it('execute commits a write and returns gas, delta and root hash', async () => {
    const res = await rpc(request('execute', { contextId: ctx, method: 'set', args: { key: 'a', value: 'one' } }, 'req-1'))
    assert.equal(res.status, 200)
    assert.equal(res.json.jsonrpc, '2.0')
    assert.equal(res.json.id, 'req-1')
    assert.equal(res.json.result.output, null)
    assert.match(res.json.result.gasUsed, /^[0-9]+$/)
    assert.match(res.json.result.deltaId, /^[0-9a-f]{64}$/)
    assert.match(res.json.result.rootHash, /^[0-9a-f]{64}$/)
    assert.deepEqual(res.json.result.events.map((e: { kind: string }) => e.kind), ['set'])
    assert.deepEqual(res.json.result.governance, [])
  })

  it('execute reports the governance requests the call made (moor.propose), after its commit', async () => {
    const wasm = readFileSync(new URL('../fixtures/apps/build/governed.wasm', import.meta.url))
    const app = await api.call('POST', '/admin/applications', { body: wasm, headers: { 'content-type': 'application/wasm' } })
    const gctx = (await api.call('POST', '/admin/contexts', { body: { applicationId: app.json.id } })).json
    const res = await rpc(request('execute', { contextId: gctx.id, method: 'set_value', args: { key: 'topic', value: 'rpc' } }))
    assert.equal(res.status, 200)
    const proposal = res.json.result.output.proposal
    assert.deepEqual(res.json.result.governance, [{ type: 'propose', contextId: gctx.id, identity: gctx.identity, proposal, status: 'executed', reason: null, error: null }])
    const q = await rpc(request('query', { contextId: gctx.id, method: 'get', args: { key: 'last' } }))
    assert.equal(q.json.result.output, proposal)
    assert.deepEqual(q.json.result.governance, [])
  })

  it('query reads without committing; output is the parsed JSON', async () => {
    const res = await rpc(request('query', { contextId: ctx, method: 'get', args: { key: 'a' } }, 7))
    assert.equal(res.status, 200)
    assert.equal(res.json.id, 7)
    assert.equal(res.json.result.output, 'one')
    assert.equal(res.json.result.deltaId, null)
    const missing = await rpc(request('query', { contextId: ctx, method: 'get', args: { key: 'nope' } }))
    assert.equal(missing.json.result.output, null)
    const len = await rpc(request('query', { contextId: ctx, method: 'len', args: {} }))
    assert.equal(len.json.result.output, 1)
  })

  it('decodes output: JSON when it parses, else the UTF-8 string, null for none', () => {
    const enc = new TextEncoder()
    assert.deepEqual(decodeOutput(enc.encode('{"a":[1,2]}')), { a: [1, 2] })
    assert.equal(decodeOutput(enc.encode('plain text')), 'plain text')
    assert.equal(decodeOutput(null), null)
  })

  const errors: Array<{ name: string, body: unknown, raw?: string, status: number, code: number, message: RegExp }> = [
    { name: 'malformed JSON', body: undefined, raw: '{"jsonrpc": "2.0", ', status: 400, code: -32700, message: /^malformed JSON/ },
    { name: 'a batch', body: [{ jsonrpc: '2.0', id: 1, method: 'query', params: {} }], status: 400, code: -32600, message: /^batch requests are not supported$/ },
    { name: 'a non-object request', body: 42, status: 400, code: -32600, message: /must be a JSON object/ },
    { name: 'a notification (no id)', body: { jsonrpc: '2.0', method: 'query', params: {} }, status: 400, code: -32600, message: /^request\.id is required$/ },
    { name: 'a wrong jsonrpc version', body: { jsonrpc: '1.0', id: 1, method: 'query', params: {} }, status: 400, code: -32600, message: /^request\.jsonrpc must be "2\.0"$/ },
    { name: 'an unknown envelope field', body: { jsonrpc: '2.0', id: 1, method: 'query', params: {}, auth: 'x' }, status: 400, code: -32600, message: /^unknown field request\.auth$/ },
    { name: 'a non-string method', body: { jsonrpc: '2.0', id: 1, method: 3, params: {} }, status: 400, code: -32600, message: /^request\.method must be a string$/ },
    { name: 'an unknown RPC method', body: { jsonrpc: '2.0', id: 1, method: 'mutate', params: {} }, status: 404, code: -32601, message: /^no RPC method "mutate"$/ },
    { name: 'missing params', body: { jsonrpc: '2.0', id: 1, method: 'execute' }, status: 400, code: -32602, message: /^params must be a JSON object$/ },
    { name: 'positional params', body: { jsonrpc: '2.0', id: 1, method: 'execute', params: ['x', 'get'] }, status: 400, code: -32602, message: /^params must be a JSON object$/ },
    { name: 'a bad contextId', body: { jsonrpc: '2.0', id: 1, method: 'execute', params: { contextId: 'abc', method: 'get' } }, status: 400, code: -32602, message: /^params\.contextId must be a 64-character hex id$/ },
    { name: 'a missing app method', body: { jsonrpc: '2.0', id: 1, method: 'execute', params: { contextId: ':ctx' } }, status: 400, code: -32602, message: /^missing params\.method$/ },
    { name: 'a non-string app method', body: { jsonrpc: '2.0', id: 1, method: 'execute', params: { contextId: ':ctx', method: ['set'] } }, status: 400, code: -32602, message: /^params\.method must be a string$/ },
    { name: 'an unknown param', body: { jsonrpc: '2.0', id: 1, method: 'execute', params: { contextId: ':ctx', method: 'set', readOnly: true } }, status: 400, code: -32602, message: /^unknown field params\.readOnly$/ },
    { name: 'a bad executor', body: { jsonrpc: '2.0', id: 1, method: 'execute', params: { contextId: ':ctx', method: 'set', executor: 'me' } }, status: 400, code: -32602, message: /^params\.executor must be a 64-character hex id$/ },
    { name: 'an unknown context', body: { jsonrpc: '2.0', id: 1, method: 'execute', params: { contextId: ZERO_ID, method: 'set', args: { key: 'k', value: 'v' } } }, status: 404, code: -32000, message: /context/ },
    { name: 'an unknown application method', body: { jsonrpc: '2.0', id: 1, method: 'execute', params: { contextId: ':ctx', method: 'nope' } }, status: 422, code: -32000, message: /no method "nope"/ },
    { name: 'a write in a query', body: { jsonrpc: '2.0', id: 1, method: 'query', params: { contextId: ':ctx', method: 'set', args: { key: 'a', value: 'two' } } }, status: 422, code: -32000, message: /./ },
    { name: 'an application panic (wrong args)', body: { jsonrpc: '2.0', id: 1, method: 'execute', params: { contextId: ':ctx', method: 'set', args: { key: 1 } } }, status: 422, code: -32000, message: /./ },
    { name: 'an oversized body', body: { jsonrpc: '2.0', id: 1, method: 'execute', params: { contextId: ':ctx', method: 'set', args: { key: 'big', value: 'x'.repeat(MAX_JSON_BYTES) } } }, status: 413, code: -32600, message: /^request body is larger than 1 MiB$/ }
  ]

  for (const e of errors) {
    it(`answers ${e.status} / ${e.code} to ${e.name}, with no change`, async () => {
      const before = await snapshot(api)
      const init = e.raw !== undefined
        ? { body: e.raw, headers: JSON_TYPE }
        : { body: JSON.parse(JSON.stringify(e.body).replaceAll(':ctx', ctx)) }
      const res = await api.call('POST', '/jsonrpc', init)
      assert.equal(res.status, e.status, res.text.slice(0, 300))
      assert.equal(res.json.jsonrpc, '2.0')
      assert.equal(res.json.error.code, e.code)
      assert.match(res.json.error.message, e.message)
      assert.equal(res.json.error.data.message, res.json.error.message)
      assert.equal(typeof res.json.error.data.name, 'string')
      assert.deepEqual(await snapshot(api), before)
    })
  }

  it('keeps the request id in errors it can attribute', async () => {
    const res = await rpc({ jsonrpc: '2.0', id: 'x-9', method: 'execute', params: { contextId: 'bad', method: 'get' } })
    assert.equal(res.json.id, 'x-9')
    assert.equal(res.json.error.data.name, 'InvalidInputError')
  })

  it('names the application error in data', async () => {
    const res = await rpc(request('execute', { contextId: ctx, method: 'nope' }))
    assert.equal(res.json.error.data.name, 'MethodNotFoundError')
    const ro = await rpc(request('query', { contextId: ctx, method: 'set', args: { key: 'a', value: 'two' } }))
    assert.equal(ro.json.error.data.name, 'ReadOnlyViolationError')
  })

  it('refuses a request without a JSON content type', async () => {
    const res = await api.call('POST', '/jsonrpc', { body: JSON.stringify(request('query', { contextId: ctx, method: 'len' })), headers: { 'content-type': 'text/plain' } })
    assert.equal(res.status, 400)
    assert.equal(res.json.error.code, -32600)
    assert.match(res.json.error.message, /no JSON body/)
  })

  it('still holds the first value after the failed calls', async () => {
    const res = await rpc(request('query', { contextId: ctx, method: 'get', args: { key: 'a' } }))
    assert.equal(res.json.result.output, 'one')
  })
})
