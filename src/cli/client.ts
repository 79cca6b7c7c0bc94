// The CLI's HTTP client of a running node. It finds the node through the home: the run
// file a live node writes (node.json), else config.json's api host and port; and it
// authenticates with <home>/token.

import { isIP } from 'node:net'
import type { RpcResult } from '../api/jsonrpc.ts'
import type { SyncProgressEvent } from '../node/types.ts'
import { loadConfig, readToken } from '../node/config.ts'
import { silentLogger } from '../log/index.ts'
import { NodeNotRunningError, NodeResponseError } from './errors.ts'
import { readRunFile } from './runfile.ts'

/** Default deadline of one request (calls included). */
export const REQUEST_TIMEOUT_MS = 60_000

export interface NodeClientInit {
  baseUrl: string
  token: string
  home: string
  timeoutMs?: number
}

export interface RequestOptions {
  query?: Record<string, string | undefined>
  /** Sent as JSON. */
  json?: unknown
  /** Sent as is, with `contentType`. */
  raw?: Uint8Array<ArrayBuffer>
  contentType?: string
  /** Accept header (default application/json). */
  accept?: string
  signal?: AbortSignal
}

export interface SseMessage {
  event: string
  data: string
}

export class NodeClient {
  readonly baseUrl: string
  readonly home: string
  readonly #token: string
  readonly #timeoutMs: number

  constructor (init: NodeClientInit) {
    this.baseUrl = init.baseUrl.replace(/\/+$/, '')
    this.home = init.home
    this.#token = init.token
    this.#timeoutMs = init.timeoutMs ?? REQUEST_TIMEOUT_MS
  }

  /** A client for the node whose home is `home`. */
  static async fromHome (home: string): Promise<NodeClient> {
    const config = await loadConfig(home, { logger: silentLogger })
    const token = await readToken(home)
    const running = await readRunFile(home)
    if (running == null && config.api.port === 0) {
      throw new NodeNotRunningError(`no node is running on ${home}`, {
        details: 'config.json sets api.port to 0 (a free port at each start) and no running node recorded its address in node.json',
        hint: `start it with \`moor node --home ${home}\``
      })
    }
    const baseUrl = running?.url ?? urlFor(config.api.host, config.api.port)
    return new NodeClient({ baseUrl, token, home })
  }

  async request<T> (method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.#fetch(method, path, options, true)
    if (res.status === 204) return undefined as T
    return await res.json() as T
  }

  /** One JSON-RPC call; a JSON-RPC error becomes a NodeResponseError. */
  async rpc (method: 'execute' | 'query', params: Record<string, unknown>, signal?: AbortSignal): Promise<RpcResult> {
    const res = await this.#fetch('POST', '/jsonrpc', { json: { jsonrpc: '2.0', id: 1, method, params }, signal }, false)
    const body = await readJson(res) as { result?: RpcResult, error?: { message?: unknown, data?: Record<string, unknown> } } | null
    if (body?.error != null) throw new NodeResponseError(res.status, body.error.data ?? { message: body.error.message })
    if (!res.ok || body?.result === undefined) throw new NodeResponseError(res.status, { message: `the node answered HTTP ${res.status} without a result` })
    return body.result
  }

  /** Follows an SSE stream until it ends or `signal` aborts. */
  async * events (path: string, signal: AbortSignal): AsyncGenerator<SseMessage> {
    const res = await this.#fetch('GET', path, { signal }, true, false)
    try {
      yield * readFrames(res)
    } catch (err) {
      if (signal.aborted) return
      throw err
    }
  }

  /**
   * A POST to a long operation (join, sync) that reports progress: asks for Server-Sent
   * Events, hands each `progress` event to `onProgress` and resolves with the `result`.
   * An error the node sends (before or during the stream) becomes a NodeResponseError.
   */
  async withProgress<T> (path: string, json: unknown, onProgress: (p: SyncProgressEvent) => void, signal?: AbortSignal): Promise<T> {
    const res = await this.#fetch('POST', path, { json, accept: 'text/event-stream', signal }, true, false)
    if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) return await res.json() as T
    for await (const message of readFrames(res)) {
      let data: unknown
      try { data = JSON.parse(message.data) } catch { continue }
      if (message.event === 'progress') onProgress(data as SyncProgressEvent)
      else if (message.event === 'result') return data as T
      else if (message.event === 'error') {
        const e = data as { status?: unknown, error?: Record<string, unknown> }
        throw new NodeResponseError(typeof e.status === 'number' ? e.status : 500, e.error ?? {})
      }
    }
    throw new NodeNotRunningError(`the node at ${this.baseUrl} closed the stream before answering`)
  }

  async #fetch (method: string, path: string, options: RequestOptions, throwOnError: boolean, timeout = true): Promise<Response> {
    const url = new URL(this.baseUrl + path)
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value)
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: options.accept ?? 'application/json' }
    let body: string | Uint8Array<ArrayBuffer> | undefined
    if (options.raw !== undefined) {
      body = options.raw
      headers['content-type'] = options.contentType ?? 'application/octet-stream'
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json)
      headers['content-type'] = 'application/json'
    }
    const signals: AbortSignal[] = []
    if (options.signal != null) signals.push(options.signal)
    if (timeout) signals.push(AbortSignal.timeout(this.#timeoutMs))
    let res: Response
    try {
      res = await fetch(url, { method, headers, body, signal: signals.length > 0 ? AbortSignal.any(signals) : undefined })
    } catch (err) {
      throw this.#connectionError(err)
    }
    if (throwOnError && !res.ok) {
      const payload = await readJson(res) as { error?: Record<string, unknown> } | null
      throw new NodeResponseError(res.status, payload?.error ?? { message: `the node answered HTTP ${res.status}` })
    }
    return res
  }

  #connectionError (err: unknown): Error {
    const e = err as { name?: string, cause?: { code?: string } }
    if (e?.name === 'TimeoutError') {
      return new NodeNotRunningError(`the node at ${this.baseUrl} did not answer within ${this.#timeoutMs / 1000} s`, { cause: err })
    }
    if (e?.name === 'AbortError') return err as Error
    const code = e?.cause?.code
    return new NodeNotRunningError(`no node answers at ${this.baseUrl} — start it with \`moor node --home ${this.home}\``, {
      details: code != null ? `connection failed: ${code}` : (err as Error).message,
      cause: err
    })
  }
}

/** The URL a client uses to reach an API bound to host:port. */
export function urlFor (host: string, port: number): string {
  if (host === '0.0.0.0') return `http://127.0.0.1:${port}`
  if (host === '::') return `http://[::1]:${port}`
  return isIP(host) === 6 ? `http://[${host}]:${port}` : `http://${host}:${port}`
}

async function readJson (res: Response): Promise<unknown> {
  const text = await res.text()
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

/** The Server-Sent Events of a response body, until it ends. */
async function * readFrames (res: Response): AsyncGenerator<SseMessage> {
  if (res.body == null) return
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    while (true) {
      const { done, value } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      let end: number
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const frame = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const message = parseFrame(frame)
        if (message != null) yield message
      }
    }
  } finally {
    reader.releaseLock()
    await res.body.cancel().catch(() => {})
  }
}

function parseFrame (frame: string): SseMessage | null {
  let event = 'message'
  const data: string[] = []
  for (const line of frame.split('\n')) {
    if (line === '' || line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') event = value
    else if (field === 'data') data.push(value)
  }
  return data.length === 0 ? null : { event, data: data.join('\n') }
}
