// Wallet links of one node: checks a link (domain, context, identity, nonce, validity
// window, the identity's signature over the account, then the wallet's signature through
// the chain adapter's verifier), keeps the accepted ones per context, lists and revokes
// them, and answers `linksOf` — the accounts that count for an identity now: unexpired
// and, by default, re-verified at use time (a contract wallet's owner may have changed).
import type { WalletLink, WalletLinkVerifier } from '../chain/module.ts'
import { parseAccountId } from '../chain/caip.ts'
import { toHex, utf8 } from '../crypto/bytes.ts'
import { sign, verify } from '../crypto/ed25519.ts'
import { WalletLinkRefusedError } from './errors.ts'
import { LinkNonces } from './nonces.ts'
import { checkStatement } from './statement.ts'

export interface SignedWalletLink extends WalletLink {
  /** The context identity's ed25519 signature over identityMessage(). */
  identitySignature: Uint8Array
}

/** What the context identity signs: the account it links, bound to the context. */
export function identityMessage (context: Uint8Array, identity: Uint8Array, account: string): Uint8Array {
  return utf8(`moorage wallet link\n${toHex(context)}\n${toHex(identity)}\n${account}`)
}

export function signIdentity (secretKey: Uint8Array, context: Uint8Array, identity: Uint8Array, account: string): Uint8Array {
  return sign(secretKey, identityMessage(context, identity, account))
}

export interface WalletLinksOptions {
  /** This node's domain, as statements must name it. */
  domain: string
  verifiers: WalletLinkVerifier[]
  nonces?: LinkNonces
  now?: () => number
}

const MAX_LINKS_PER_IDENTITY = 64

export class WalletLinks {
  readonly #domain: string
  readonly #verifiers: WalletLinkVerifier[]
  readonly #nonces: LinkNonces
  readonly #now: () => number
  // context hex → identity hex → account → link
  readonly #links = new Map<string, Map<string, Map<string, SignedWalletLink>>>()

  constructor (options: WalletLinksOptions) {
    this.#domain = options.domain
    this.#verifiers = options.verifiers
    this.#now = options.now ?? Date.now
    this.#nonces = options.nonces ?? new LinkNonces({ now: this.#now })
  }

  /** A fresh nonce for a statement to be signed by a wallet. */
  nonce (): string { return this.#nonces.issue() }

  /** Checks and stores a link; throws WalletLinkRefusedError with the reason, storing nothing. */
  async link (link: SignedWalletLink, options: { signal?: AbortSignal } = {}): Promise<SignedWalletLink> {
    await this.check(link, { ...options, consumeNonce: true })
    const ids = this.#byIdentity(toHex(link.context), toHex(link.identity), true)
    if (!ids.has(link.account) && ids.size >= MAX_LINKS_PER_IDENTITY) {
      throw new WalletLinkRefusedError('BadStatement', { why: `at most ${MAX_LINKS_PER_IDENTITY} links per identity` })
    }
    ids.set(link.account, link)
    return link
  }

  /**
   * Every check of `link`. With `consumeNonce` the nonce must be one this node issued
   * (a link made here); without, a replicated link is checked on everything else.
   */
  async check (link: SignedWalletLink, options: { signal?: AbortSignal, consumeNonce?: boolean } = {}): Promise<void> {
    const s = link.statement
    if (parseAccountId(link.account) === undefined) throw new WalletLinkRefusedError('BadAccount', { account: link.account })
    checkStatement(s)
    if (s.account !== link.account) throw new WalletLinkRefusedError('WrongAccount')
    if (s.context !== toHex(link.context)) throw new WalletLinkRefusedError('WrongContext')
    if (s.identity !== toHex(link.identity)) throw new WalletLinkRefusedError('WrongIdentity')
    if (options.consumeNonce === true && s.domain !== this.#domain) {
      throw new WalletLinkRefusedError('WrongDomain', { domain: s.domain, expected: this.#domain })
    }
    const now = this.#now()
    if (Date.parse(s.issuedAt) > now + 60_000) throw new WalletLinkRefusedError('NotYetValid', { issuedAt: s.issuedAt })
    if (Date.parse(s.expiry) <= now) throw new WalletLinkRefusedError('Expired', { expiry: s.expiry })
    if (!verify(link.identity, identityMessage(link.context, link.identity, link.account), link.identitySignature)) {
      throw new WalletLinkRefusedError('BadIdentitySignature')
    }
    const verifier = this.#verifiers.find((v) => v.handles(link.account))
    if (verifier === undefined) throw new WalletLinkRefusedError('NoVerifier', { account: link.account })
    // The nonce is spent only once everything but the (slow, remote) wallet check holds,
    // and before it, so two concurrent submissions cannot both pass.
    if (options.consumeNonce === true && !this.#nonces.consume(s.nonce)) throw new WalletLinkRefusedError('UnknownNonce')
    await verifier.verify(link, options.signal === undefined ? {} : { signal: options.signal })
  }

  /** Removes a link; either side (the identity or the wallet) asks through the caller's auth. */
  revoke (context: Uint8Array, identity: Uint8Array, account: string): boolean {
    return this.#byIdentity(toHex(context), toHex(identity), false)?.delete(account) ?? false
  }

  /** The stored links of a context (optionally one identity), expired ones included. */
  list (context: Uint8Array, identity?: Uint8Array): SignedWalletLink[] {
    const byId = this.#links.get(toHex(context))
    if (byId === undefined) return []
    const maps = identity === undefined ? [...byId.values()] : [byId.get(toHex(identity)) ?? new Map()]
    return maps.flatMap((m) => [...m.values()])
  }

  /** The CAIP-10 accounts linked to `identity` that count now: unexpired and (unless `recheck: false`) still verifying. */
  async linksOf (context: Uint8Array, identity: Uint8Array, options: { recheck?: boolean, signal?: AbortSignal } = {}): Promise<string[]> {
    const out: string[] = []
    for (const link of this.list(context, identity)) {
      if (Date.parse(link.statement.expiry) <= this.#now()) continue
      if (options.recheck === false) { out.push(link.account); continue }
      try {
        await this.check(link, options.signal === undefined ? {} : { signal: options.signal })
        out.push(link.account)
      } catch (err) {
        if (!(err instanceof WalletLinkRefusedError)) throw err
      }
    }
    return out
  }

  #byIdentity (context: string, identity: string, create: true): Map<string, SignedWalletLink>
  #byIdentity (context: string, identity: string, create: false): Map<string, SignedWalletLink> | undefined
  #byIdentity (context: string, identity: string, create: boolean): Map<string, SignedWalletLink> | undefined {
    let byId = this.#links.get(context)
    if (byId === undefined) {
      if (!create) return undefined
      byId = new Map()
      this.#links.set(context, byId)
    }
    let m = byId.get(identity)
    if (m === undefined && create) { m = new Map(); byId.set(identity, m) }
    return m
  }
}
