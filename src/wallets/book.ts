// The wallet links of one context, as part of its governance state: every member node
// builds the same book from the same log. Adding and removing are pure (the wallet's own
// signature is checked before an op is taken in, src/wallets/vet.ts); every rule here
// depends on the op and the state only, judged at the op's time.
//
// Rules: a link is made by its own identity, a member; it replaces an earlier link of the
// same account. A revocation is made by the identity, or carries the wallet's signed
// "unlink" statement (any member may relay it). A revoked account cannot come back with a
// statement issued before the revocation (a replay of the old signature), and a wallet's
// revocation undoes only links signed before it. A removed or departed member's links go.
// Bounded per identity and per context, in count and bytes.
import { toHex } from '../crypto/bytes.ts'
import { WalletLinkRefusedError } from './errors.ts'
import { checkLinkFields } from './links.ts'
import { revocationAsLink, type SignedWalletLink, type WalletRevocation } from './record.ts'
import { MAX_LINK_LIFETIME_MS } from './statement.ts'

export const MAX_LINKS_PER_IDENTITY = 64
export const MAX_LINKS_PER_CONTEXT = 4096
export const MAX_LINK_BYTES_PER_CONTEXT = 4 * 1024 * 1024
/** Revoked accounts remembered per identity (each guards against a replay until its statements expire). */
export const MAX_REVOKED_PER_IDENTITY = 256

export interface StoredLink {
  link: SignedWalletLink
  /** When the op that made it was stamped (ms). */
  at: number
}

export interface LinkBook {
  /** identity hex → account → link */
  links: Map<string, Map<string, StoredLink>>
  /** identity hex → account → when it was last revoked (ms) */
  revoked: Map<string, Map<string, number>>
  bytes: number
  count: number
}

export type WalletAction =
  | { type: 'linkWallet', link: SignedWalletLink }
  /** By the identity itself (no revocation), or any member relaying the wallet's signed revocation. */
  | { type: 'unlinkWallet', identity: Uint8Array, account: string, revocation?: WalletRevocation }

export function emptyBook (): LinkBook {
  return { links: new Map(), revoked: new Map(), bytes: 0, count: 0 }
}

export function cloneBook (b: LinkBook): LinkBook {
  return {
    links: new Map([...b.links].map(([k, m]) => [k, new Map(m)])),
    revoked: new Map([...b.revoked].map(([k, m]) => [k, new Map(m)])),
    bytes: b.bytes,
    count: b.count
  }
}

/** What a link costs against the context's byte bound. */
export function linkSize (l: SignedWalletLink): number {
  const s = l.statement
  return s.domain.length + s.account.length + s.context.length + s.identity.length + s.nonce.length + s.issuedAt.length + s.expiry.length + l.proof.length + 64
}

function why (fn: () => void): string | null {
  try { fn(); return null } catch (err) {
    if (err instanceof WalletLinkRefusedError) return err.shortMessage
    throw err
  }
}

/**
 * Applies a wallet action by `author` at `at` to `book` (its identities must be members:
 * `isMember`); returns null when applied, else why not, leaving the book untouched.
 */
export function applyWalletAction (book: LinkBook, context: Uint8Array, a: WalletAction, author: Uint8Array, at: number, isMember: (id: Uint8Array) => boolean): string | null {
  if (a.type === 'linkWallet') return addLink(book, context, a.link, author, at, isMember)
  return removeLink(book, context, a, author, at, isMember)
}

