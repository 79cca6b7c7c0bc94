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
import type { InviteRequest } from '../../node/types.ts'
import { MAX_INVITATION_LENGTH } from '../constants.ts'
import { answerWithProgress } from '../progress.ts'
import type { ApiComponents } from '../types.ts'
import { hexId, object, oneOf, only, optionalBoolean, optionalHexId, optionalInteger, optionalString, query, requiredString } from '../validate.ts'
import { jsonBody } from '../middleware/body.ts'
import { walletSubmit } from './wallets.ts'

const INVITE_HOW = 'send JSON `{ "identity": "<64 hex>" }`, `{ "wallet": "eip155:1:0x…" }` or `{ "open": true, "maxUses": 3 }`, optionally with "role" and "expiresInMs"'

function walletBody (value: unknown): ReturnType<typeof walletSubmit> {
  const w = object(value, 'body.wallet', 'send `{ "nonce": "…", "signature": "0x…" }`')
  only(w, ['nonce', 'signature'], 'body.wallet')
  return walletSubmit(w, 'body.wallet')
}

export function invitationRoutes (components: ApiComponents): Router {
  const { node } = components
  const router = Router()
  const json = jsonBody()

  router.post('/admin/contexts/join', json, async (req, res) => {
    query(req, [])
    const body = object(req.body, 'request body', 'send JSON `{ "invitation": "moorinv3...." }`')
    only(body, ['invitation', 'rpc', 'freshIdentity', 'wallet', 'identity', 'walletLink'], 'body')
    const invitation = requiredString(body, 'invitation', 'body', MAX_INVITATION_LENGTH)
    const rpc = optionalString(body, 'rpc', 'body')
    const freshIdentity = optionalBoolean(body, 'freshIdentity', 'body') === true
    const wallet = body.wallet === undefined ? undefined : walletBody(body.wallet)
    await answerWithProgress(req, res, components, 201, async (onProgress) => await node.join(invitation, { onProgress, ...(rpc !== undefined ? { rpc } : {}), ...(freshIdentity ? { freshIdentity } : {}), ...(wallet !== undefined ? { wallet } : {}), ...gatedJoin(body) }))
  })

  router.post('/admin/contexts/:id/invitations', json, async (req, res) => {
    query(req, [])
    const contextId = hexId(req.params.id, 'params.id')
    const body = object(req.body, 'request body', INVITE_HOW)
    only(body, ['identity', 'open', 'wallet', 'role', 'expiresInMs', 'maxUses', 'includeRpc', 'condition'], 'body')
    const identity = optionalHexId(body, 'identity', 'body')
    const open = optionalBoolean(body, 'open', 'body') === true
    const wallet = optionalString(body, 'wallet', 'body', 256)
    const role = body.role === undefined ? undefined : oneOf(body.role, 'body.role', ['member', 'reader'] as const, 'admins are added through proposals (addAdmin)')
    const expiresInMs = optionalInteger(body, 'expiresInMs', 'body', 1, MAX_INVITATION_TTL_MS)
    const maxUses = optionalInteger(body, 'maxUses', 'body', 1, MAX_INVITATION_USES)
    const includeRpc = optionalBoolean(body, 'includeRpc', 'body')
    if (wallet !== undefined && (identity !== undefined || open)) throw new InvalidInputError('body.wallet excludes body.identity and body.open', { details: 'an invitation names an identity, a wallet account, or is open', hint: INVITE_HOW })
    if (identity !== undefined && open) throw new InvalidInputError('body.identity and body.open exclude each other', { details: 'an invitation is identity-bound or open', hint: INVITE_HOW })
    if (identity === undefined && !open && wallet === undefined) throw new InvalidInputError('missing body.identity or body.open', { details: 'an invitation names the invitee\'s identity, or is open', hint: INVITE_HOW })
    if (identity !== undefined && maxUses !== undefined && maxUses !== 1) throw new InvalidInputError('body.maxUses is for open invitations', { details: 'an identity-bound invitation is used once' })
    const request: InviteRequest = identity !== undefined ? { identity } : wallet !== undefined ? { wallet } : { open: true }
    if (role !== undefined) request.role = role
    if (expiresInMs !== undefined) request.expiresInMs = expiresInMs
    if (maxUses !== undefined) request.maxUses = maxUses
    if (includeRpc !== undefined) request.includeRpc = includeRpc
    // A claim condition (open invitations): checked by the node (docs/claims.md, "Gated invitations").
    if (body.condition !== undefined) request.condition = body.condition
    res.status(201).json(await node.invite(contextId, request))
  })

  router.delete('/admin/contexts/:id/invitations/:invitation', async (req, res) => {
    query(req, [])
    res.json(await node.revokeInvitation(hexId(req.params.id, 'params.id'), hexId(req.params.invitation, 'params.invitation')))
  })

  return router
}

/** A gated open invitation's join fields (identity, walletLink): checked by the node (docs/claims.md). */
function gatedJoin (body: Record<string, unknown>): { identity?: string, walletLink?: { account: string, statement: unknown, proof: unknown } } {
  const identity = optionalHexId(body, 'identity', 'body')
  return { ...(identity !== undefined ? { identity } : {}), ...(body.walletLink !== undefined ? { walletLink: body.walletLink as { account: string, statement: unknown, proof: unknown } } : {}) }
}
