// Identities: the ed25519 keys this node uses in contexts.
//
//   GET  /admin/identities[?context=<id>]   -> { identities: IdentityInfo[] }
//        all, or those of one context (404 for an unknown context)
//   POST /admin/identities                  -> 201 IdentityInfo
//        a new identity bound to no context yet: give its public key to an admin, who
//        invites it (`POST /admin/contexts/:id/invitations { identity }`). No body.

import { Router } from 'express'
import { hexIdSchema, input, validated } from '../schema.ts'
import type { ApiComponents } from '../types.ts'
import { jsonBody } from '../middleware/body.ts'

export function identityRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const json = jsonBody()

  router.get('/admin/identities', validated({ query: { context: hexIdSchema('only this context\'s identities') } }), (_req, res) => {
    const contextId: string | undefined = input(res).query.context
    if (contextId === undefined) {
      res.json({ identities: node.listIdentities() })
      return
    }
    node.getContext(contextId) // NotFoundError for an unknown context
    res.json({ identities: node.listIdentities(contextId) })
  })

  router.post('/admin/identities', json, validated({ body: 'none' }), async (_req, res) => {
    res.status(201).json(await node.newIdentity())
  })

  return router
}
