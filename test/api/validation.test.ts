import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MAX_JSON_BYTES, MAX_WASM_BYTES } from '../../src/api/constants.ts'
import { itRefuses, JSON_TYPE, kvWasm, snapshot, startApi, WASM_TYPE, ZERO_ID } from '../helpers/api-server.ts'
import type { RefusalCase, TestApi } from '../helpers/api-server.ts'

const CASES: RefusalCase[] = [
  // Malformed bodies
  { name: 'malformed JSON', method: 'POST', path: '/admin/contexts', init: { body: '{"applicationId": ', headers: JSON_TYPE }, status: 400, errorName: 'InvalidInputError', message: /^malformed JSON in the request body$/ },
  { name: 'a JSON array body', method: 'POST', path: '/admin/contexts', init: { body: '[]', headers: JSON_TYPE }, status: 400, errorName: 'InvalidInputError', message: /^request body must be a JSON object$/ },
  { name: 'a JSON string body', method: 'POST', path: '/admin/contexts', init: { body: '"x"', headers: JSON_TYPE }, status: 400, errorName: 'InvalidInputError', message: /^request body must be a JSON object$/ },
  { name: 'no body at all', method: 'POST', path: '/admin/contexts', status: 400, errorName: 'InvalidInputError', message: /^request body must be a JSON object$/ },
  { name: 'a text/plain body', method: 'POST', path: '/admin/contexts', init: { body: '{"applicationId":":app"}', headers: { 'content-type': 'text/plain' } }, status: 400, errorName: 'InvalidInputError', message: /^request body must be a JSON object$/ },
  // Fields
  { name: 'a missing field', method: 'POST', path: '/admin/contexts', init: { body: {} }, status: 400, errorName: 'InvalidInputError', message: /^missing body\.applicationId$/ },
  { name: 'a wrong type', method: 'POST', path: '/admin/contexts', init: { body: { applicationId: 42 } }, status: 400, errorName: 'InvalidInputError', message: /^body\.applicationId must be a 64-character hex id$/ },
  { name: 'an unknown field', method: 'POST', path: '/admin/contexts', init: { body: { applicationId: ':app', initArg: {} } }, status: 400, errorName: 'InvalidInputError', message: /^unknown field body\.initArg$/ },
  { name: 'a short hex id in the body', method: 'POST', path: '/admin/contexts', init: { body: { applicationId: 'abcd' } }, status: 400, errorName: 'InvalidInputError', message: /^body\.applicationId must be a 64-character hex id$/ },
  { name: 'an anchor that is not an object', method: 'POST', path: '/admin/contexts', init: { body: { applicationId: ':app', anchor: 'ethereum' } }, status: 400, errorName: 'InvalidInputError', message: /^body\.anchor must be a JSON object$/ },
  { name: 'an unknown anchor kind', method: 'POST', path: '/admin/contexts', init: { body: { applicationId: ':app', anchor: { kind: 'solana' } } }, status: 400, errorName: 'UnknownAnchorError', message: /^unknown anchor "solana"$/ },
  { name: 'an unknown anchor field', method: 'POST', path: '/admin/contexts', init: { body: { applicationId: ':app', anchor: { kind: 'ethereum', chain: 1 } } }, status: 400, errorName: 'InvalidInputError', message: /^unknown field body\.anchor\.chain$/ },
  { name: 'an Ethereum anchor with no endpoint configured', method: 'POST', path: '/admin/contexts', init: { body: { applicationId: ':app', anchor: { kind: 'ethereum' } } }, status: 400, errorName: 'InvalidInputError', message: /^no RPC endpoint for the ethereum anchor$/ },
  { name: 'an Ethereum anchor with a bad contract', method: 'POST', path: '/admin/contexts', init: { body: { applicationId: ':app', anchor: { kind: 'ethereum', rpc: 'http://127.0.0.1:1', contract: '0x12' } } }, status: 400, errorName: 'InvalidInputError', message: /contract must be an address/ },
  { name: 'an unknown application', method: 'POST', path: '/admin/contexts', init: { body: { applicationId: ZERO_ID } }, status: 404, errorName: 'NotFoundError', message: /is not installed/ },
  { name: 'an oversized JSON body', method: 'POST', path: '/admin/contexts', init: { body: { applicationId: ':app', initArgs: 'x'.repeat(MAX_JSON_BYTES) } }, status: 413, errorName: 'PayloadTooLargeError', message: /^request body is larger than 1 MiB$/ },
  { name: 'an unknown query parameter', method: 'GET', path: '/admin/status?verbose=1', status: 400, errorName: 'InvalidInputError', message: /^unknown field query\.verbose$/ },
  // Ids in paths
  { name: 'a non-hex application id', method: 'GET', path: '/admin/applications/not-hex', status: 400, errorName: 'InvalidInputError', message: /^params\.id must be a 64-character hex id$/ },
  { name: 'a 63-character application id', method: 'DELETE', path: `/admin/applications/${'a'.repeat(63)}`, status: 400, errorName: 'InvalidInputError', message: /^params\.id must be a 64-character hex id$/ },
  { name: 'an unknown application id', method: 'GET', path: `/admin/applications/${ZERO_ID}`, status: 404, errorName: 'NotFoundError', message: /is not installed/ },
  { name: 'removing an unknown application', method: 'DELETE', path: `/admin/applications/${ZERO_ID}`, status: 404, errorName: 'NotFoundError', message: /is not installed/ },
  { name: 'removing an application in use', method: 'DELETE', path: '/admin/applications/:app', status: 409, errorName: 'ConflictError', message: /is used by 1 context/ },
  { name: 'a non-hex context id', method: 'GET', path: '/admin/contexts/xyz', status: 400, errorName: 'InvalidInputError', message: /^params\.id must be a 64-character hex id$/ },
  { name: 'an unknown context id', method: 'GET', path: `/admin/contexts/${ZERO_ID}`, status: 404, errorName: 'NotFoundError', message: /context/ },
  { name: 'deleting an unknown context', method: 'DELETE', path: `/admin/contexts/${ZERO_ID}`, status: 404, errorName: 'NotFoundError', message: /context/ },
  { name: 'deleting a non-hex context', method: 'DELETE', path: '/admin/contexts/zz', status: 400, errorName: 'InvalidInputError', message: /^params\.id/ },
  { name: 'a non-hex invitation id', method: 'DELETE', path: '/admin/contexts/:ctx/invitations/nope', status: 400, errorName: 'InvalidInputError', message: /^params\.invitation must be a 64-character hex id$/ },
  { name: 'revoking an unknown invitation', method: 'DELETE', path: `/admin/contexts/:ctx/invitations/${ZERO_ID}`, status: 404, errorName: 'NotFoundError', message: /has no invitation/ },
  { name: 'a non-hex xcall source', method: 'POST', path: '/admin/contexts/:ctx/xcall-grants/nope', status: 400, errorName: 'InvalidInputError', message: /^params\.source must be a 64-character hex id$/ },
  { name: 'an xcall grant on an unknown context', method: 'POST', path: `/admin/contexts/${ZERO_ID}/xcall-grants/:ctx`, status: 404, errorName: 'NotFoundError', message: /context/ },
  { name: 'an xcall revoke with a bad target', method: 'DELETE', path: '/admin/contexts/1/xcall-grants/:ctx', status: 400, errorName: 'InvalidInputError', message: /^params\.id/ },
  { name: 'events of a non-hex context', method: 'GET', path: '/admin/contexts/xyz/events', status: 400, errorName: 'InvalidInputError', message: /^params\.id/ },
  { name: 'events of an unknown context', method: 'GET', path: `/admin/contexts/${ZERO_ID}/events`, status: 404, errorName: 'NotFoundError', message: /context/ },
  { name: 'identities of a non-hex context', method: 'GET', path: '/admin/identities?context=12', status: 400, errorName: 'InvalidInputError', message: /^query\.context must be a 64-character hex id$/ },
  { name: 'identities of an unknown context', method: 'GET', path: `/admin/identities?context=${ZERO_ID}`, status: 404, errorName: 'NotFoundError', message: /context/ },
  { name: 'a repeated query parameter', method: 'GET', path: '/admin/identities?context=:ctx&context=:ctx', status: 400, errorName: 'InvalidInputError', message: /^query\.context must be given once$/ },
  { name: 'an unknown route', method: 'PUT', path: '/admin/contexts', status: 404, errorName: 'NotFoundError', message: /^no route PUT \/admin\/contexts$/ },
  // Module uploads
  { name: 'an empty raw module', method: 'POST', path: '/admin/applications', init: { body: '', headers: WASM_TYPE }, status: 400, errorName: 'InvalidInputError', message: /^request body is empty$/ },
  { name: 'a raw body that is not WASM', method: 'POST', path: '/admin/applications', init: { body: 'hello, world', headers: WASM_TYPE }, status: 400, errorName: 'InvalidInputError', message: /^request body is not a WebAssembly module$/ },
  { name: 'a raw module over 32 MiB', method: 'POST', path: '/admin/applications?name=big', init: { body: new Uint8Array(MAX_WASM_BYTES + 1), headers: WASM_TYPE }, status: 413, errorName: 'PayloadTooLargeError', message: /^request body is larger than 32 MiB$/ },
  { name: 'a module in an unsupported content type', method: 'POST', path: '/admin/applications', init: { body: 'AGFzbQEAAAA=', headers: { 'content-type': 'text/plain' } }, status: 400, errorName: 'InvalidInputError', message: /^no module in the request$/ },
  { name: 'a JSON upload without wasm', method: 'POST', path: '/admin/applications', init: { body: { name: 'kv' } }, status: 400, errorName: 'InvalidInputError', message: /^missing body\.wasm$/ },
  { name: 'a JSON upload with bad base64', method: 'POST', path: '/admin/applications', init: { body: { wasm: 'not base64!' } }, status: 400, errorName: 'InvalidInputError', message: /^body\.wasm is not valid base64$/ },
  { name: 'a JSON upload whose base64 is not WASM', method: 'POST', path: '/admin/applications', init: { body: { wasm: Buffer.from('plain text, not wasm').toString('base64') } }, status: 400, errorName: 'InvalidInputError', message: /^body\.wasm is not a WebAssembly module$/ },
  { name: 'a JSON upload with a numeric name', method: 'POST', path: '/admin/applications', init: { body: { wasm: ':kv64', name: 7 } }, status: 400, errorName: 'InvalidInputError', message: /^body\.name must be a string$/ },
  { name: 'a JSON upload with an unknown field', method: 'POST', path: '/admin/applications', init: { body: { wasm: ':kv64', version: 2 } }, status: 400, errorName: 'InvalidInputError', message: /^unknown field body\.version$/ },
  { name: 'a name given twice', method: 'POST', path: '/admin/applications?name=a', init: { body: { wasm: ':kv64', name: 'b' } }, status: 400, errorName: 'InvalidInputError', message: /^the name is given twice$/ },
  { name: 'a name with control characters', method: 'POST', path: '/admin/applications?name=a%0Ab', init: { body: kvWasm(), headers: WASM_TYPE }, status: 400, errorName: 'InvalidInputError', message: /^query\.name must not contain control characters$/ },
  { name: 'an over-long name', method: 'POST', path: `/admin/applications?name=${'n'.repeat(129)}`, init: { body: kvWasm(), headers: WASM_TYPE }, status: 400, errorName: 'InvalidInputError', message: /^query\.name is longer than 128 characters$/ },
  { name: 'a module the runtime rejects', method: 'POST', path: '/admin/applications', init: { body: new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff]), headers: WASM_TYPE }, status: 400, errorName: 'InvalidModuleError', message: /./ }
]

