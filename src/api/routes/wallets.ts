// Wallet links of a context (docs/wallets.md). A refusal answers 403 WalletLinkRefusedError
// with a stable `code`; a chain-anchored context answers code NotOnChain.
//
//   POST   /admin/contexts/:id/wallets/statement
//          body: { account: "<CAIP-10>", identity?: <64 hex>, expiresInMs?: integer,
//                  purpose?: "unlink" }                      -> 201 WalletStatementInfo
//          the statement and the text (`message`) for the wallet to sign, with a nonce
//          of this node (single use, ten minutes). For a context this node has not joined
//          (a wallet-account invitation) it names a new unbound identity.
//   POST   /admin/contexts/:id/wallets
//          body: { nonce, signature }                         -> 201 WalletLinkInfo
//          checks the signed statement and records the link on the context's log
//   GET    /admin/contexts/:id/wallets?identity=<64 hex>&recheck=true
//          -> { links: WalletLinkInfo[] } (expired ones marked; `recheck` asks each
//          wallet again now, e.g. a contract wallet whose owner may have changed)
//   DELETE /admin/contexts/:id/wallets/:account
//          body (optional): { identity?: <64 hex> } for this node's identity, or
//          { nonce, signature } for the wallet's own signed revocation
//          (a statement with purpose "unlink")                -> { revoked: WalletLinkInfo }

import { Router } from 'express'
import type { ApiComponents } from '../types.ts'
import { hexId, object, oneOf, only, optionalHexId, optionalInteger, query, queryFlag, requiredString } from '../validate.ts'
import { jsonBody } from '../middleware/body.ts'
import { MAX_LINK_LIFETIME_MS } from '../../wallets/statement.ts'
import { MAX_PROOF_CHARS } from '../../wallets/record.ts'
import type { WalletStatementRequest, WalletSubmit } from '../../wallets/types.ts'

const SUBMIT_HOW = 'send JSON `{ "nonce": "<from …/wallets/statement>", "signature": "0x…" }`'

/** `{ nonce, signature }` from a body. */
export function walletSubmit (body: Record<string, unknown>, where: string): WalletSubmit {
  return { nonce: requiredString(body, 'nonce', where, 64), signature: requiredString(body, 'signature', where, MAX_PROOF_CHARS) }
}

export function walletRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const json = jsonBody()

  router.post('/admin/contexts/:id/wallets/statement', json, async (req, res) => {
    query(req, [])
    const contextId = hexId(req.params.id, 'params.id')
    const body = object(req.body, 'request body', 'send JSON `{ "account": "eip155:1:0x…" }`')
    only(body, ['account', 'identity', 'expiresInMs', 'purpose'], 'body')
    const request: WalletStatementRequest = { account: requiredString(body, 'account', 'body', 256) }
    const identity = optionalHexId(body, 'identity', 'body')
    const expiresInMs = optionalInteger(body, 'expiresInMs', 'body', 60_000, MAX_LINK_LIFETIME_MS)
    if (identity !== undefined) request.identity = identity
    if (expiresInMs !== undefined) request.expiresInMs = expiresInMs
    if (body.purpose !== undefined) request.purpose = oneOf(body.purpose, 'body.purpose', ['unlink'] as const, 'leave it out for a link')
    res.status(201).json(await node.walletStatement(contextId, request))
  })

  router.post('/admin/contexts/:id/wallets', json, async (req, res) => {
    query(req, [])
    const contextId = hexId(req.params.id, 'params.id')
    const body = object(req.body, 'request body', SUBMIT_HOW)
    only(body, ['nonce', 'signature'], 'body')
    res.status(201).json(await node.linkWallet(contextId, walletSubmit(body, 'body')))
  })

  router.get('/admin/contexts/:id/wallets', async (req, res) => {
    const q = query(req, ['identity', 'recheck'])
    const contextId = hexId(req.params.id, 'params.id')
    const options: { identity?: string, recheck?: boolean } = {}
    if (q.identity !== undefined) options.identity = hexId(q.identity, 'query.identity')
    const recheck = queryFlag(q.recheck, 'query.recheck')
    if (recheck !== undefined) options.recheck = recheck
    res.json({ links: await node.walletLinks(contextId, options) })
  })

  router.delete('/admin/contexts/:id/wallets/:account', json, async (req, res) => {
    query(req, [])
    const contextId = hexId(req.params.id, 'params.id')
    const account = String(req.params.account)
    const body = req.body === undefined || (typeof req.body === 'object' && req.body !== null && Object.keys(req.body as object).length === 0) ? {} : object(req.body, 'request body')
    only(body, ['identity', 'nonce', 'signature'], 'body')
    const identity = optionalHexId(body, 'identity', 'body')
    const wallet = body.nonce !== undefined || body.signature !== undefined ? walletSubmit(body, 'body') : undefined
    res.json(await node.unlinkWallet(contextId, account, { ...(identity !== undefined ? { identity } : {}), ...(wallet !== undefined ? { wallet } : {}) }))
  })

  return router
}
