// POST /admin/chains/reload — read config.json `chains.*` and the relayer keys again
//   -> ChainsReloadInfo { changed, chains: [{ kind, relayer, rpc, contract }] }
// The CLI commands that write them (`relayer set`, `deploy --configure`, `devnet
// --configure`) call it, so a running node uses what they wrote without a restart.

import { Router } from 'express'
import { jsonBody } from '../middleware/body.ts'
import { validated } from '../schema.ts'
import type { ApiComponents } from '../types.ts'

export function chainRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  router.post('/admin/chains/reload', jsonBody(), validated({ body: 'none' }), async (_req, res) => {
    res.json(await node.reloadChains())
  })
  return router
}
