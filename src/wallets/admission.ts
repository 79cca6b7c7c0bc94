// Admission by wallet account: an invitation names a CAIP-10 account, and its claim
// carries a link made with that account for the claimer's identity. The pure part is
// judged here (in the governance reducer, at the claim's time, so every node agrees); the
// wallet's signature is checked before the claim is taken in (vet.ts), and by a member
// node before it serves the log to the claimer (src/node/replication/admission.ts).
import { equalBytes, toHex } from '../crypto/bytes.ts'
import type { GovState } from '../governance/acl.ts'
import { usable } from '../governance/acl.ts'
import { WalletLinkRefusedError } from './errors.ts'
import { checkLinkFields } from './links.ts'
import { decodeLink, type SignedWalletLink } from './record.ts'

/** Why `link` does not admit `claimer` to an invitation for `account` at `at`, or null. */
export function admissionLinkRefusal (context: Uint8Array, account: string, claimer: Uint8Array, link: SignedWalletLink | undefined, at: number): string | null {
  try {
    if (link === undefined) throw new WalletLinkRefusedError('NoLink', { account })
    if (link.account !== account) throw new WalletLinkRefusedError('NotInvited', { account: link.account, invited: account })
    if (!equalBytes(link.identity, claimer)) throw new WalletLinkRefusedError('WrongIdentity')
    if (toHex(link.context) !== toHex(context)) throw new WalletLinkRefusedError('WrongContext')
    checkLinkFields(link, at)
    return null
  } catch (err) {
    if (err instanceof WalletLinkRefusedError) return err.shortMessage
    throw err
  }
}

/**
 * A stranger asks for the log as the claimer of a wallet-account invitation: the link
 * it presents (raw, from the request), decoded and judged on everything but the wallet's
 * signature, which the caller checks next. Answers the link, or why not.
 */
export function walletClaimCheck (s: GovState, invitation: Uint8Array, claimer: Uint8Array, raw: unknown, now: number): { link: SignedWalletLink } | { why: string } {
  const inv = s.invitations.get(toHex(invitation))
  if (inv === undefined || inv.target.type !== 'account') return { why: 'no such wallet-account invitation' }
  let link: SignedWalletLink
  try {
    link = decodeLink(raw, (why) => { throw new WalletLinkRefusedError('BadStatement', { why }) })
  } catch (err) {
    return { why: (err as Error).message }
  }
  const why = admissionLinkRefusal(s.context, inv.target.account, claimer, link, now) ?? usable(s, inv, claimer, now)
  return why === null ? { link } : { why }
}
