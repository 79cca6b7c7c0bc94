import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { MoorNode } from '../../src/node/types.ts'
import { kvWasm, startApi } from '../helpers/api-server.ts'
import type { TestApi } from '../helpers/api-server.ts'

/** Reads an SSE response until `done` says the text so far is enough (or it ends). */
async function readUntil (res: Response, done: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
  return (await read(res, done, timeoutMs)).text
}

async function read (res: Response, done: (text: string) => boolean, timeoutMs: number): Promise<{ text: string, ended: boolean, timedOut: boolean }> {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let ended = false
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; void reader.cancel() }, timeoutMs)
  try {
    while (!done(text)) {
      const { done: end, value } = await reader.read()
      if (end) { ended = true; break }
      text += decoder.decode(value, { stream: true })
    }
  } finally {
    clearTimeout(timer)
    reader.releaseLock()
  }
  return { text, ended, timedOut }
}

/** Frames of an SSE text: `{ event, data }` for each event (comments dropped). */
function frames (text: string): Array<{ event: string, data: string }> {
  return text.split('\n\n').flatMap((frame) => {
    const lines = frame.split('\n').filter((l) => l !== '' && !l.startsWith(':'))
    if (lines.length === 0) return []
    const field = (name: string): string => lines.find((l) => l.startsWith(name + ': '))?.slice(name.length + 2) ?? ''
    return [{ event: field('event'), data: field('data') }]
  })
}

describe('GET /admin/contexts/:id/events (SSE)', () => {
  let api: TestApi
  let ctx: string
  let active = 0
  const track = (node: MoorNode): MoorNode => new Proxy(node, {
    get (target, prop, receiver) {
      if (prop === 'subscribe') {
        return (id: string, listener: Parameters<MoorNode['subscribe']>[1]) => {
          const off = target.subscribe(id, listener)
          active++
          let done = false
          return () => { if (!done) { done = true; active--; off() } }
        }
      }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })

  before(async () => {
    api = await startApi({ heartbeatMs: 50, wrap: track })
    const app = await api.call('POST', '/admin/applications', { body: kvWasm(), headers: { 'content-type': 'application/wasm' } })
    ctx = (await api.call('POST', '/admin/contexts', { body: { applicationId: app.json.id } })).json.id
  })
  after(async () => { await api.close() })

  const open = async (): Promise<{ res: Response, abort: () => void }> => {
    const controller = new AbortController()
    const res = await fetch(`${api.url}/admin/contexts/${ctx}/events`, {
      headers: { authorization: `Bearer ${api.token}` },
      signal: controller.signal
    })
    return { res, abort: () => { controller.abort() } }
  }

  it('delivers an app event as `event: app` with the event as JSON data', async () => {
    const { res, abort } = await open()
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/)
    await readUntil(res, (t) => t.includes(': connected'))
    const call = await api.call('POST', '/jsonrpc', {
      body: { jsonrpc: '2.0', id: 1, method: 'execute', params: { contextId: ctx, method: 'set', args: { key: 'k', value: 'v' } } }
    })
    assert.equal(call.status, 200)
    const text = await readUntil(res, (t) => frames(t).some((f) => f.event === 'app'))
    abort()
    const app = frames(text).find((f) => f.event === 'app')
    assert.ok(app != null, text)
    const event = JSON.parse(app.data)
    assert.equal(event.contextId, ctx)
    assert.equal(event.type, 'app')
    assert.equal(event.kind, 'set')
    assert.deepEqual(JSON.parse(event.data), { key: 'k', value: 'v' })
  })

  it('sends heartbeat comments', async () => {
    const { res, abort } = await open()
    const text = await readUntil(res, (t) => t.includes(': heartbeat'))
    abort()
    assert.ok(text.includes(': heartbeat\n\n'))
  })

  it('unsubscribes when the client goes away', async () => {
    await waitFor(() => active === 0)
    const { res, abort } = await open()
    await readUntil(res, (t) => t.includes(': connected'))
    assert.equal(active, 1)
    abort()
    await waitFor(() => active === 0)
  })

  it('ends open streams when the server closes', async () => {
    const other = await startApi({ heartbeatMs: 60_000 })
    try {
      const app = await other.call('POST', '/admin/applications', { body: kvWasm(), headers: { 'content-type': 'application/wasm' } })
      const id = (await other.call('POST', '/admin/contexts', { body: { applicationId: app.json.id } })).json.id
      const res = await fetch(`${other.url}/admin/contexts/${id}/events`, { headers: { authorization: `Bearer ${other.token}` } })
      await readUntil(res, (t) => t.includes(': connected'))
      const closing = other.server.close()
      const rest = await read(res, () => false, 3000)
      assert.equal(rest.timedOut, false)
      assert.equal(rest.ended, true)
      await closing
    } finally {
      await other.close()
    }
  })
})

async function waitFor (check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
