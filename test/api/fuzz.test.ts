// The HTTP API under random requests: every route the app registers (read from its router,
// so a new route is fuzzed without a new line here), with random path parameters (real
// ids, unknown ids, junk, malformed percent-escapes), query strings, methods, bodies
// (JSON of any shape, JSON-RPC envelopes, bytes, deep nesting), content types, content
// encodings (honest and lying) and credentials. The API must answer every one below 500;
// a refusal (4xx) carries a clear error body and leaves the node's state as it was.
//
// FUZZ_SEED=<n> and FUZZ_HTTP_RUNS=<n> run other or more inputs.

import assert from 'node:assert/strict'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { CAPABILITIES } from '../../src/governance/types.ts'
import { kvWasm, startApi } from '../helpers/api-server.ts'
import type { TestApi } from '../helpers/api-server.ts'

const RUNS = Number(process.env.FUZZ_HTTP_RUNS ?? 300)
const SEED = Number(process.env.FUZZ_SEED ?? 20261203)
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const

interface Route { methods: string[], path: string }

/** The routes of the express app, as registered. */
function routesOf (api: TestApi): Route[] {
  const out: Route[] = []
  const walk = (stack: any[]): void => {
    for (const layer of stack) {
      if (layer.route != null) out.push({ methods: Object.keys(layer.route.methods).map((m) => m.toUpperCase()), path: layer.route.path })
      else if (layer.handle?.stack != null) walk(layer.handle.stack)
    }
  }
  walk((api.server.app as any).router.stack)
  return out
}

// A plan is drawn by fast-check; ids are picked from what the node holds when it runs.
const segment = fc.oneof(
  { weight: 4, arbitrary: fc.nat().map((pick) => ({ kind: 'known' as const, pick })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'text' as const, text: '0'.repeat(64) }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-fA-F]{62,66}$/).map((text) => ({ kind: 'text' as const, text })) },
  { weight: 2, arbitrary: fc.string({ maxLength: 80 }).map((t) => ({ kind: 'text' as const, text: encodeURIComponent(t) })) },
  { weight: 2, arbitrary: fc.constantFrom('%', '%Z', '%ZZ', '%E0%A4%A', '%C0%AF', '%FF', '%00', '%2F', '%25', '%u0041', '..', '.', '%2e%2e').map((text) => ({ kind: 'text' as const, text })) },
  { weight: 1, arbitrary: fc.constantFrom(...CAPABILITIES, 'manageMembers', 'Admin').map((text) => ({ kind: 'text' as const, text })) }
)

const FIELDS = ['applicationId', 'initArgs', 'anchor', 'role', 'identity', 'open', 'expiresInMs', 'maxUses', 'invitation', 'rpc', 'actions', 'wasm', 'name']
const fieldValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.nat().map((pick) => ({ $known: pick })), fc.constantFrom('member', 'reader', 'admin', true, 1, 0, -1, 2 ** 60))
const actionsValue = fc.array(fc.record({ type: fc.constantFrom('setThreshold', 'setActiveLimit', 'addAdmin', 'removeAdmin', 'setValue', 'deleteProposal', 'call', 'x'), threshold: fc.jsonValue(), limit: fc.jsonValue(), identity: fieldValue, key: fc.jsonValue(), value: fc.jsonValue(), encoding: fc.jsonValue(), proposal: fieldValue }, { requiredKeys: ['type'] }), { maxLength: 20 })

const body = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => ({ kind: 'json' as const, value })),
  fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 4 }).map((value) => ({ kind: 'json' as const, value })),
  actionsValue.map((actions) => ({ kind: 'json' as const, value: { actions } })),
  fc.record({
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue()),
    id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.jsonValue()),
    method: fc.oneof(fc.constantFrom('execute', 'query'), fc.string()),
    params: fc.oneof(fc.jsonValue(), fc.record({ contextId: fieldValue, method: fc.oneof(fc.constantFrom('get', 'set', 'remove', 'entries', 'init'), fc.string()), args: fc.jsonValue(), executor: fieldValue }, { requiredKeys: [] }))
  }, { requiredKeys: [] }).map((value) => ({ kind: 'json' as const, value })),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
  fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ kind: 'text' as const, text })),
  fc.integer({ min: 100, max: 20_000 }).map((depth) => ({ kind: 'text' as const, text: '['.repeat(depth) + ']'.repeat(depth) })),
  fc.constant({ kind: 'wasm' as const })
)

