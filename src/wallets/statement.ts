// The statement a wallet signs to link itself to a context identity: the fields every
// chain's sign-in message has (domain, account, nonce, issued at, expiry) plus the context
// and the identity. Each chain adapter renders the text its wallets show; here the fields
// are checked strictly.
import { toHex } from '../crypto/bytes.ts'
import { WalletLinkRefusedError } from './errors.ts'

/** Longest validity window of a statement: what a revoked link's replay must be guarded for. */
export const MAX_LINK_LIFETIME_MS = 366 * 24 * 3600_000

export interface LinkStatement {
  domain: string
  account: string
  context: string
  identity: string
  nonce: string
  issuedAt: string
  expiry: string
  /** Absent for a link; "unlink" for the wallet's own revocation of one (a different text to sign). */
  purpose?: 'unlink'
}

export function statementFields (a: {
  domain: string, account: string, context: Uint8Array, identity: Uint8Array,
  nonce: string, issuedAt: Date, expiry: Date, purpose?: 'unlink'
}): LinkStatement {
  return {
    ...(a.purpose !== undefined ? { purpose: a.purpose } : {}),
    domain: a.domain,
    account: a.account,
    context: toHex(a.context),
    identity: toHex(a.identity),
    nonce: a.nonce,
    issuedAt: a.issuedAt.toISOString(),
    expiry: a.expiry.toISOString()
  }
}

/** Checks the fields are well formed; the text itself is rendered by the chain adapter. */
export function checkStatement (s: LinkStatement): void {
  const bad = (why: string): never => { throw new WalletLinkRefusedError('BadStatement', { why }) }
  if (!/^[a-z0-9.-]{1,253}(:[0-9]{1,5})?$/i.test(s.domain)) bad('domain')
  if (!/^[0-9a-f]{64}$/.test(s.context)) bad('context')
  if (!/^[0-9a-f]{64}$/.test(s.identity)) bad('identity')
  if (!/^[a-zA-Z0-9]{8,64}$/.test(s.nonce)) bad('nonce')
  if (Number.isNaN(Date.parse(s.issuedAt))) bad('issuedAt')
  if (Number.isNaN(Date.parse(s.expiry))) bad('expiry')
  if (Date.parse(s.expiry) <= Date.parse(s.issuedAt)) bad('expiry before issuedAt')
  if (Date.parse(s.expiry) - Date.parse(s.issuedAt) > MAX_LINK_LIFETIME_MS) bad('a link lasts at most 366 days')
  if (s.purpose !== undefined && s.purpose !== 'unlink') bad('purpose')
}
