// Checking a wallet link: the statement's fields (domain, context, identity, validity
// window), the identity's signature over the account, and the wallet's signature through
// the chain adapter's verifier. The node checks a link it is given with its own nonce and
// domain; a link replicated from another node (on the governance log) is checked on
// everything else, at the time of the op that carries it. Links are stored in the
// context's governance (src/wallets/book.ts), not here.
import type { WalletLink, WalletLinkVerifier, WalletSignRequest } from '../chain/module.ts'
import { parseAccountId } from '../chain/caip.ts'
import { toHex, utf8 } from '../crypto/bytes.ts'
import { sign, verify } from '../crypto/ed25519.ts'
import { WalletLinkRefusedError } from './errors.ts'
import { LinkNonces } from './nonces.ts'
import type { SignedWalletLink, WalletRevocation } from './record.ts'
import { revocationAsLink } from './record.ts'
import { checkStatement, type LinkStatement } from './statement.ts'

export type { SignedWalletLink } from './record.ts'

/** What the context identity signs: the account it links, bound to the context. */
export function identityMessage (context: Uint8Array, identity: Uint8Array, account: string): Uint8Array {
  return utf8(`moorage wallet link\n${toHex(context)}\n${toHex(identity)}\n${account}`)
}

export function signIdentity (secretKey: Uint8Array, context: Uint8Array, identity: Uint8Array, account: string): Uint8Array {
  return sign(secretKey, identityMessage(context, identity, account))
}

/** How far ahead of the checker's clock a statement may be issued (clock skew). */
const SKEW_MS = 60_000

/**
 * The checks that need no chain and no nonce: the statement's shape and names, its
 * window at time `at`, and (for a link) the identity's signature. Pure: every node gets
 * the same answer for the same link and time.
 */
export function checkLinkFields (link: WalletLink & { identitySignature?: Uint8Array }, at: number): void {
  const s = link.statement
  if (parseAccountId(link.account) === undefined) throw new WalletLinkRefusedError('BadAccount', { account: link.account })
  checkStatement(s)
  if (s.account !== link.account) throw new WalletLinkRefusedError('WrongAccount')
  if (s.context !== toHex(link.context)) throw new WalletLinkRefusedError('WrongContext')
  if (s.identity !== toHex(link.identity)) throw new WalletLinkRefusedError('WrongIdentity')
  if (Date.parse(s.issuedAt) > at + SKEW_MS) throw new WalletLinkRefusedError('NotYetValid', { issuedAt: s.issuedAt })
  if (Date.parse(s.expiry) <= at) throw new WalletLinkRefusedError('Expired', { expiry: s.expiry })
  if (s.purpose === 'unlink') return
  if (link.identitySignature === undefined || !verify(link.identity, identityMessage(link.context, link.identity, link.account), link.identitySignature)) {
    throw new WalletLinkRefusedError('BadIdentitySignature')
  }
}

export interface WalletLinksOptions {
  /** This node's domain, as statements must name it. */
  domain: string
  verifiers: WalletLinkVerifier[]
  nonces?: LinkNonces<LinkStatement>
  now?: () => number
}

export interface CheckOptions {
  signal?: AbortSignal
  /** The link is made here: its nonce must be one this node issued (spent now), its domain this node's. */
  consumeNonce?: boolean
  /** The time to judge the validity window at (a replicated link: its op's time). Default now. */
  at?: number
}

export class WalletLinks {
  readonly #domain: string
  readonly #verifiers: WalletLinkVerifier[]
  readonly #nonces: LinkNonces<LinkStatement>
  readonly #now: () => number

  constructor (options: WalletLinksOptions) {
    this.#domain = options.domain
    this.#verifiers = options.verifiers
    this.#now = options.now ?? Date.now
    this.#nonces = options.nonces ?? new LinkNonces<LinkStatement>({ now: this.#now })
  }

  get domain (): string { return this.#domain }

  /** A fresh nonce for a statement to be signed by a wallet; `statement` is kept with it. */
  nonce (statement?: (nonce: string) => LinkStatement): string {
    return this.#nonces.issue(statement)
  }

  /** The statement a live nonce was issued for. */
  pending (nonce: string): LinkStatement | undefined { return this.#nonces.peek(nonce) }

  /** The verifier of the account's chain; NoVerifier when this node has none. */
  verifier (account: string): WalletLinkVerifier {
    const verifier = this.#verifiers.find((v) => v.handles(account))
    if (verifier === undefined) throw new WalletLinkRefusedError('NoVerifier', { account })
    return verifier
  }

  /** The text the wallet signs for `statement`. */
  message (statement: LinkStatement): string {
    return this.verifier(statement.account).message(statement)
  }

  /** The wallet call that signs `statement`. */
  request (statement: LinkStatement): WalletSignRequest {
    return this.verifier(statement.account).request(statement)
  }

  /**
   * Every check of `link` (see CheckOptions); throws WalletLinkRefusedError with the
   * reason. A failure to reach the chain is thrown as it is (not a refusal).
   */
  async check (link: SignedWalletLink | WalletLink, options: CheckOptions = {}): Promise<void> {
    checkLinkFields(link, options.at ?? this.#now())
    if (options.consumeNonce === true && link.statement.domain !== this.#domain) {
      throw new WalletLinkRefusedError('WrongDomain', { domain: link.statement.domain, expected: this.#domain })
    }
    const verifier = this.verifier(link.account)
    // The nonce is spent only once everything but the (slow, remote) wallet check holds,
    // and before it, so two concurrent submissions cannot both pass.
    if (options.consumeNonce === true && !this.#nonces.consume(link.statement.nonce)) throw new WalletLinkRefusedError('UnknownNonce')
    await verifier.verify(link, options.signal === undefined ? {} : { signal: options.signal })
  }

  /** A wallet's revocation, checked like a link (its statement says "unlink"). */
  async checkRevocation (r: WalletRevocation, options: CheckOptions = {}): Promise<void> {
    if (r.statement.purpose !== 'unlink') throw new WalletLinkRefusedError('BadStatement', { why: 'a revocation\'s statement has purpose "unlink"' })
    await this.check(revocationAsLink(r), options)
  }
}
