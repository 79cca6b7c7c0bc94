// Checks an ingress envelope as the replica does before anything runs: the content's
// fields, the ingress_expiry window, the sender (anonymous, or the self-authenticating
// principal of sender_pubkey), the delegation chain (each link signed by the key before it,
// unexpired, and its targets naming the canister) and the sender signature over
// "\x0Aic-request" ‖ request id. Keys are ed25519, ECDSA secp256k1 or ECDSA P-256 in DER,
// and at the root a canister-signature key (Internet Identity's principals), whose signature
// of the first delegation (or of the request) is a certificate by this devnet's root key.
import { IC_REQUEST_DOMAIN_SEPARATOR, requestIdOf } from '@dfinity/agent'
import { Principal } from '@dfinity/principal'
import { verifySignedBy } from '../signed-by.ts'

/** The longest ingress_expiry ahead of now the replica takes: 5 minutes plus its 60 s drift. */
export const MAX_INGRESS_AHEAD_NS = 360_000_000_000n

/** A refused request: the HTTP status and the text body the replica answers with. */
export class Refused extends Error {
  override name = 'Refused'
  readonly status: number
  constructor (status: number, message: string) {
    super(message)
    this.status = status
  }
}

export interface Authenticated {
  requestId: Uint8Array
  sender: Uint8Array
  content: Record<string, unknown>
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array
const isNat = (v: unknown): v is bigint | number => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && v >= 0)

/**
 * The request id and sender of `envelope`, or Refused. `canister` is the effective canister
 * the request goes to (delegation targets must name it); undefined for a subnet read_state.
 * `rootKey` (DER) checks canister signatures. `wallNs` is the wall clock, when the replica's
 * clock is pinned apart from it.
 */
export async function authenticate (envelope: unknown, nowNs: bigint, requestType: string, canister: Uint8Array | undefined, rootKey: Uint8Array, wallNs = nowNs): Promise<Authenticated> {
  if (typeof envelope !== 'object' || envelope === null) throw new Refused(400, 'the body is not a CBOR map')
  const env = envelope as Record<string, unknown>
  const content = env.content as Record<string, unknown> | undefined
  if (typeof content !== 'object' || content === null) throw new Refused(400, 'the envelope has no content')
  if (content.request_type !== requestType) throw new Refused(400, `request_type is ${String(content.request_type)}, this endpoint takes ${requestType}`)
  if (!isBytes(content.sender)) throw new Refused(400, 'content.sender is not a principal')
  if (!isNat(content.ingress_expiry)) throw new Refused(400, 'content.ingress_expiry is not a nat')
  if (requestType !== 'read_state') {
    if (!isBytes(content.canister_id)) throw new Refused(400, 'content.canister_id is not a principal')
    if (typeof content.method_name !== 'string') throw new Refused(400, 'content.method_name is not text')
    if (!isBytes(content.arg)) throw new Refused(400, 'content.arg is not a blob')
  } else if (!Array.isArray(content.paths)) throw new Refused(400, 'content.paths is not an array')
  // Agents stamp the expiry by their own clock: while a test pins the replica's clock
  // behind the wall clock (Subnet.pinClock), the window spans both.
  const expiry = BigInt(content.ingress_expiry)
  const earliest = nowNs < wallNs ? nowNs : wallNs
  const latest = (nowNs > wallNs ? nowNs : wallNs) + MAX_INGRESS_AHEAD_NS
  if (expiry < earliest || expiry > latest) {
    throw new Refused(400, `Invalid request expiry: Specified ingress_expiry not within expected range: Minimum allowed expiry: ${earliest}, Maximum allowed expiry: ${latest}, Provided expiry: ${expiry}`)
  }
  let requestId: Uint8Array
  try { requestId = requestIdOf(content) } catch (e) { throw new Refused(400, `the content cannot be hashed: ${(e as Error).message}`) }
  const sender = content.sender
  const anonymous = sender.length === 1 && sender[0] === 4
  const { sender_pubkey: pubkey, sender_sig: sig, sender_delegation: delegations } = env
  if (anonymous) {
    if (pubkey !== undefined || sig !== undefined || delegations !== undefined) throw new Refused(400, 'an anonymous request carries no key, signature or delegation')
    return { requestId, sender, content }
  }
  if (!isBytes(pubkey) || !isBytes(sig)) throw new Refused(403, 'the request is not signed: a non-anonymous sender needs sender_pubkey and sender_sig')
  const expected = Principal.selfAuthenticating(pubkey).toUint8Array()
  if (!Buffer.from(expected).equals(Buffer.from(sender))) throw new Refused(403, `the sender ${Principal.fromUint8Array(sender).toText()} is not the principal of sender_pubkey (${Principal.fromUint8Array(expected).toText()})`)
  const r = await verifySignedBy({ publicKey: pubkey, delegations, message: new Uint8Array([...IC_REQUEST_DOMAIN_SEPARATOR, ...requestId]), signature: sig, atNs: nowNs, target: canister, rootKey: async () => rootKey })
  if (r.ok) return { requestId, sender, content }
  if (r.part === 'canister-signature') throw new Refused(403, `the sender's canister signature does not hold: ${r.why}`)
  if (r.part === 'delegations') throw new Refused(r.status, r.why)
  if (r.unsupported) throw new Refused(400, 'the sender public key is not an ed25519, secp256k1 or P-256 key in DER (a canister-signature key signs only as the root)')
  throw new Refused(403, 'the sender signature does not verify')
}
