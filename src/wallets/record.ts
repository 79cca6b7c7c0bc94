// A signed wallet link as governance carries it, and a wallet's signed revocation. On the
// log a link is CBOR [statement fields…, proof, identity signature]: the account, context
// and identity are read from the statement, so they cannot disagree with it.
import type { WalletLink } from '../chain/module.ts'
import { parseHex } from '../crypto/bytes.ts'
import type { LinkStatement } from './statement.ts'

export interface SignedWalletLink extends WalletLink {
  statement: LinkStatement
  /** The chain's wallet signature, as text (an Ethereum signature is 0x hex). */
  proof: string
  /** The context identity's ed25519 signature over identityMessage(). */
  identitySignature: Uint8Array
}

/** A wallet's own revocation: a statement with purpose "unlink", signed by the wallet. */
export interface WalletRevocation {
  statement: LinkStatement
  proof: string
}

/** Longest wallet proof accepted, in characters (an EIP-6492 envelope with its deploy call fits). */
export const MAX_PROOF_CHARS = 16_384
const MAX_FIELD = 256

export function encodeStatement (s: LinkStatement): unknown[] {
  const base = [s.domain, s.account, s.context, s.identity, s.nonce, s.issuedAt, s.expiry]
  return s.purpose === undefined ? base : [...base, s.purpose]
}

export function encodeLink (l: SignedWalletLink): unknown[] {
  return [encodeStatement(l.statement), l.proof, l.identitySignature]
}

export function encodeRevocation (r: WalletRevocation): unknown[] {
  return [encodeStatement(r.statement), r.proof]
}

export function decodeStatement (raw: unknown, bad: (why: string) => never): LinkStatement {
  if (!Array.isArray(raw) || (raw.length !== 7 && raw.length !== 8)) return bad('a link statement has 7 or 8 fields')
  if (!raw.every((f) => typeof f === 'string' && f.length > 0 && f.length <= MAX_FIELD)) return bad(`link statement fields are text of 1 to ${MAX_FIELD} characters`)
  const [domain, account, context, identity, nonce, issuedAt, expiry, purpose] = raw as string[]
  if (purpose !== undefined && purpose !== 'unlink') return bad('a statement\'s purpose is absent (a link) or "unlink"')
  return { domain: domain!, account: account!, context: context!, identity: identity!, nonce: nonce!, issuedAt: issuedAt!, expiry: expiry!, ...(purpose !== undefined ? { purpose } : {}) }
}

function proofOf (raw: unknown, bad: (why: string) => never): string {
  return typeof raw === 'string' && raw.length > 0 && raw.length <= MAX_PROOF_CHARS ? raw : bad(`a wallet proof is text of 1 to ${MAX_PROOF_CHARS} characters`)
}

export function decodeLink (raw: unknown, bad: (why: string) => never): SignedWalletLink {
  if (!Array.isArray(raw) || raw.length !== 3) return bad('a wallet link is [statement, proof, identity signature]')
  const statement = decodeStatement(raw[0], bad)
  if (statement.purpose !== undefined) bad('a link carries a link statement, not a revocation')
  const sig = raw[2] as unknown
  if (!(sig instanceof Uint8Array) || sig.byteLength !== 64) return bad('the identity signature must be 64 bytes')
  const context = parseHex(statement.context, 32)
  const identity = parseHex(statement.identity, 32)
  if (context === undefined || identity === undefined) return bad('the statement\'s context and identity must be 64 lowercase hex')
  return { account: statement.account, context, identity, statement, proof: proofOf(raw[1], bad), identitySignature: sig }
}

export function decodeRevocation (raw: unknown, bad: (why: string) => never): WalletRevocation {
  if (!Array.isArray(raw) || raw.length !== 2) return bad('a wallet revocation is [statement, proof]')
  const statement = decodeStatement(raw[0], bad)
  if (statement.purpose !== 'unlink') bad('a revocation carries an unlink statement')
  return { statement, proof: proofOf(raw[1], bad) }
}

/** The revocation as the chain's verifier takes it: a WalletLink whose statement says "unlink". */
export function revocationAsLink (r: WalletRevocation): WalletLink {
  return { account: r.statement.account, context: parseHex(r.statement.context, 32) ?? new Uint8Array(32), identity: parseHex(r.statement.identity, 32) ?? new Uint8Array(32), statement: r.statement, proof: r.proof }
}
