// The node's wallet links: prepares the statement a wallet signs (with a nonce of this
// node and its domain), checks and records a signed link as a governance op of the
// context (so every member node verifies, stores and lists it), lists a context's links,
// and records revocations by the identity or by the wallet. Chain-anchored contexts do not
// take links yet (docs/wallets.md says why).
import type { WalletLinkVerifier } from '../chain/module.ts'
import type { ChainModules } from '../chain/modules.ts'
import { parseHex, toHex } from '../crypto/bytes.ts'
import type { KeyPair } from '../crypto/ed25519.ts'
import { InvalidInputError, NotFoundError } from '../errors/index.ts'
import type { OffchainAnchor } from '../governance/offchain/index.ts'
import type { Logger } from '../log/index.ts'
import { normalizeAccount } from './account.ts'
import { listLinks, type StoredLink } from './book.ts'
import { WalletLinkRefusedError } from './errors.ts'
import { signIdentity, WalletLinks } from './links.ts'
import type { SignedWalletLink, WalletRevocation } from './record.ts'
import { MAX_LINK_LIFETIME_MS, statementFields } from './statement.ts'
import type { WalletLinkInfo, WalletStatementInfo, WalletStatementRequest, WalletSubmit } from './types.ts'
import { vetOps } from './vet.ts'
import type { GovOp } from '../governance/offchain/op.ts'

export const DEFAULT_LINK_TTL_MS = 30 * 24 * 3600_000

/** What the service needs of the node. */
export interface WalletServiceInit {
  domain: string
  modules: ChainModules
  /** The endpoint configured for a chain kind (`chains.<kind>.rpc`), for contract wallets. */
  rpc: (kind: string) => string | undefined
  offchain: OffchainAnchor
  /** This node's record of a context: its identity there, and whether it is on a chain. */
  context: (id: Uint8Array) => { identity: Uint8Array, onChain: boolean } | undefined
  /** An identity this node holds for a context (or unbound, UNBOUND), or undefined. */
  identity: (context: Uint8Array | null, publicKey: Uint8Array) => KeyPair | undefined
  /** Creates and stores a new unbound identity (for a context this node is to join). */
  newIdentity: () => Promise<KeyPair>
  logger: Logger
  now?: () => number
}

export class WalletService {
  readonly #c: WalletServiceInit
  #links: Promise<WalletLinks> | undefined

  constructor (init: WalletServiceInit) {
    this.#c = init
  }

  /** The checker, its verifiers made on first use (a chain's client loads then). */
  async checker (): Promise<WalletLinks> {
    this.#links ??= (async () => {
      const verifiers: WalletLinkVerifier[] = []
      for (const m of this.#c.modules.all()) {
        if (m.walletLink === undefined) continue
        const rpc = this.#c.rpc(m.kind)
        verifiers.push(await m.walletLink.create(rpc === undefined ? {} : { rpc }))
      }
      return new WalletLinks({ domain: this.#c.domain, verifiers, ...(this.#c.now !== undefined ? { now: this.#c.now } : {}) })
    })()
    return await this.#links
  }

