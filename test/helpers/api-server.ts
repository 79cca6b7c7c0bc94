// A real node (LMDB in a temp home) behind the HTTP API on 127.0.0.1:<free port>, and a
// small fetch wrapper for the API tests.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { it } from 'node:test'
import { createApiServer } from '../../src/api/index.ts'
import type { ApiServer } from '../../src/api/index.ts'
import { silentLogger } from '../../src/log/index.ts'
import { initHome, loadConfig, readToken } from '../../src/node/config.ts'
import { createNode } from '../../src/node/index.ts'
import type { MoorNode } from '../../src/node/types.ts'
import { tempDir } from './tmp.ts'

export const KV_WASM_PATH = new URL('../../apps/kv-store/build/kv-store.wasm', import.meta.url)

export function kvWasm (): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(KV_WASM_PATH))
}

export interface TestApi {
  url: string
  token: string
  home: string
  node: MoorNode
  server: ApiServer
  /** fetch with the admin token (unless `headers.authorization` is given) and a parsed body. */
  call: (method: string, path: string, init?: CallInit) => Promise<Reply>
  close: () => Promise<void>
}

export interface CallInit {
  /** Sent as JSON unless a string or bytes. */
  body?: unknown
  headers?: Record<string, string>
  /** Omit the Authorization header. */
  noAuth?: boolean
}

export interface Reply {
  status: number
  headers: Headers
  text: string
  /** The parsed body; undefined when it is not JSON. */
  json: any
}

export interface StartApiOptions {
  heartbeatMs?: number
  /** Wraps the node before the server gets it (to observe calls). */
  wrap?: (node: MoorNode) => MoorNode
}

export async function startApi (options: StartApiOptions = {}): Promise<TestApi> {
  const dir = tempDir('moor-api-')
  const home = dir.path
  await initHome(home, { apiPort: 0, p2pPort: 0 })
  const config = await loadConfig(home)
  const token = await readToken(home)
  const node = await createNode({ home, config, logger: silentLogger })
  const served = options.wrap != null ? options.wrap(node) : node
  const server = createApiServer({
    node: served,
    host: '127.0.0.1',
    port: 0,
    token,
    logger: silentLogger,
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {})
  })
  const { url } = await server.listen()

  const call = async (method: string, path: string, init: CallInit = {}): Promise<Reply> => {
    const headers: Record<string, string> = {}
    if (init.noAuth !== true) headers.authorization = `Bearer ${token}`
    let body: string | Uint8Array<ArrayBuffer> | undefined
    if (typeof init.body === 'string' || init.body instanceof Uint8Array) {
      body = init.body as string | Uint8Array<ArrayBuffer>
    } else if (init.body !== undefined) {
      body = JSON.stringify(init.body)
      headers['content-type'] = 'application/json'
    }
    Object.assign(headers, init.headers)
    const res = await fetch(url + path, { method, headers, body })
    const text = await res.text()
    let json: unknown
    try { json = JSON.parse(text) } catch { json = undefined }
    return { status: res.status, headers: res.headers, text, json }
  }

  return {
    url,
    token,
    home,
    node,
    server,
    call,
    async close () {
      await server.close()
      await node.stop()
      dir.cleanup()
    }
  }
}

/** Everything a failed request must leave untouched. */
export async function snapshot (api: TestApi): Promise<unknown> {
  const apps = await api.call('GET', '/admin/applications')
  const contexts = await api.call('GET', '/admin/contexts')
  const identities = await api.call('GET', '/admin/identities')
  return { apps: apps.json, contexts: contexts.json, identities: identities.json }
}

export const ZERO_ID = '0'.repeat(64)

export const JSON_TYPE = { 'content-type': 'application/json' }
export const WASM_TYPE = { 'content-type': 'application/wasm' }

/** A request the API must refuse: its status, error name and message. */
export interface RefusalCase {
  name: string
  method: string
  /** Placeholders such as `:ctx` and `:app`, filled in by the test. */
  path: string
  init?: CallInit
  status: number
  errorName: string
  /** The error message must match. */
  message: RegExp
}

/**
 * One test per case: the API answers with the case's status, error name and message, and
 * what `state` reads is the same before and after. `fill` replaces the placeholders in the
 * path and the body; `api` is read when the tests run (it is made in a `before`).
 */
export function itRefuses (cases: RefusalCase[], api: () => TestApi, fill: (text: string) => string, state: () => Promise<unknown>): void {
  for (const c of cases) {
    it(`answers ${c.status} to ${c.name}, with a message and no change`, async () => {
      const before = await state()
      const init: CallInit = { ...c.init }
      if (typeof init.body === 'string') init.body = fill(init.body)
      else if (init.body !== undefined && !(init.body instanceof Uint8Array)) init.body = JSON.parse(fill(JSON.stringify(init.body)))
      const res = await api().call(c.method, fill(c.path), init)
      assert.equal(res.status, c.status, res.text.slice(0, 500))
      assert.equal(res.json?.error?.name, c.errorName, res.text.slice(0, 500))
      assert.match(res.json.error.message, c.message)
      assert.deepEqual(await state(), before)
    })
  }
}