const plan = fc.record({
  route: fc.nat(),
  method: fc.option(fc.constantFrom(...METHODS), { freq: 5 }),
  params: fc.array(segment, { minLength: 4, maxLength: 4 }),
  query: fc.option(fc.array(fc.tuple(fc.constantFrom('context', 'limit', 'rejected', 'name', 'x', 'context[]'), fc.oneof(fc.string({ maxLength: 20 }), fc.nat().map((pick) => `$known${pick}`))), { minLength: 1, maxLength: 3 }), { freq: 3 }),
  body,
  contentType: fc.option(fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/wasm', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/*', 'garbage'), { freq: 4 }),
  encoding: fc.option(fc.record({ name: fc.constantFrom('gzip', 'deflate', 'br', 'zstd', 'identity', 'compress', 'gzip, br', 'GZIP'), honest: fc.boolean() }), { freq: 3 }),
  accept: fc.option(fc.constantFrom('text/event-stream', 'application/json', '*/*'), { freq: 3 }),
  auth: fc.oneof({ weight: 12, arbitrary: fc.constant('token' as const) }, { weight: 1, arbitrary: fc.constantFrom('none' as const, 'wrong' as const, 'malformed' as const) })
})
type Plan = typeof plan extends fc.Arbitrary<infer P> ? P : never

function encodeBody (bytes: Uint8Array, name: string): Uint8Array {
  const lower = name.toLowerCase()
  if (lower === 'gzip') return gzipSync(bytes)
  if (lower === 'deflate') return deflateSync(bytes)
  if (lower === 'br') return brotliCompressSync(bytes)
  return bytes
}

