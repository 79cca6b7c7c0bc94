// The governance audit of a context.
//
//   GET /admin/contexts/:id/governance[?rejected=true][&limit=n]   -> GovernanceInfo
//       the governance state (application, revision, threshold, active-proposals limit,
//       values, invitations) and every operation in evaluation order with its author,
//       action, verdict and, for a rejected one, the reason. `rejected=true` keeps only
//       rejected operations; `limit` keeps the last n.

import { Router } from 'express'
import { input, validated } from '../schema.ts'
import type { ApiComponents } from '../types.ts'
import { CONTEXT_PARAMS } from './contexts.ts'

const AUDIT_QUERY = {
  rejected: { type: 'boolean', description: 'only rejected operations' },
  limit: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'only the last n operations' }
} as const

export function governanceRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  router.get('/admin/contexts/:id/governance', validated({ params: CONTEXT_PARAMS, query: AUDIT_QUERY }), (_req, res) => {
    const { params, query } = input(res)
    res.json(node.governance(params.id, query))
  })
  return router
}
