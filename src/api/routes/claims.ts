// Claims: statements about chain state, proven through this node's configured endpoints.
//
//   POST /admin/claims/verify  { chain, statement, block? }  -> ClaimResult
//        400 InvalidClaimError (a field of the statement), 409 NoClaimEndpointsError (no
//        claims.<chain> in config.json), 422 ClaimRejectedError (a lie or junk from an
//        endpoint, with the reason), 502 EndpointDisagreementError / an endpoint that failed.
import { Router } from 'express'
import type { ApiComponents } from '../types.ts'
import { object, only, query } from '../validate.ts'
import { jsonBody } from '../middleware/body.ts'

export function claimRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const json = jsonBody()

  router.post('/admin/claims/verify', json, async (req, res) => {
    query(req, [])
    const body = object(req.body, 'request body', 'send { "chain": "ethereum", "statement": { "kind": "balance", "account": "0x…" } }')
    only(body, ['chain', 'statement', 'block'], 'body')
    res.json(await node.verifyClaim({ chain: body.chain, statement: body.statement, block: body.block }))
  })

  return router
}
