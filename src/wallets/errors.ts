// Why a wallet link is refused: one stable code per reason, the text written once here,
// so tests, the API and the CLI compare codes, never wording.
import { ForbiddenError } from '../errors/index.ts'

type Text = (a: Record<string, string>) => string

const TEXTS = {
  BadAccount: (a) => `${a.account} is not a CAIP-10 account id`,
  NoVerifier: (a) => `no wallet verifier for the network of ${a.account}`,
  WrongDomain: (a) => `the statement names domain ${a.domain}, this node is ${a.expected}`,
  WrongContext: () => 'the statement names another context',
  WrongIdentity: () => 'the statement names another context identity',
  WrongAccount: () => 'the statement names another wallet account',
  UnknownNonce: () => 'the nonce was not issued by this node, was used already or went stale',
  Expired: (a) => `the statement expired at ${a.expiry}`,
  NotYetValid: (a) => `the statement is issued at ${a.issuedAt}, in the future`,
  BadIdentitySignature: () => 'the context identity signature over the account does not verify',
  BadWalletSignature: (a) => `the wallet signature does not verify: ${a.why}`,
  BadStatement: (a) => `the statement is malformed: ${a.why}`,
  NoLink: (a) => `the invitation is for wallet account ${a.account}: the claim must carry a link made with it`,
  NotInvited: (a) => `the link is for ${a.account}, the invitation for ${a.invited}`,
  NotOnChain: () => 'wallet links are kept on the governance log of off-chain contexts; chain-anchored contexts do not take them yet',
  NotMember: () => 'the identity is not a member of the context',
  NoSuchLink: () => 'no such wallet link',
  Unavailable: (a) => `the wallet could not be checked now: ${a.why}`
} satisfies Record<string, Text>

export type WalletLinkRefusal = keyof typeof TEXTS

export class WalletLinkRefusedError extends ForbiddenError {
  override name = 'WalletLinkRefusedError'
  readonly code: WalletLinkRefusal
  constructor (code: WalletLinkRefusal, args: Record<string, string> = {}) {
    super(`wallet link refused (${code}): ${TEXTS[code](args)}`)
    this.code = code
  }

  /** The API's error body carries the code, so clients compare it, never the wording. */
  override toJSON (): ReturnType<ForbiddenError['toJSON']> & { code: WalletLinkRefusal } {
    return { ...super.toJSON(), code: this.code }
  }
}
