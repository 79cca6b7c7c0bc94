// Long operations (join, sync) answer in one of two ways, chosen by the client:
//   - plain JSON (the default): the result once the operation is done;
//   - Server-Sent Events, when the request says `Accept: text/event-stream`:
//       event: progress   data: { phase, done, total }   (as the node reports it)
//       event: result     data: <the same JSON the plain answer would carry>
//       event: error      data: { status, error: { name, message, details?, hint? } }
//     then the stream ends.
// The stream starts with the first progress event: an operation that fails before it
// (bad input, an unknown context, an expired invitation) answers with its plain 4xx.

import type { Request, Response } from 'express'
import type { SyncProgressEvent } from '../node/types.ts'
import { toMoorageError } from './middleware/errors.ts'
import type { ApiComponents } from './types.ts'
import { startEventStream } from './sse.ts'

export function wantsEventStream (req: Request): boolean {
  return (req.get('accept') ?? '').split(',').some((part) => part.trim().split(';')[0] === 'text/event-stream')
}

export async function answerWithProgress<T> (
  req: Request,
  res: Response,
  components: ApiComponents,
  status: number,
  run: (onProgress: (p: SyncProgressEvent) => void) => Promise<T>
): Promise<void> {
  if (!wantsEventStream(req)) {
    const result = await run(() => {})
    res.status(status).json(result)
    return
  }
  let started = false
  const send = (event: string, data: unknown): void => {
    if (res.writableEnded || res.destroyed) return
    if (!started) {
      started = true
      startEventStream(res)
    }
    res.write(`event: ${event}\ndata: ${JSON.stringify(data, (_k, v: unknown) => typeof v === 'bigint' ? v.toString() : v)}\n\n`)
  }
  try {
    const result = await run((p) => { send('progress', p) })
    send('result', result)
  } catch (err) {
    if (!started) throw err
    const known = toMoorageError(err)
    if (known === null) components.logger.error('unhandled error', { method: req.method, path: req.path, error: err instanceof Error ? err.stack : String(err) })
    send('error', known !== null
      ? { status: known.status, error: known.toJSON() }
      : { status: 500, error: { name: 'InternalError', message: 'internal error; the node logged the details' } })
  }
  if (!res.writableEnded) res.end()
}
