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
import { check, hexIdSchema, input, validated } from '../schema.ts'
import type { Schema } from '../schema.ts'
import type { ApiComponents } from '../types.ts'
import { jsonBody } from '../middleware/body.ts'
import { MAX_LINK_LIFETIME_MS } from '../../wallets/statement.ts'
import { MAX_PROOF_CHARS } from '../../wallets/record.ts'
import type { WalletStatementRequest, WalletSubmit } from '../../wallets/types.ts'
import { CONTEXT_PARAMS } from './contexts.ts'

const NONCE: Schema = { type: 'string', minLength: 1, maxLength: 64, description: 'from …/wallets/statement' }
const SIGNATURE: Schema = { type: 'string', minLength: 1, maxLength: MAX_PROOF_CHARS, description: 'the wallet\'s signature over the statement\'s message' }

/** `{ nonce, signature }`: a wallet's signature over a statement of this node. */
export const WALLET_SUBMIT: Schema = {
  type: 'object',
  description: 'send JSON `{ "nonce": "<from …/wallets/statement>", "signature": "0x…" }`',
  required: ['nonce', 'signature'],
  additionalProperties: false,
  properties: { nonce: NONCE, signature: SIGNATURE }
}

export const WALLET_STATEMENT: Schema = {
  type: 'object',
  description: 'send JSON `{ "account": "eip155:1:0x…" }`',
  required: ['account'],
  additionalProperties: false,
  properties: {
    account: { type: 'string', minLength: 1, maxLength: 256, description: 'the wallet account (CAIP-10)' },
    identity: hexIdSchema('the identity to link (default: this node\'s in the context)'),
    expiresInMs: { type: 'integer', minimum: 60_000, maximum: MAX_LINK_LIFETIME_MS },
    purpose: { type: 'string', enum: ['unlink'], description: 'leave it out for a link' }
  }
}

export const WALLET_UNLINK: Schema = {
  type: 'object',
  description: 'send `{ "identity": "<64 hex>" }`, or the wallet\'s `{ "nonce", "signature" }` over an unlink statement',
  additionalProperties: false,
  properties: { identity: hexIdSchema('this node\'s identity whose link to drop'), nonce: NONCE, signature: SIGNATURE }
}

export function walletRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const json = jsonBody()

  router.post('/admin/contexts/:id/wallets/statement', json, validated({ params: CONTEXT_PARAMS, body: WALLET_STATEMENT }), async (_req, res) => {
    const { params, body } = input<WalletStatementRequest>(res)
    res.status(201).json(await node.walletStatement(params.id, body))
  })

  router.post('/admin/contexts/:id/wallets', json, validated({ params: CONTEXT_PARAMS, body: WALLET_SUBMIT }), async (_req, res) => {
    const { params, body } = input<WalletSubmit>(res)
    res.status(201).json(await node.linkWallet(params.id, body))
  })

  const listQuery = { identity: hexIdSchema('only this identity\'s links'), recheck: { type: 'boolean', description: 'ask each wallet again now' } } as const
  router.get('/admin/contexts/:id/wallets', validated({ params: CONTEXT_PARAMS, query: listQuery }), async (_req, res) => {
    const { params, query } = input(res)
    res.json({ links: await node.walletLinks(params.id, query) })
  })

  const unlinkParams = { ...CONTEXT_PARAMS, account: { type: 'string', minLength: 1, maxLength: 256, description: 'the wallet account (CAIP-10)' } } as const
  router.delete('/admin/contexts/:id/wallets/:account', json, validated({ params: unlinkParams, body: WALLET_UNLINK, bodyOptional: true }), async (_req, res) => {
    const { params, body } = input<{ identity?: string, nonce?: string, signature?: string } | undefined>(res)
    const options: { identity?: string, wallet?: WalletSubmit } = {}
    if (body?.identity !== undefined) options.identity = body.identity
    if (body?.nonce !== undefined || body?.signature !== undefined) options.wallet = check(WALLET_SUBMIT, { nonce: body.nonce, signature: body.signature }, 'body') as WalletSubmit
    res.json(await node.unlinkWallet(params.id, params.account, options))
  })

  return router
}
