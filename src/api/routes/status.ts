// GET /admin/status — the node's facts and counters.

import { Router } from 'express'
import { validated } from '../schema.ts'
import type { ApiComponents } from '../types.ts'

export function statusRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  router.get('/admin/status', validated({}), (_req, res) => {
    res.json(node.status())
  })
  return router
}
