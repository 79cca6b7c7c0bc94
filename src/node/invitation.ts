// The invitation string handed to an invitee out of band:
//   "moorinv1." + base64url(CBOR [context, invitation id, invitee identity, role,
//                                 expires at (ms), peer multiaddrs])
// It carries no authority of its own: the invitation lives in the context's governance
// log, which the joiner fetches and verifies (the context id is bound to its creator).
import { decode, encode } from 'cborg'
import { InvalidInputError } from '../errors/index.ts'

const PREFIX = 'moorinv1.'

export interface InvitationTicket {
  context: Uint8Array
  invitation: Uint8Array
  invitee: Uint8Array
  role: 'member' | 'reader'
  expiresAt: number
  peers: string[]
}

export function encodeTicket (t: InvitationTicket): string {
  return PREFIX + Buffer.from(encode([t.context, t.invitation, t.invitee, t.role, t.expiresAt, t.peers])).toString('base64url')
}

export function decodeTicket (text: string): InvitationTicket {
  const bad = (why: string): never => { throw new InvalidInputError(`not a Moorage invitation: ${why}`, { hint: 'pass the whole string printed by `moor context invite`' }) }
  if (typeof text !== 'string' || !text.startsWith(PREFIX)) bad(`it must start with ${PREFIX}`)
  let v: unknown
  try {
    v = decode(Buffer.from(text.slice(PREFIX.length), 'base64url'), { strict: true })
  } catch {
    return bad('the payload is not valid')
  }
  if (!Array.isArray(v) || v.length !== 6) return bad('wrong shape')
  const [context, invitation, invitee, role, expiresAt, peers] = v as unknown[]
  const id = (x: unknown): x is Uint8Array => x instanceof Uint8Array && x.byteLength === 32
  if (!id(context) || !id(invitation) || !id(invitee)) return bad('ids must be 32 bytes')
  if (role !== 'member' && role !== 'reader') return bad('unknown role')
  if (typeof expiresAt !== 'number' || !Array.isArray(peers) || !peers.every((p) => typeof p === 'string')) return bad('wrong field types')
  return { context, invitation, invitee, role, expiresAt, peers: peers as string[] }
}