describe('API under fuzzed requests', () => {
  let api: TestApi
  let routes: Route[]
  let appId: string

  /** Every id the node holds (contexts, applications, identities, members, proposals, invitations). */
  const known = (): string[] => {
    const ids = new Set<string>()
    for (const a of api.node.listApplications()) ids.add(a.id)
    for (const c of api.node.listContexts()) {
      ids.add(c.id)
      for (const m of c.members) ids.add(m.identity)
      for (const p of api.node.proposals(c.id)) ids.add(p.id)
    }
    for (const i of api.node.listIdentities()) ids.add(i.publicKey)
    return [...ids].sort()
  }

  /**
   * What a refused request must leave as it was. The node's own group-key ops (key duties,
   * which an earlier successful request may set off in the background) are left out.
   */
  const summary = (): string => JSON.stringify({
    applications: api.node.listApplications(),
    contexts: api.node.listContexts(),
    identities: api.node.listIdentities(),
    governance: api.node.listContexts().map((c) => {
      const { revision: _revision, total: _total, ops, ...rest } = api.node.governance(c.id, {})
      return [rest, ops.filter((o) => o.action.type !== 'keys'), api.node.proposals(c.id)]
    })
  })

  const ensureFixture = async (): Promise<void> => {
    if (api.node.listApplications().length === 0) appId = (await api.node.installApplication({ wasm: kvWasm(), name: 'kv' })).id
    else appId = api.node.listApplications()[0]!.id
    if (api.node.listContexts().length === 0) await api.node.createContext({ applicationId: appId, initArgs: new TextEncoder().encode('{"entries":{"a":"1"}}') })
  }

  before(async () => {
    api = await startApi({ heartbeatMs: 60_000 })
    routes = routesOf(api)
    assert.ok(routes.length >= 30, `found ${routes.length} routes`)
    await ensureFixture()
    await api.node.createContext({ applicationId: appId })
    await api.node.newIdentity()
  })
  after(async () => { await api.close() })

  async function send (p: Plan): Promise<{ request: string, status: number, type: string, text: string }> {
    const ids = known()
    const pick = (n: number): string => ids[n % ids.length]!
    const route = routes[p.route % routes.length]!
    const method = p.method ?? route.methods[0]!
    let i = 0
    const path = route.path.replace(/:[A-Za-z]+/g, () => {
      const s = p.params[i++ % p.params.length]!
      return s.kind === 'known' ? pick(s.pick) : s.text
    })
    const query = p.query === null ? '' : '?' + p.query.map(([k, v]) => `${k}=${v.startsWith('$known') ? pick(Number(v.slice(6))) : encodeURIComponent(v)}`).join('&')
    const headers: Record<string, string> = {}
    if (p.auth === 'token') headers.authorization = `Bearer ${api.token}`
    else if (p.auth === 'wrong') headers.authorization = 'Bearer not-the-token'
    else if (p.auth === 'malformed') headers.authorization = 'Token x y'
    let bytes: Uint8Array | undefined
    const b = p.body
    if (b.kind === 'json') bytes = new TextEncoder().encode(JSON.stringify(b.value, (_k, v: unknown) => (typeof v === 'object' && v !== null && '$known' in v) ? pick(Number((v as { $known: number }).$known)) : v))
    else if (b.kind === 'bytes') bytes = b.bytes
    else if (b.kind === 'text') bytes = new TextEncoder().encode(b.text)
    else if (b.kind === 'wasm') bytes = kvWasm()
    if (bytes !== undefined) {
      headers['content-type'] = p.contentType ?? (b.kind === 'json' ? 'application/json' : b.kind === 'wasm' ? 'application/wasm' : 'application/octet-stream')
      if (p.encoding !== null) {
        headers['content-encoding'] = p.encoding.name
        if (p.encoding.honest) bytes = encodeBody(bytes, p.encoding.name)
      }
    }
    if (p.accept !== null) headers.accept = p.accept
    const request = `${method} ${path}${query} ${JSON.stringify(headers).replace(api.token, '<token>')} body ${bytes === undefined ? 'none' : Buffer.from(bytes).toString('base64').slice(0, 300)}`
    const controller = new AbortController()
    const deadline = setTimeout(() => { controller.abort() }, 15_000)
    try {
      const res = await fetch(api.url + path + query, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : bytes as Uint8Array<ArrayBuffer> | undefined, signal: controller.signal, redirect: 'manual' })
      const type = res.headers.get('content-type') ?? ''
      // An event stream that started is a success; it would not end by itself.
      const text = type.startsWith('text/event-stream') ? '' : await res.text()
      controller.abort()
      return { request, status: res.status, type, text }
    } catch (err) {
      throw new Error(`no answer to ${request}: ${String(err)}`)
    } finally {
      clearTimeout(deadline)
    }
  }

  it(`answers ${RUNS} random requests below 500, refusals with a clear error and no change`, async () => {
    let refused = 0
    await fc.assert(fc.asyncProperty(plan, async (p) => {
      await ensureFixture()
      const before = summary()
      const { request, status, type, text } = await send(p)
      assert.ok(status < 500, `${status} for ${request}: ${text.slice(0, 300)}`)
      if (status >= 400) {
        refused++
        const after = summary()
        if (after !== before) {
          let at = 0
          while (after[at] === before[at]) at++
          assert.fail(`a refused request (${status}) changed the node's state: ${request}\n  before: …${before.slice(at - 200, at + 200)}\n  after:  …${after.slice(at - 200, at + 200)}`)
        }
        if (!request.startsWith('HEAD')) {
          assert.match(type, /^application\/json/, `${status} without a JSON error for ${request}`)
          const json = JSON.parse(text)
          const error = json.jsonrpc === '2.0' ? json.error.data : json.error
          assert.equal(typeof error?.name, 'string', `no error name in ${text.slice(0, 300)} for ${request}`)
          assert.ok(typeof error.message === 'string' && error.message.length > 0, `no error message for ${request}`)
          assert.notEqual(error.name, 'InternalError', request)
        }
      }
    }), { numRuns: RUNS, seed: SEED })
    // The mix reaches refusals of every kind, not only successes.
    assert.ok(refused > RUNS / 3, `only ${refused} of ${RUNS} requests were refused`)
  })
})
