// The governance audit of a context.
//
//   GET /admin/contexts/:id/governance[?rejected=true][&limit=n]   -> GovernanceInfo
//       the governance state (application, revision, threshold, active-proposals limit,
//       values, invitations) and every operation in evaluation order with its author,
//       action, verdict and, for a rejected one, the reason. `rejected=true` keeps only
//       rejected operations; `limit` keeps the last n.

import { Router } from 'express'
import type { GovernanceQuery } from '../../node/types.ts'
import type { ApiComponents } from '../types.ts'
import { hexId, query, queryFlag, queryInteger } from '../validate.ts'

export function governanceRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  router.get('/admin/contexts/:id/governance', (req, res) => {
    const q = query(req, ['rejected', 'limit'])
    const contextId = hexId(req.params.id, 'params.id')
    const options: GovernanceQuery = {}
    const rejected = queryFlag(q.rejected, 'query.rejected')
    if (rejected !== undefined) options.rejected = rejected
    const limit = queryInteger(q.limit, 'query.limit', 1, 1_000_000)
    if (limit !== undefined) options.limit = limit
    res.json(node.governance(contextId, options))
  })
  return router
}
