// New blocks pushed by the endpoint: `eth_subscribe('newHeads')` over a WebSocket (the
// EDR devnet serves one on its JSON-RPC address, as most nodes do). Each new head tells
// the change feed to poll now, so a removal is acted on within a block instead of within
// a poll interval. The subscription only says "the chain moved": what changed is still
// read, checked for reorgs and confirmed by the feed, which keeps polling at its interval
// as the fallback (a missed push, a dropped socket, an endpoint with no WebSocket).
//
// A dropped or refused connection is retried with backoff (1 s doubling to a minute),
// logged once per kind of failure. An endpoint that answers eth_subscribe with an error
// does not offer subscriptions: the adapter stays with polling and says so once.
import { Failures } from '../../src/async/failures.ts'
import type { Logger } from '../../src/log/index.ts'

/** Longest message read from the socket; a head notification is ~1 KB. */
export const MAX_PUSH_MESSAGE_CHARS = 256 * 1024
const RETRY_BASE_MS = 1_000
const RETRY_MAX_MS = 60_000
const SUBSCRIBE_ID = 1

export interface HeadSubscriptionInit {
  /** ws:// or wss:// address of the endpoint. */
  url: string
  logger: Logger
  /** Called on each new head, and after each (re)subscription (blocks may have been missed meanwhile). */
  onHead: () => void
}

/** The WebSocket address of an HTTP JSON-RPC endpoint: the same address, ws(s)://. */
export function pushUrlFor (rpc: string): string | undefined {
  let u: URL
  try { u = new URL(rpc) } catch { return undefined }
  if (u.protocol === 'ws:' || u.protocol === 'wss:') return u.toString()
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:'
  return u.toString()
}

export class HeadSubscription {
  private readonly init: HeadSubscriptionInit
  private readonly failures = new Failures({ baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS })
  private socket: WebSocket | undefined
  private subscription: string | undefined
  private retry: NodeJS.Timeout | undefined
  private stopped = false

  constructor (init: HeadSubscriptionInit) {
    this.init = init
    this.connect()
  }

  /** Whether heads are being pushed right now. */
  get live (): boolean {
    return this.subscription !== undefined
  }

  close (): void {
    this.stopped = true
    if (this.retry !== undefined) clearTimeout(this.retry)
    this.retry = undefined
    this.subscription = undefined
    this.socket?.close()
    this.socket = undefined
  }

  private connect (): void {
    if (this.stopped) return
    let ws: WebSocket
    try {
      ws = new WebSocket(this.init.url)
    } catch (err) {
      // A malformed address never connects: polling only.
      this.init.logger.warn('cannot subscribe to new blocks; polling only', { url: this.init.url, error: (err as Error).message })
      return
    }
    this.socket = ws
    ws.onopen = () => {
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: SUBSCRIBE_ID, method: 'eth_subscribe', params: ['newHeads'] }))
    }
    ws.onmessage = (e) => { this.message(ws, e.data) }
    ws.onclose = () => { this.dropped(ws, new Error('the WebSocket closed')) }
    ws.onerror = (e) => { this.dropped(ws, (e as ErrorEvent).error ?? new Error((e as ErrorEvent).message ?? 'WebSocket error')) }
  }

  private message (ws: WebSocket, data: unknown): void {
    if (typeof data !== 'string' || data.length > MAX_PUSH_MESSAGE_CHARS) {
      this.dropped(ws, new Error('the endpoint sent a message that is not a JSON-RPC text frame of bounded size'))
      return
    }
    let msg: { id?: unknown, result?: unknown, error?: { message?: string }, method?: unknown, params?: { subscription?: unknown } }
    try { msg = JSON.parse(data) } catch { return }
    if (msg.id === SUBSCRIBE_ID) {
      if (typeof msg.result !== 'string') {
        this.init.logger.info('the endpoint offers no eth_subscribe; new blocks are polled for', { url: this.init.url, error: msg.error?.message })
        this.stopped = true
        ws.close()
        return
      }
      this.subscription = msg.result
      const after = this.failures.succeeded('push')
      this.init.logger.debug('new blocks are pushed', { url: this.init.url, ...(after !== undefined ? { after } : {}) })
      this.init.onHead()
      return
    }
    if (msg.method === 'eth_subscription' && this.subscription !== undefined && msg.params?.subscription === this.subscription) this.init.onHead()
  }

  private dropped (ws: WebSocket, err: unknown): void {
    if (ws !== this.socket) return
    this.socket = undefined
    this.subscription = undefined
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null
    try { ws.close() } catch { }
    if (this.stopped) return
    const f = this.failures.failed('push', err)
    if (f.news) this.init.logger.info('new blocks are not pushed; polling meanwhile', { url: this.init.url, error: f.error, note: 'reconnected with backoff' })
    this.retry = setTimeout(() => { this.retry = undefined; this.connect() }, f.delayMs)
    this.retry.unref()
  }
}