function addLink (book: LinkBook, context: Uint8Array, link: SignedWalletLink, author: Uint8Array, at: number, isMember: (id: Uint8Array) => boolean): string | null {
  const id = toHex(link.identity)
  if (id !== toHex(author)) return 'a wallet link is made by the identity it links'
  if (!isMember(author)) return 'only members link wallets'
  if (toHex(link.context) !== toHex(context)) return 'the link names another context'
  const bad = why(() => { checkLinkFields(link, at) })
  if (bad !== null) return bad
  const revokedAt = book.revoked.get(id)?.get(link.account)
  if (revokedAt !== undefined && Date.parse(link.statement.issuedAt) <= revokedAt) return 'the account was unlinked after this statement was issued; sign a new one'
  const mine = book.links.get(id) ?? new Map<string, StoredLink>()
  const old = mine.get(link.account)
  const size = linkSize(link)
  if (old === undefined && mine.size >= MAX_LINKS_PER_IDENTITY) return `at most ${MAX_LINKS_PER_IDENTITY} wallet links per identity`
  if (old === undefined && book.count >= MAX_LINKS_PER_CONTEXT) return `at most ${MAX_LINKS_PER_CONTEXT} wallet links per context`
  if (book.bytes - (old === undefined ? 0 : linkSize(old.link)) + size > MAX_LINK_BYTES_PER_CONTEXT) return `the context's wallet links would exceed ${MAX_LINK_BYTES_PER_CONTEXT} bytes`
  if (old !== undefined && Date.parse(old.link.statement.issuedAt) >= Date.parse(link.statement.issuedAt)) return 'a newer link of this account is in place'
  if ((book.revoked.get(id)?.size ?? 0) >= MAX_REVOKED_PER_IDENTITY) return `${MAX_REVOKED_PER_IDENTITY} accounts were unlinked from this identity within a year; no new links until they age out`
  mine.set(link.account, { link, at })
  book.links.set(id, mine)
  book.count += old === undefined ? 1 : 0
  book.bytes += size - (old === undefined ? 0 : linkSize(old.link))
  return null
}

function removeLink (book: LinkBook, context: Uint8Array, a: Extract<WalletAction, { type: 'unlinkWallet' }>, author: Uint8Array, at: number, isMember: (id: Uint8Array) => boolean): string | null {
  const id = toHex(a.identity)
  if (!isMember(author)) return 'only members record wallet revocations'
  const stored = book.links.get(id)?.get(a.account)
  if (stored === undefined) return 'no such wallet link'
  if (a.revocation === undefined) {
    if (id !== toHex(author)) return 'only the linked identity, or the wallet with a signed revocation, unlinks'
  } else {
    const r = a.revocation
    const s = r.statement
    if (s.account !== a.account || s.identity !== id || s.context !== toHex(context)) return 'the revocation names another account, identity or context'
    const bad = why(() => { checkLinkFields(revocationAsLink(r), at) })
    if (bad !== null) return bad
    if (Date.parse(s.issuedAt) <= Date.parse(stored.link.statement.issuedAt)) return 'the revocation was signed before the link it would undo'
  }
  book.links.get(id)!.delete(a.account)
  if (book.links.get(id)!.size === 0) book.links.delete(id)
  book.count--
  book.bytes -= linkSize(stored.link)
  const revoked = book.revoked.get(id) ?? new Map<string, number>()
  // Statements issued more than a lifetime ago have expired: their guard can go.
  for (const [acct, t] of revoked) if (t < at - MAX_LINK_LIFETIME_MS) revoked.delete(acct)
  revoked.set(a.account, at)
  book.revoked.set(id, revoked)
  return null
}

/** A departed or removed member's links go with it. */
export function dropIdentity (book: LinkBook, identity: Uint8Array): void {
  const mine = book.links.get(toHex(identity))
  if (mine === undefined) return
  for (const { link } of mine.values()) { book.count--; book.bytes -= linkSize(link) }
  book.links.delete(toHex(identity))
}

/** Adds the link an admission carried (a wallet-account invitation's claim), as the claimer's. */
export function recordAdmissionLink (book: LinkBook, context: Uint8Array, link: SignedWalletLink, at: number): void {
  addLink(book, context, link, link.identity, at, () => true)
}

/** Every stored link (optionally one identity's), expired ones included. */
export function listLinks (book: LinkBook, identity?: Uint8Array): StoredLink[] {
  const maps = identity === undefined ? [...book.links.values()] : [book.links.get(toHex(identity)) ?? new Map<string, StoredLink>()]
  return maps.flatMap((m) => [...m.values()])
}
