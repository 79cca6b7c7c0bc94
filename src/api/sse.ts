// GET /admin/contexts/:id/events — the live events of one context as Server-Sent Events.
//
//   event: app | delta
//   data: <ContextEvent as JSON>
//
// A comment line (`: heartbeat`) every 15 s keeps idle connections open. The listener is
// removed when the client goes away or the server closes; a client that stops reading is
// disconnected once too much is buffered for it.

import { Router, type Response } from 'express'
import type { ContextEvent } from '../node/types.ts'
import { SSE_MAX_BUFFERED_BYTES } from './constants.ts'
import { CONTEXT_PARAMS } from './routes/contexts.ts'
import { input, validated } from './schema.ts'
import type { ApiComponents } from './types.ts'

export function eventRoutes ({ node, logger, streams, heartbeatMs }: ApiComponents): Router {
  const router = Router()
  router.get('/admin/contexts/:id/events', validated({ params: CONTEXT_PARAMS }), (_req, res) => {
    const contextId: string = input(res).params.id
    node.getContext(contextId) // 404 before the stream starts

    startEventStream(res)
    res.write(': connected\n\n')

    let closed = false
    let unsubscribe = (): void => {}
    let heartbeat: NodeJS.Timeout | undefined
    const close = (): void => {
      if (closed) return
      closed = true
      clearInterval(heartbeat)
      unsubscribe()
      streams.delete(close)
      if (!res.writableEnded) res.end()
    }
    const send = (chunk: string): void => {
      if (closed) return
      res.write(chunk)
      if (res.writableLength > SSE_MAX_BUFFERED_BYTES) {
        logger.warn('SSE client too slow; disconnecting it', { contextId })
        close()
      }
    }
    streams.add(close)
    res.on('close', close)
    unsubscribe = node.subscribe(contextId, (event: ContextEvent) => {
      send(formatEvent(event))
    })
    if (closed) { unsubscribe(); return }
    heartbeat = setInterval(() => { send(': heartbeat\n\n') }, heartbeatMs)
    heartbeat.unref()
  })
  return router
}

export function formatEvent (event: ContextEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}

/** Answers 200 with the headers of a server-sent event stream (no buffering by proxies). */
export function startEventStream (res: Response): void {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no'
  })
  res.flushHeaders()
}
