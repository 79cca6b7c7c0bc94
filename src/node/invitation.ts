// The invitation string handed to an invitee out of band (docs/governance.md, Invitations):
//   "moorinv3." + base64url(CBOR map, text keys):
//     kind        "identity" | "open"
//     context     32 bytes: the context id
//     invitation  32 bytes: the invitation id
//     invitee     32 bytes, kind "identity": the invitee's public key (an identity its node holds)
//     secret      32 bytes, kind "open": the invitation secret; the invitation key is
//                 keyPairFromSeed(sha256(secret)), and whoever holds the string may claim
//     role        "member" | "reader"
//     expires     expiry, ms since the epoch
//     peers       multiaddrs of the inviter's node
//     anchor      a chain-anchored context only: { kind: the chain module, network: its
//                 CAIP-2 network id, contract, rpc?: an endpoint, only when the inviter
//                 chose to include one (`--include-rpc`) }
//     account     text, kind "account": a wallet account (CAIP-10); claimed by an identity
//                 presenting a wallet link made with that account (docs/wallets.md)
//   Any field this version does not know is refused.
// Older strings are still read: "moorinv2." (a CBOR array [kind, context, invitation,
// subject, role, expires, peers, anchor?: [kind, network reference, contract, rpc]]) and
// "moorinv1." (the same, identity-bound, without the kind).
// An identity-bound string carries no authority of its own: the invitation lives in the
// context's governance, which the joiner fetches and verifies (the context id is bound to
// its creator). An open string is a bearer secret: treat it like a password.
import { decode, encode } from 'cborg'
import { formatNetworkId, parseAccountId, parseNetworkId } from '../chain/caip.ts'
import { isRpcUrl } from '../chain/endpoint.ts'
import { parseId } from '../chain/ids.ts'
import type { ChainModules } from '../chain/modules.ts'
import { keyPairFromSeed, type KeyPair } from '../crypto/ed25519.ts'
import { sha256 } from '../crypto/hash.ts'
import { InvalidInputError } from '../errors/index.ts'
import type { ChainAnchorRef } from './chain/registry.ts'
import { CHAIN_MODULES } from './chains.ts'

const PREFIX_V1 = 'moorinv1.'
const PREFIX_V2 = 'moorinv2.'
const PREFIX = 'moorinv3.'
const MAX_PEERS = 32
const MAX_ADDR_LENGTH = 512
const MAX_TEXT = 64 * 1024
const FIELDS = ['kind', 'context', 'invitation', 'invitee', 'secret', 'account', 'role', 'expires', 'peers', 'anchor']
const ANCHOR_FIELDS = ['kind', 'network', 'contract', 'rpc']

/** A chain anchor as an invitation names it: no endpoint unless the inviter included one. */
export type TicketAnchor = Omit<ChainAnchorRef, 'rpc'> & { rpc?: string }

interface TicketBase {
  context: Uint8Array
  invitation: Uint8Array
  role: 'member' | 'reader'
  expiresAt: number
  peers: string[]
  /** Set for a chain-anchored context. */
  anchor?: TicketAnchor
}

export interface IdentityTicket extends TicketBase {
  kind: 'identity'
  invitee: Uint8Array
}

export interface OpenTicket extends TicketBase {
  kind: 'open'
  secret: Uint8Array
}

export interface AccountTicket extends TicketBase {
  kind: 'account'
  /** CAIP-10 */
  account: string
}

export type InvitationTicket = IdentityTicket | OpenTicket | AccountTicket

/** The key pair of an open invitation: its public key is recorded in the log, its secret key signs claims. */
export function openInvitationKey (secret: Uint8Array): KeyPair {
  return keyPairFromSeed(sha256(secret))
}

/** A context's anchor as its invitation names it: the endpoint only when `includeRpc`. */
export function ticketAnchor (ref: ChainAnchorRef, includeRpc: boolean): TicketAnchor {
  return { kind: ref.kind, network: ref.network, contract: ref.contract, ...(includeRpc ? { rpc: ref.rpc } : {}) }
}

export function encodeTicket (t: InvitationTicket, modules: ChainModules = CHAIN_MODULES): string {
  const fields: Record<string, unknown> = {
    kind: t.kind,
    context: t.context,
    invitation: t.invitation,
    ...(t.kind === 'identity' ? { invitee: t.invitee } : t.kind === 'account' ? { account: t.account } : { secret: t.secret }),
    role: t.role,
    expires: t.expiresAt,
    peers: t.peers
  }
  if (t.anchor !== undefined) {
    const m = modules.get(t.anchor.kind)
    fields.anchor = { kind: m.kind, network: formatNetworkId(m.namespace, t.anchor.network), contract: t.anchor.contract, ...(t.anchor.rpc !== undefined ? { rpc: t.anchor.rpc } : {}) }
  }
  return PREFIX + Buffer.from(encode(fields)).toString('base64url')
}

/**
 * Reads an invitation string (v3, v2 or v1). A chain anchor is checked against `modules`:
 * its kind is registered, its network is under that module's namespace, its contract is
 * one; anything else is an InvalidInputError saying what.
 */
export function decodeTicket (input: string, modules: ChainModules = CHAIN_MODULES): InvitationTicket {
  if (typeof input !== 'string') return bad('it must be a string')
  const text = input.trim()
  const prefix = [PREFIX, PREFIX_V2, PREFIX_V1].find((p) => text.startsWith(p))
  if (prefix === undefined) return bad(/^moorinv[0-9]+\./.test(text) ? `this node reads ${PREFIX}, ${PREFIX_V2} and ${PREFIX_V1} strings; was it made by a newer version?` : `it must start with ${PREFIX}`)
  if (text.length > MAX_TEXT) return bad('it is too long')
  const payload = text.slice(prefix.length)
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) return bad('the payload is not base64url')
  let v: unknown
  try {
    v = decode(Buffer.from(payload, 'base64url'), { strict: true, allowUndefined: false, allowIndefinite: false, useMaps: false, rejectDuplicateMapKeys: true })
  } catch {
    return bad('the payload is not valid')
  }
  return prefix === PREFIX ? fromMap(v, modules) : fromArray(v, prefix === PREFIX_V1, modules)
}

