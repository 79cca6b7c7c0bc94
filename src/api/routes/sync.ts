// Sync and peers.
//
//   GET  /admin/contexts/:id/sync    -> SyncStatusInfo (peers in the context's mesh, heads,
//                                       root hash, pending deltas, last sync, key epoch)
//   POST /admin/contexts/:id/sync    -> SyncStatusInfo after catching up with every
//                                       connected peer now; with `Accept: text/event-stream`
//                                       the progress streams as SSE (see ../progress.ts)
//   GET  /admin/peers                -> { peers: PeerInfo[] } connected peers and the
//                                       contexts shared with each

import { Router } from 'express'
import { answerWithProgress } from '../progress.ts'
import { input, validated } from '../schema.ts'
import type { ApiComponents } from '../types.ts'
import { CONTEXT_PARAMS } from './contexts.ts'
import { jsonBody } from '../middleware/body.ts'

export function syncRoutes (components: ApiComponents): Router {
  const { node } = components
  const router = Router()
  const json = jsonBody()

  router.get('/admin/contexts/:id/sync', validated({ params: CONTEXT_PARAMS }), (_req, res) => {
    res.json(node.syncStatus(input(res).params.id))
  })

  router.post('/admin/contexts/:id/sync', json, validated({ params: CONTEXT_PARAMS, body: 'none' }), async (req, res) => {
    const contextId: string = input(res).params.id
    node.getContext(contextId) // 404 before a stream starts
    await answerWithProgress(req, res, components, 200, async (onProgress) => await node.syncContext(contextId, { onProgress }))
  })

  router.get('/admin/peers', validated({}), (_req, res) => {
    res.json({ peers: node.peers() })
  })

  return router
}
