// GET /admin/status — the node's facts and counters.

import { Router } from 'express'
import type { ApiComponents } from '../types.ts'
import { query } from '../validate.ts'

export function statusRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  router.get('/admin/status', (req, res) => {
    query(req, [])
    res.json(node.status())
  })
  return router
}
