// GET /admin/identities[?context=<id>] -> { identities: IdentityInfo[] }
// This node's context identities, all or those of one context (404 for an unknown context).

import { Router } from 'express'
import type { ApiComponents } from '../types.ts'
import { hexId, query } from '../validate.ts'

export function identityRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  router.get('/admin/identities', (req, res) => {
    const q = query(req, ['context'])
    if (q.context === undefined) {
      res.json({ identities: node.listIdentities() })
      return
    }
    const contextId = hexId(q.context, 'query.context')
    node.getContext(contextId) // NotFoundError for an unknown context
    res.json({ identities: node.listIdentities(contextId) })
  })
  return router
}
