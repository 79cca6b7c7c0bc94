// Identities: the ed25519 keys this node uses in contexts.
//
//   GET  /admin/identities[?context=<id>]   -> { identities: IdentityInfo[] }
//        all, or those of one context (404 for an unknown context)
//   POST /admin/identities                  -> 201 IdentityInfo
//        a new identity bound to no context yet: give its public key to an admin, who
//        invites it (`POST /admin/contexts/:id/invitations { identity }`). No body.

import { Router } from 'express'
import type { ApiComponents } from '../types.ts'
import { hexId, noBody, query } from '../validate.ts'
import { jsonBody } from '../middleware/body.ts'

export function identityRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const json = jsonBody()

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

  router.post('/admin/identities', json, async (req, res) => {
    query(req, [])
    noBody(req)
    res.status(201).json(await node.newIdentity())
  })

  return router
}
