import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { writeRunFile } from '../../src/cli/runfile.ts'
import { KV_WASM_PATH, startApi } from '../helpers/api-server.ts'
import type { TestApi } from '../helpers/api-server.ts'
import { MOOR_BIN, moor } from '../helpers/cli.ts'

const HEX64 = /^[0-9a-f]{64}$/

// The CLI against a real node served in this process; the CLI finds it through the run
// file (<home>/node.json) that `moor node` would write.
describe('moor --json output', () => {
  let api: TestApi
  const run = async (...args: string[]): Promise<any> => {
    const res = await moor([...args, '--home', api.home, '--json'])
    assert.equal(res.code, 0, `moor ${args.join(' ')}: ${res.stderr}`)
    return JSON.parse(res.stdout) // exactly one JSON document
  }

  before(async () => {
    api = await startApi()
    await writeRunFile(api.home, { pid: process.pid, url: api.url, startedAt: Date.now() })
  })
  after(async () => { await api.close() })

  let appId: string
  let ctx: string
  let other: string

  it('status', async () => {
    const status = await run('status')
    assert.match(status.nodeId, /^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/)
    assert.equal(status.url, api.url)
  })

  it('app install, app list', async () => {
    const app = await run('app', 'install', fileURLToPath(KV_WASM_PATH))
    assert.match(app.id, HEX64)
    assert.equal(app.name, 'kv-store')
    appId = app.id
    const list = await run('app', 'list')
    assert.deepEqual(list.map((a: { id: string }) => a.id), [appId])
  })

  it('context create, list, show', async () => {
    const created = await run('context', 'create', '--app', appId, '--init-args', '{"entries":{"a":"1"}}')
    assert.match(created.id, HEX64)
    ctx = created.id
    other = (await run('context', 'create', '--app', appId)).id
    const list = await run('context', 'list')
    assert.equal(list.length, 2)
    const shown = await run('context', 'show', ctx)
    assert.equal(shown.applicationId, appId)
  })

  it('call (execute and --query)', async () => {
    const set = await run('call', ctx, 'set', '{"key":"b","value":"2"}')
    assert.equal(set.output, null)
    assert.match(set.gasUsed, /^[0-9]+$/)
    const get = await run('call', ctx, 'get', '{"key":"b"}', '--query')
    assert.equal(get.output, '2')
    assert.equal(get.deltaId, null)
  })

  it('call prints the output alone on stdout without --json', async () => {
    const res = await moor(['call', ctx, 'get', '{"key":"a"}', '--query', '--home', api.home])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, '1\n')
    assert.match(res.stderr, /^gas \d+ · no delta · root [0-9a-f]{16}$/m)
  })

  it('call reports an application error with exit 1', async () => {
    const res = await moor(['call', ctx, 'nope', '--home', api.home, '--json'])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /^error: the application has no method "nope"/)
    // With --json, stdout holds the error as the node named it.
    const { error } = JSON.parse(res.stdout)
    assert.equal(error.name, 'MethodNotFoundError')
    assert.match(error.message, /^the application has no method "nope"/)
  })

  it('context grant-xcall, revoke-xcall', async () => {
    const granted = await run('context', 'grant-xcall', ctx, other)
    assert.deepEqual(granted.xcallGrants, [other])
    const revoked = await run('context', 'revoke-xcall', ctx, other)
    assert.deepEqual(revoked.xcallGrants, [])
  })

  it('identity list', async () => {
    const all = await run('identity', 'list')
    assert.equal(all.length, 2)
    const one = await run('identity', 'list', '--context', ctx)
    assert.equal(one.length, 1)
    assert.equal(one[0].contextId, ctx)
  })

  it('events --count 1 prints the event as one JSON line', async () => {
    const child = spawn(process.execPath, [MOOR_BIN, 'events', ctx, '--count', '1', '--home', api.home, '--json'], {
      env: { ...process.env, MOOR_LOG: 'silent' }
    })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    // Write until the subscriber (connected some time after spawn) sees an event.
    const deadline = Date.now() + 15_000
    let code: number | null | undefined
    exited.then((c) => { code = c }, () => {})
    while (code === undefined && Date.now() < deadline) {
      await api.call('POST', '/jsonrpc', { body: { jsonrpc: '2.0', id: 1, method: 'execute', params: { contextId: ctx, method: 'set', args: { key: 'e', value: 'x' } } } })
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.equal(await exited, 0)
    const lines = stdout.trim().split('\n')
    assert.equal(lines.length, 1)
    const event = JSON.parse(lines[0])
    assert.equal(event.contextId, ctx)
    assert.ok(event.type === 'delta' || event.type === 'app', lines[0])
  })

  it('context delete, app remove', async () => {
    assert.deepEqual(await run('context', 'delete', ctx), { deleted: ctx })
    assert.deepEqual(await run('context', 'delete', other), { deleted: other })
    assert.deepEqual(await run('app', 'remove', appId), { removed: appId })
    assert.deepEqual(await run('app', 'list'), [])
  })

  it('an unknown id is a clean error (exit 1, NotFound message)', async () => {
    const res = await moor(['context', 'show', 'cd'.repeat(32), '--home', api.home])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /^error: .*context/)
  })
})