function bad (why: string): never {
  throw new InvalidInputError(`not a Moorage invitation: ${why}`, { hint: 'pass the whole string printed by `moor context invite`' })
}

const isId = (x: unknown): x is Uint8Array => x instanceof Uint8Array && x.byteLength === 32
const isText = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= MAX_ADDR_LENGTH

function fromMap (v: unknown, modules: ChainModules): InvitationTicket {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) return bad('wrong shape')
  const f = v as Record<string, unknown>
  const unknown = Object.keys(f).find((k) => !FIELDS.includes(k))
  if (unknown !== undefined) return bad(`wrong shape: unknown field ${JSON.stringify(unknown.slice(0, 20))}`)
  if (f.kind === 'account') {
    // Wallet-account invitations are for off-chain contexts only (docs/wallets.md).
    if (f.invitee !== undefined || f.secret !== undefined || f.anchor !== undefined) return bad('wrong shape')
    return ticket(f.kind, f.context, f.invitation, f.account, f.role, f.expires, f.peers, undefined)
  }
  if (f.account !== undefined) return bad('wrong shape')
  const subject = f.kind === 'identity' ? f.invitee : f.secret
  if ((f.kind === 'identity' && f.secret !== undefined) || (f.kind === 'open' && f.invitee !== undefined)) return bad('wrong shape')
  let anchor: TicketAnchor | undefined
  if (f.anchor !== undefined) {
    const a = f.anchor as Record<string, unknown>
    if (typeof a !== 'object' || a === null || Array.isArray(a) || Object.keys(a).some((k) => !ANCHOR_FIELDS.includes(k))) return bad('wrong anchor')
    if (![a.kind, a.network, a.contract].every(isText) || (a.rpc !== undefined && !isText(a.rpc))) return bad('wrong anchor')
    const network = parseNetworkId(a.network as string)
    if (network === undefined) return bad('wrong anchor: the network is not a CAIP-2 id')
    anchor = chainAnchor(a.kind as string, network.reference, a.contract as string, a.rpc as string | undefined, modules, network.namespace)
  }
  return ticket(f.kind, f.context, f.invitation, subject, f.role, f.expires, f.peers, anchor)
}

function fromArray (v: unknown, v1: boolean, modules: ChainModules): InvitationTicket {
  if (!Array.isArray(v) || (v1 ? v.length !== 6 : v.length !== 7 && v.length !== 8)) return bad('wrong shape')
  const [kind, context, invitation, subject, role, expiresAt, peers, anchorField] = (v1 ? ['identity', ...v] : v) as unknown[]
  let anchor: TicketAnchor | undefined
  if (anchorField !== undefined) {
    const a = anchorField as unknown[]
    if (!Array.isArray(a) || a.length !== 4 || !a.every(isText)) return bad('wrong anchor')
    const [k, network, contract, rpc] = a as string[]
    anchor = chainAnchor(k!, network!, contract!, rpc, modules)
  }
  return ticket(kind, context, invitation, subject, role, expiresAt, peers, anchor)
}

function chainAnchor (kind: string, network: string, contract: string, rpc: string | undefined, modules: ChainModules, namespace?: string): TicketAnchor {
  const m = modules.find(kind)
  if (m === undefined) return bad(`unknown anchor ${JSON.stringify(kind.slice(0, 20))}`)
  if (namespace !== undefined && namespace !== m.namespace) return bad(`wrong anchor: a ${m.kind} network is under ${m.namespace}:, not ${namespace.slice(0, 8)}:`)
  const parsed = parseId(m.contract, contract)
  if (parsed === undefined) return bad(`wrong anchor: the contract is not ${m.contract.description}`)
  if (rpc !== undefined && !isRpcUrl(rpc)) return bad('wrong anchor: the endpoint is not an http(s) or ws(s) URL')
  return { kind: m.kind, network, contract: parsed, ...(rpc !== undefined ? { rpc } : {}) }
}

function ticket (kind: unknown, context: unknown, invitation: unknown, subject: unknown, role: unknown, expiresAt: unknown, peers: unknown, anchor: TicketAnchor | undefined): InvitationTicket {
  if (kind !== 'identity' && kind !== 'open' && kind !== 'account') return bad('unknown kind')
  if (!isId(context) || !isId(invitation)) return bad('ids must be 32 bytes')
  if (kind === 'account' ? typeof subject !== 'string' || subject.length > 256 || parseAccountId(subject) === undefined : !isId(subject)) return bad(kind === 'account' ? 'the account is not a CAIP-10 id' : 'ids must be 32 bytes')
  if (role !== 'member' && role !== 'reader') return bad('unknown role')
  if (!Number.isSafeInteger(expiresAt) || (expiresAt as number) <= 0) return bad('wrong expiry')
  if (!Array.isArray(peers) || peers.length > MAX_PEERS || !peers.every(isText)) return bad('wrong peer addresses')
  const base: TicketBase = { context, invitation, role, expiresAt: expiresAt as number, peers: peers as string[], ...(anchor !== undefined ? { anchor } : {}) }
  if (kind === 'account') return { kind, account: subject as string, ...base }
  return kind === 'identity' ? { kind, invitee: subject as Uint8Array, ...base } : { kind, secret: subject as Uint8Array, ...base }
}
