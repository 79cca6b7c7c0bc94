// The page's side of the API: the token (sessionStorage only: gone when the tab closes,
// never in a URL), JSON calls with `Authorization: Bearer`, and SSE read through fetch
// (EventSource cannot send a header).

const TOKEN_KEY = 'moorage.token'

export class ApiError extends Error {
  readonly status: number
  readonly hint: string | undefined
  constructor (status: number, message: string, hint?: string) {
    super(message)
    this.status = status
    this.hint = hint
  }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string): void => { sessionStorage.setItem(TOKEN_KEY, value) },
  clear: (): void => { sessionStorage.removeItem(TOKEN_KEY) }
}

function headers (extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token.get() ?? ''}`, ...extra }
}

async function failure (res: Response): Promise<ApiError> {
  let body: any
  try { body = await res.json() } catch { body = undefined }
  const e = body?.error
  return new ApiError(res.status, e?.message ?? `HTTP ${res.status}`, e?.hint)
}

/** A JSON call; `body` is sent as JSON. 204 answers null. */
export async function api<T = any> (method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: headers(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  if (!res.ok) throw await failure(res)
  if (res.status === 204) return null as T
  return await res.json() as T
}

export interface SseEvent { event: string, data: string }

/**
 * Reads an SSE response, calling `onEvent` per event, until it ends or `signal` aborts.
 * `body` and `method` make it a POST (the join and sync progress streams).
 */
export async function stream (path: string, onEvent: (e: SseEvent) => void, options: { signal?: AbortSignal, method?: string, body?: unknown } = {}): Promise<void> {
  const res = await fetch(path, {
    method: options.method ?? 'GET',
    headers: headers({ accept: 'text/event-stream', ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) }),
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {})
  })
  if (!res.ok) throw await failure(res)
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    // Answered before any progress: the plain JSON result.
    onEvent({ event: 'result', data: await res.text() })
    return
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    buffer += value
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let event = 'message'
      const data: string[] = []
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7)
        else if (line.startsWith('data: ')) data.push(line.slice(6))
      }
      if (data.length > 0) onEvent({ event, data: data.join('\n') })
    }
  }
}
