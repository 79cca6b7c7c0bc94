// The invitation string handed to an invitee out of band:
//   "moorinv2." + base64url(CBOR [kind, context, invitation id, subject, role,
//                                 expires at (ms), peer multiaddrs])
//   kind "identity": subject = the invitee's public key (an identity its node holds)
//   kind "open":     subject = the 32-byte invitation secret; the invitation key is
//                    keyPairFromSeed(sha256(secret)), and whoever holds the string may claim
// A chain-anchored context's string has an eighth field, the anchor: [kind, network,
// contract, rpc] (the joiner claims on that chain, through that endpoint).
// "moorinv1." strings (identity-bound, written before open invitations: the same fields
// without the kind) are still read.
// An identity-bound string carries no authority of its own: the invitation lives in the
// context's governance log, which the joiner fetches and verifies (the context id is bound
// to its creator). An open string is a bearer secret: treat it like a password.
import { decode, encode } from 'cborg'
import { keyPairFromSeed, type KeyPair } from '../crypto/ed25519.ts'
import { sha256 } from '../crypto/hash.ts'
import { InvalidInputError } from '../errors/index.ts'
import { isChainKind, type ChainAnchorRef } from './chain/registry.ts'
import { isEvmAddress, isRpcUrl } from './config.ts'

const PREFIX_V1 = 'moorinv1.'
const PREFIX = 'moorinv2.'
const MAX_PEERS = 32
const MAX_ADDR_LENGTH = 512

interface TicketBase {
  context: Uint8Array
  invitation: Uint8Array
  role: 'member' | 'reader'
  expiresAt: number
  peers: string[]
  /** Set for a chain-anchored context. */
  anchor?: ChainAnchorRef
}

export interface IdentityTicket extends TicketBase {
  kind: 'identity'
  invitee: Uint8Array
}

export interface OpenTicket extends TicketBase {
  kind: 'open'
  secret: Uint8Array
}

export type InvitationTicket = IdentityTicket | OpenTicket

/** The key pair of an open invitation: its public key is recorded in the log, its secret key signs claims. */
export function openInvitationKey (secret: Uint8Array): KeyPair {
  return keyPairFromSeed(sha256(secret))
}

export function encodeTicket (t: InvitationTicket): string {
  const subject = t.kind === 'identity' ? t.invitee : t.secret
  const fields: unknown[] = [t.kind, t.context, t.invitation, subject, t.role, t.expiresAt, t.peers]
  if (t.anchor !== undefined) fields.push([t.anchor.kind, t.anchor.network, t.anchor.contract, t.anchor.rpc])
  return PREFIX + Buffer.from(encode(fields)).toString('base64url')
}

export function decodeTicket (input: string): InvitationTicket {
  const bad = (why: string): never => { throw new InvalidInputError(`not a Moorage invitation: ${why}`, { hint: 'pass the whole string printed by `moor context invite`' }) }
  if (typeof input !== 'string') return bad('it must be a string')
  const text = input.trim()
  const v1 = text.startsWith(PREFIX_V1)
  if (!v1 && !text.startsWith(PREFIX)) return bad(`it must start with ${PREFIX}`)
  const payload = text.slice(PREFIX.length)
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) return bad('the payload is not base64url')
  let v: unknown
  try {
    v = decode(Buffer.from(payload, 'base64url'), { strict: true, allowUndefined: false, allowIndefinite: false, useMaps: false, rejectDuplicateMapKeys: true })
  } catch {
    return bad('the payload is not valid')
  }
  if (!Array.isArray(v) || (v1 ? v.length !== 6 : v.length !== 7 && v.length !== 8)) return bad('wrong shape')
  const fields = (v1 ? ['identity', ...v] : v) as unknown[]
  const [kind, context, invitation, subject, role, expiresAt, peers, anchorField] = fields
  const id = (x: unknown): x is Uint8Array => x instanceof Uint8Array && x.byteLength === 32
  if (kind !== 'identity' && kind !== 'open') return bad('unknown kind')
  if (!id(context) || !id(invitation) || !id(subject)) return bad('ids must be 32 bytes')
  if (role !== 'member' && role !== 'reader') return bad('unknown role')
  if (!Number.isSafeInteger(expiresAt) || (expiresAt as number) <= 0) return bad('wrong expiry')
  if (!Array.isArray(peers) || peers.length > MAX_PEERS || !peers.every((p) => typeof p === 'string' && p.length > 0 && p.length <= MAX_ADDR_LENGTH)) return bad('wrong peer addresses')
  let anchor: ChainAnchorRef | undefined
  if (anchorField !== undefined) {
    const a = anchorField as unknown[]
    const text = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= MAX_ADDR_LENGTH
    if (!Array.isArray(a) || a.length !== 4 || !a.every(text)) return bad('wrong anchor')
    const [k, network, contract, rpc] = a as string[]
    if (!isChainKind(k!)) return bad(`unknown anchor ${k!.slice(0, 20)}`)
    if (!isEvmAddress(contract) || !isRpcUrl(rpc)) return bad('wrong anchor')
    anchor = { kind: k, network: network!, contract: contract!, rpc: rpc! }
  }
  const base: TicketBase = { context, invitation, role, expiresAt: expiresAt as number, peers: peers as string[], ...(anchor !== undefined ? { anchor } : {}) }
  return kind === 'identity' ? { kind, invitee: subject, ...base } : { kind, secret: subject, ...base }
}
