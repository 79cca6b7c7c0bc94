// What a claimant of a gated open invitation presents in its reveal: a wallet link (the
// wallet's statement and signature, and the context identity's signature over the
// account, src/wallets/) and the block the claim is proven at. Stored in the reveal op
// as canonical JSON text:
//   { "link": { "account", "statement": {domain, account, context, identity, nonce, issuedAt, expiry},
//               "proof", "identitySignature": hex }, "block": { "number", "hash" } }
// `evidenceMismatch` is what governance itself checks (deterministic, no chain): the link
// names this context and the claimant, and the identity signature holds.
import { parseHex, toHex } from '../crypto/bytes.ts'
import { verify } from '../crypto/ed25519.ts'
import type { SignedWalletLink } from '../wallets/links.ts'
import { identityMessage } from '../wallets/links.ts'
import type { LinkStatement } from '../wallets/statement.ts'
import { bad as fail, isRecord, parseCheckpoint } from './statement.ts'

export interface ClaimEvidence {
  link: { account: string, statement: LinkStatement, /** The chain's wallet signature, as text. */ proof: string, identitySignature: string }
  /** The block the claimant proved the claim at; each admitting node proves it there again. */
  block: { number: number, hash: string }
}

const STATEMENT_FIELDS = ['domain', 'account', 'context', 'identity', 'nonce', 'issuedAt', 'expiry'] as const

function bad (why: string): never {
  return fail(why, 'build it with encodeEvidence (docs/claims.md, "Gated invitations")', 'evidence')
}

export function encodeEvidence (e: ClaimEvidence): string {
  const s = e.link.statement
  const statement = Object.fromEntries(STATEMENT_FIELDS.map((k) => [k, s[k]]))
  return JSON.stringify({ link: { account: e.link.account, statement, proof: e.link.proof, identitySignature: e.link.identitySignature }, block: { number: e.block.number, hash: e.block.hash } })
}

export function parseEvidence (text: string): ClaimEvidence {
  let v: unknown
  try { v = JSON.parse(text) } catch { return bad('not JSON') }
  if (!isRecord(v) || !isRecord(v.link) || !isRecord(v.link.statement) || Object.keys(v).length !== 2) return bad('must be { "link", "block" }')
  const l = v.link
  const st = l.statement as Record<string, unknown>
  if (Object.keys(l).length !== 4 || typeof l.account !== 'string' || typeof l.identitySignature !== 'string' || typeof l.proof !== 'string') return bad('link must be { "account", "statement", "proof", "identitySignature" }')
  if (Object.keys(st).length !== STATEMENT_FIELDS.length || !STATEMENT_FIELDS.every((k) => typeof st[k] === 'string')) return bad(`link statement must have the text fields ${STATEMENT_FIELDS.join(', ')}`)
  let block: { number: number, hash: string }
  try { block = parseCheckpoint(v.block) } catch { return bad('block must be { "number", "hash" }') }
  return { link: { account: l.account, statement: st as unknown as LinkStatement, proof: l.proof, identitySignature: l.identitySignature }, block }
}

/** The link as src/wallets checks it. */
export function signedLink (e: ClaimEvidence): SignedWalletLink {
  const hex = (h: string, n: number): Uint8Array => parseHex(h, n) ?? new Uint8Array(n)
  return {
    account: e.link.account,
    context: hex(e.link.statement.context, 32),
    identity: hex(e.link.statement.identity, 32),
    statement: e.link.statement,
    proof: e.link.proof,
    identitySignature: hex(e.link.identitySignature, 64)
  }
}

/** Null when `text` is evidence naming `context` and `claimant` with a valid identity signature, else why not. */
export function evidenceMismatch (text: string, context: Uint8Array, claimant: Uint8Array): string | null {
  let e: ClaimEvidence
  try { e = parseEvidence(text) } catch (err) { return (err as Error & { shortMessage: string }).shortMessage }
  if (e.link.statement.context !== toHex(context)) return 'the wallet link names another context'
  if (e.link.statement.identity !== toHex(claimant)) return 'the wallet link names another identity than the claimant'
  if (e.link.statement.account !== e.link.account) return 'the wallet link statement names another account'
  const sig = parseHex(e.link.identitySignature, 64)
  if (sig === undefined || !verify(claimant, identityMessage(context, claimant, e.link.account), sig)) return 'the claimant\'s signature over the wallet account does not verify'
  return null
}
