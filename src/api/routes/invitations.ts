// Invitations and joining.
//
//   POST /admin/contexts/:id/invitations
//        body: { identity?: <64 hex>, open?: boolean, wallet?: "<CAIP-10>", role?: "member" | "reader",
//                expiresInMs?: integer, maxUses?: integer, includeRpc?: boolean }
//        exactly one of `identity` (identity-bound), `wallet` (a wallet account, claimed
//        with a link made with it; off-chain contexts) or `open: true`; `maxUses` only
//        with `open` (default 1); `includeRpc`: a chain-anchored context's string also
//        names this node's endpoint (default false)   -> 201 InviteResult
//   DELETE /admin/contexts/:id/invitations/:invitation
//        -> InvitationInfo (revoked: true); 404 for an invitation the context never had
//   POST /admin/contexts/join
//        body: { invitation: "<moorinv… string>", rpc?: "<url>", freshIdentity?: boolean,
//                wallet?: { nonce, signature } }   -> 201 ContextInfo
//        (`wallet`: for a wallet-account invitation, the wallet's signature over a
//        statement from POST /admin/contexts/:id/wallets/statement)
//        (`rpc`: for a chain-anchored context, the endpoint to use instead of this node's
//        configured one, the invitation's, or the chain's well-known one; `freshIdentity`:
//        this node was removed from the context, drop its copy and join anew, else 403
//        RemovedFromContextError)
//        With `Accept: text/event-stream` the catch-up progress streams as SSE
//        (see ../progress.ts) and the ContextInfo comes as the `result` event.

import { Router } from 'express'
import { InvalidInputError } from '../../errors/index.ts'
import { MAX_INVITATION_TTL_MS, MAX_INVITATION_USES } from '../../node/constants.ts'
import type { InviteRequest, JoinOptions } from '../../node/types.ts'
import { MAX_INVITATION_LENGTH } from '../constants.ts'
import { answerWithProgress } from '../progress.ts'
import { ANY_JSON, hexIdSchema, input, validated } from '../schema.ts'
import type { Schema } from '../schema.ts'
import type { ApiComponents } from '../types.ts'
import { jsonBody } from '../middleware/body.ts'
import { CONTEXT_PARAMS } from './contexts.ts'
import { WALLET_SUBMIT } from './wallets.ts'

const INVITE_HOW = 'send JSON `{ "identity": "<64 hex>" }`, `{ "wallet": "eip155:1:0x…" }` or `{ "open": true, "maxUses": 3 }`, optionally with "role" and "expiresInMs"'

export const JOIN: Schema = {
  type: 'object',
  description: 'send JSON `{ "invitation": "moorinv3...." }`',
  required: ['invitation'],
  additionalProperties: false,
  properties: {
    invitation: { type: 'string', minLength: 1, maxLength: MAX_INVITATION_LENGTH, description: 'the moorinv… string' },
    rpc: { type: 'string', minLength: 1, maxLength: 1024, description: 'a chain-anchored context: the endpoint to use' },
    freshIdentity: { type: 'boolean', description: 'this node was removed: drop its copy and join anew' },
    wallet: { ...WALLET_SUBMIT, description: 'send `{ "nonce": "…", "signature": "0x…" }`' },
    identity: hexIdSchema('a gated open invitation: the identity to join as (docs/claims.md)'),
    walletLink: { ...ANY_JSON, description: 'a gated open invitation: the wallet link its condition rests on (checked by the node, docs/claims.md)' }
  }
}

export const INVITE: Schema = {
  type: 'object',
  description: INVITE_HOW,
  additionalProperties: false,
  properties: {
    identity: hexIdSchema('identity-bound: the invitee\'s identity'),
    open: { type: 'boolean', description: 'anyone holding the string may join' },
    wallet: { type: 'string', minLength: 1, maxLength: 256, description: 'a wallet account (CAIP-10), claimed with a link made with it' },
    role: { type: 'string', enum: ['member', 'reader'], description: 'admins are added through proposals (addAdmin)' },
    expiresInMs: { type: 'integer', minimum: 1, maximum: MAX_INVITATION_TTL_MS },
    maxUses: { type: 'integer', minimum: 1, maximum: MAX_INVITATION_USES, description: 'open invitations only (default 1)' },
    includeRpc: { type: 'boolean', description: 'a chain-anchored context\'s string also names this node\'s endpoint' },
    condition: { ...ANY_JSON, description: 'open invitations: a claim the joiner must prove (checked by the node, docs/claims.md)' }
  }
}

interface InviteBody { identity?: string, open?: boolean, wallet?: string, role?: 'member' | 'reader', expiresInMs?: number, maxUses?: number, includeRpc?: boolean, condition?: unknown }

export function invitationRoutes (components: ApiComponents): Router {
  const { node } = components
  const router = Router()
  const json = jsonBody()

  router.post('/admin/contexts/join', json, validated({ body: JOIN }), async (req, res) => {
    const { body } = input(res)
    const options: JoinOptions = {}
    if (body.rpc !== undefined) options.rpc = body.rpc
    if (body.freshIdentity === true) options.freshIdentity = true
    if (body.wallet !== undefined) options.wallet = body.wallet
    // A gated open invitation's join fields: checked by the node (docs/claims.md).
    if (body.identity !== undefined) options.identity = body.identity
    if (body.walletLink !== undefined) options.walletLink = body.walletLink
    await answerWithProgress(req, res, components, 201, async (onProgress) => await node.join(body.invitation, { ...options, onProgress }))
  })

  router.post('/admin/contexts/:id/invitations', json, validated({ params: CONTEXT_PARAMS, body: INVITE }), async (_req, res) => {
    const { params, body } = input<InviteBody>(res)
    const { identity, wallet, maxUses } = body
    const open = body.open === true
    if (wallet !== undefined && (identity !== undefined || open)) throw new InvalidInputError('body.wallet excludes body.identity and body.open', { details: 'an invitation names an identity, a wallet account, or is open', hint: INVITE_HOW })
    if (identity !== undefined && open) throw new InvalidInputError('body.identity and body.open exclude each other', { details: 'an invitation is identity-bound or open', hint: INVITE_HOW })
    if (identity === undefined && !open && wallet === undefined) throw new InvalidInputError('missing body.identity or body.open', { details: 'an invitation names the invitee\'s identity, or is open', hint: INVITE_HOW })
    if (identity !== undefined && maxUses !== undefined && maxUses !== 1) throw new InvalidInputError('body.maxUses is for open invitations', { details: 'an identity-bound invitation is used once' })
    const request: InviteRequest = identity !== undefined ? { identity } : wallet !== undefined ? { wallet } : { open: true }
    if (body.role !== undefined) request.role = body.role
    if (body.expiresInMs !== undefined) request.expiresInMs = body.expiresInMs
    if (maxUses !== undefined) request.maxUses = maxUses
    if (body.includeRpc !== undefined) request.includeRpc = body.includeRpc
    if (body.condition !== undefined) request.condition = body.condition
    res.status(201).json(await node.invite(params.id, request))
  })

  router.delete('/admin/contexts/:id/invitations/:invitation', validated({ params: { ...CONTEXT_PARAMS, invitation: hexIdSchema('the invitation id') } }), async (_req, res) => {
    const { params } = input(res)
    res.json(await node.revokeInvitation(params.id, params.invitation))
  })

  return router
}