  /** For the offchain anchor's `vet` hook: peers' ops with wallet signatures, checked. */
  async vet (ctx: Uint8Array, ops: GovOp[]): Promise<GovOp[]> {
    return (await vetOps(async () => await this.checker(), ops, (op) => this.#c.offchain.dag(ctx).has(op.id), this.#c.logger)).ok
  }

  /**
   * A statement for `account`'s wallet to sign. For a context this node is in, it names
   * this node's identity there (or `identity`, one it holds there); for one it has not
   * joined (a wallet-account invitation), a new unbound identity unless one is given.
   */
  async statement (contextId: Uint8Array, req: WalletStatementRequest): Promise<WalletStatementInfo> {
    const account = normalizeAccount(this.#c.modules, req.account)
    const rec = this.#c.context(contextId)
    if (rec?.onChain === true) throw new WalletLinkRefusedError('NotOnChain')
    const ttl = req.expiresInMs ?? DEFAULT_LINK_TTL_MS
    if (!Number.isSafeInteger(ttl) || ttl < 60_000 || ttl > MAX_LINK_LIFETIME_MS) throw new InvalidInputError(`expiresInMs must be an integer from 60000 to ${MAX_LINK_LIFETIME_MS}`)
    let identity: Uint8Array
    if (req.identity !== undefined) {
      identity = hex32(req.identity, 'identity')
      if (this.#c.identity(rec === undefined ? null : contextId, identity) === undefined) {
        throw new NotFoundError(`this node holds no identity ${req.identity} ${rec === undefined ? 'waiting to join' : 'in this context'}`)
      }
    } else if (rec !== undefined) {
      identity = rec.identity
    } else {
      if (req.purpose === 'unlink') throw new NotFoundError(`this node is not in context ${toHex(contextId)}`)
      identity = (await this.#c.newIdentity()).publicKey
    }
    const checker = await this.checker()
    checker.verifier(account) // NoVerifier before a nonce is spent on it
    const now = this.#now()
    const nonce = checker.nonce((n) => statementFields({
      domain: checker.domain, account, context: contextId, identity, nonce: n,
      issuedAt: new Date(now), expiry: new Date(now + ttl), ...(req.purpose === 'unlink' ? { purpose: 'unlink' as const } : {})
    }))
    const statement = checker.pending(nonce)!
    return { contextId: toHex(contextId), identity: toHex(identity), account, nonce, statement, message: checker.message(statement), request: checker.request(statement), joining: rec === undefined }
  }

  /**
   * The signed link for a statement this node prepared, checked (nonce spent, wallet
   * signature verified); the identity must be one this node holds (`bound` to the context, or unbound).
   */
  async signedLink (contextId: Uint8Array, submit: WalletSubmit, bound: boolean): Promise<{ link: SignedWalletLink, identity: KeyPair }> {
    const { statement, checker } = await this.#pending(contextId, submit, undefined)
    const identityKey = hex32(statement.identity, 'identity')
    const pair = this.#c.identity(bound ? contextId : null, identityKey)
    if (pair === undefined) throw new NotFoundError(`this node no longer holds identity ${statement.identity}`)
    const link: SignedWalletLink = {
      account: statement.account, context: contextId, identity: identityKey, statement, proof: submit.signature,
      identitySignature: signIdentity(pair.secretKey, contextId, identityKey, statement.account)
    }
    await checker.check(link, { consumeNonce: true })
    return { link, identity: pair }
  }

  /** Checks the link and records it on the context's log; answers it as listed. */
  async link (contextId: Uint8Array, submit: WalletSubmit): Promise<WalletLinkInfo> {
    this.#offchain(contextId)
    const { link, identity } = await this.signedLink(contextId, submit, true)
    const receipt = await this.#c.offchain.submitOp(contextId, identity, { type: 'linkWallet', link })
    this.#c.logger.info('wallet linked', { context: toHex(contextId), identity: toHex(link.identity), account: link.account, op: receipt.id })
    return this.#info(contextId, listLinks(this.#c.offchain.state(contextId)!.wallets, link.identity).find((l) => l.link.account === link.account)!)
  }

  /**
   * Removes a link: by this node's identity (the linked one), or, with `wallet`, by the
   * wallet's signed revocation (a statement with purpose "unlink"), recorded by this node.
   */
  async revoke (contextId: Uint8Array, accountText: string, options: { identity?: string, wallet?: WalletSubmit } = {}): Promise<{ revoked: WalletLinkInfo }> {
    const rec = this.#offchain(contextId)
    const account = normalizeAccount(this.#c.modules, accountText)
    const state = this.#c.offchain.state(contextId)!
    let identity = options.identity !== undefined ? hex32(options.identity, 'identity') : rec.identity
    let revocation: WalletRevocation | undefined
    if (options.wallet !== undefined) {
      const { statement, checker } = await this.#pending(contextId, options.wallet, 'unlink')
      if (statement.account !== account) throw new WalletLinkRefusedError('WrongAccount')
      identity = hex32(statement.identity, 'identity')
      revocation = { statement, proof: options.wallet.signature }
      await checker.checkRevocation(revocation, { consumeNonce: true })
    }
    const stored = listLinks(state.wallets, identity).find((l) => l.link.account === account)
    if (stored === undefined) throw new WalletLinkRefusedError('NoSuchLink')
    // The identity signs its own revocation; a wallet's is relayed by this node's identity.
    const signer = revocation === undefined ? this.#c.identity(contextId, identity) : this.#c.identity(contextId, rec.identity)
    if (signer === undefined) throw new NotFoundError(`this node does not hold identity ${toHex(identity)}: only that identity, or the wallet, revokes its link`)
    await this.#c.offchain.submitOp(contextId, signer, { type: 'unlinkWallet', identity, account, ...(revocation !== undefined ? { revocation } : {}) })
    this.#c.logger.info('wallet unlinked', { context: toHex(contextId), identity: toHex(identity), account, by: revocation === undefined ? 'identity' : 'wallet' })
    return { revoked: this.#info(contextId, stored) }
  }

  /** A context's links (optionally one identity's), expired ones marked; `recheck` asks each wallet again now. */
  async list (contextId: Uint8Array, options: { identity?: string, recheck?: boolean } = {}): Promise<WalletLinkInfo[]> {
    this.#offchain(contextId)
    const state = this.#c.offchain.state(contextId)!
    const links = listLinks(state.wallets, options.identity === undefined ? undefined : hex32(options.identity, 'identity'))
    const out: WalletLinkInfo[] = []
    for (const l of links) {
      const info = this.#info(contextId, l)
      if (options.recheck === true && !info.expired) {
        try {
          await (await this.checker()).check(l.link)
          info.verifies = true
        } catch (err) {
          if (!(err instanceof WalletLinkRefusedError)) throw new WalletLinkRefusedError('Unavailable', { why: (err as Error).message.split('\n')[0]! })
          info.verifies = false
          info.reason = err.shortMessage
        }
      }
      out.push(info)
    }
    return out
  }

  /** The accounts linked to `identity` that count now: unexpired and still verifying. */
  async accountsOf (contextId: Uint8Array, identity: Uint8Array): Promise<string[]> {
    const links = await this.list(contextId, { identity: toHex(identity), recheck: true })
    return links.filter((l) => l.verifies === true).map((l) => l.account)
  }

  async #pending (contextId: Uint8Array, submit: WalletSubmit, purpose: 'unlink' | undefined) {
    if (typeof submit?.nonce !== 'string' || typeof submit.signature !== 'string') throw new InvalidInputError('a signed statement is { nonce, signature }')
    const checker = await this.checker()
    const statement = checker.pending(submit.nonce)
    if (statement === undefined) throw new WalletLinkRefusedError('UnknownNonce')
    if (statement.context !== toHex(contextId)) throw new WalletLinkRefusedError('WrongContext')
    if (statement.purpose !== purpose) throw new WalletLinkRefusedError('BadStatement', { why: purpose === 'unlink' ? 'the nonce was issued for a link, not a revocation' : 'the nonce was issued for a revocation, not a link' })
    return { statement, checker }
  }

  #offchain (contextId: Uint8Array): { identity: Uint8Array } {
    const rec = this.#c.context(contextId)
    if (rec === undefined) throw new NotFoundError(`context ${toHex(contextId)} does not exist on this node`)
    if (rec.onChain) throw new WalletLinkRefusedError('NotOnChain')
    return rec
  }

  #info (contextId: Uint8Array, l: StoredLink): WalletLinkInfo {
    const s = l.link.statement
    const expired = Date.parse(s.expiry) <= this.#now()
    return { contextId: toHex(contextId), identity: s.identity, account: s.account, issuedAt: s.issuedAt, expiry: s.expiry, linkedAt: l.at, expired, ...(expired ? { reason: `expired at ${s.expiry}` } : {}) }
  }

  #now (): number { return (this.#c.now ?? Date.now)() }
}

function hex32 (text: unknown, what: string): Uint8Array {
  const b = typeof text === 'string' ? parseHex(text, 32) : undefined
  if (b === undefined) throw new InvalidInputError(`${what} must be 64 hex characters`)
  return b
}