describe('API input validation', () => {
  let api: TestApi
  let ids: Record<string, string>
  const fill = (text: string): string => text.replace(/:(app|ctx|kv64)/g, (_m, k: string) => ids[k])

  before(async () => {
    api = await startApi()
    const app = await api.call('POST', '/admin/applications?name=kv', { body: kvWasm(), headers: WASM_TYPE })
    assert.equal(app.status, 201)
    const ctx = await api.call('POST', '/admin/contexts', { body: { applicationId: app.json.id, initArgs: { entries: { a: '1' } } } })
    assert.equal(ctx.status, 201)
    ids = { app: app.json.id, ctx: ctx.json.id, kv64: Buffer.from(kvWasm()).toString('base64') }
  })
  after(async () => { await api.close() })

  itRefuses(CASES, () => api, fill, async () => await snapshot(api))

  it('names the accepted fields when it refuses an unknown one', async () => {
    const res = await api.call('POST', '/admin/contexts', { body: { applicationId: ids.app, extra: 1 } })
    assert.equal(res.json.error.details, 'accepted fields: applicationId, initArgs, anchor')
  })

  it('leaves the kv value written at creation in place', async () => {
    const res = await api.call('POST', '/jsonrpc', { body: { jsonrpc: '2.0', id: 1, method: 'query', params: { contextId: ids.ctx, method: 'get', args: { key: 'a' } } } })
    assert.equal(res.json.result.output, '1')
  })
})
