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
import type { ApiComponents } from '../types.ts'
import { hexId, noBody, query } from '../validate.ts'
import { jsonBody } from '../middleware/body.ts'

export function syncRoutes (components: ApiComponents): Router {
  const { node } = components
  const router = Router()
  const json = jsonBody()

  router.get('/admin/contexts/:id/sync', (req, res) => {
    query(req, [])
    res.json(node.syncStatus(hexId(req.params.id, 'params.id')))
  })

  router.post('/admin/contexts/:id/sync', json, async (req, res) => {
    query(req, [])
    noBody(req)
    const contextId = hexId(req.params.id, 'params.id')
    node.getContext(contextId) // 404 before a stream starts
    await answerWithProgress(req, res, components, 200, async (onProgress) => await node.syncContext(contextId, { onProgress }))
  })

  router.get('/admin/peers', (req, res) => {
    query(req, [])
    res.json({ peers: node.peers() })
  })

  return router
}
