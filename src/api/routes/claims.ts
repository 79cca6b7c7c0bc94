// Claims: statements about chain state, proven through this node's configured endpoints.
//
//   POST /admin/claims/verify  { chain, statement, block? }  -> ClaimResult
//        400 InvalidClaimError (a field of the statement), 409 NoClaimEndpointsError (no
//        claims.<chain> in config.json), 422 ClaimRejectedError (a lie or junk from an
//        endpoint, with the reason), 502 EndpointDisagreementError / an endpoint that failed.
import { Router } from 'express'
import { ANY_JSON, input, validated } from '../schema.ts'
import type { Schema } from '../schema.ts'
import type { ApiComponents } from '../types.ts'
import { jsonBody } from '../middleware/body.ts'

// The chain and the statement's fields are checked by the chain's claim verifier (InvalidClaimError).
export const VERIFY_CLAIM: Schema = {
  type: 'object',
  description: 'send { "chain": "ethereum", "statement": { "kind": "balance", "account": "0x…" } }',
  additionalProperties: false,
  properties: {
    chain: { ...ANY_JSON, description: 'a chain with claims.<chain> endpoints in config.json' },
    statement: { ...ANY_JSON, description: 'what is claimed (docs/claims.md)' },
    block: { ...ANY_JSON, description: 'the block to prove it at (default: the latest final one)' }
  }
}

export function claimRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const json = jsonBody()

  router.post('/admin/claims/verify', json, validated({ body: VERIFY_CLAIM }), async (_req, res) => {
    const { body } = input(res)
    res.json(await node.verifyClaim({ chain: body.chain, statement: body.statement, block: body.block }))
  })

  return router
}
