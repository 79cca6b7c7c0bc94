// The plain text a wallet signs to link an account to a context identity, for chains whose
// wallets sign text as it is (no SIWE or typed-data form of their own). An unlink reads
// differently, so a link's signature can never pass for a revocation.
import type { WalletLink } from '../module.ts'

/** The statement as text; `subject` names the account as its chain does (e.g. "NEAR account bob.near"). */
export function plainLinkText (statement: WalletLink['statement'], subject: string, network: string): string {
  return [
    statement.purpose === 'unlink'
      ? `Revoke the link of ${subject} to context identity ${statement.identity} in context ${statement.context}.`
      : `Link ${subject} to context identity ${statement.identity} in context ${statement.context}.`,
    `Node: ${statement.domain}`,
    `Network: ${network}`,
    `Nonce: ${statement.nonce}`,
    `Issued At: ${statement.issuedAt}`,
    `Expiration Time: ${statement.expiry}`
  ].join('\n')
}
