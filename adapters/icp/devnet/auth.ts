// Checks an ingress envelope as the replica does before anything runs: the content's
// fields, the ingress_expiry window, the sender (anonymous, or the self-authenticating
// principal of sender_pubkey), the delegation chain (each link signed by the key before it,
// unexpired, and its targets naming the canister) and the sender signature over
// "\x0Aic-request" ‖ request id. Keys are ed25519, ECDSA secp256k1 or ECDSA P-256 in DER;
// canister-signature keys are not accepted.
import { IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR, IC_REQUEST_DOMAIN_SEPARATOR, requestIdOf } from '@dfinity/agent'
import { Principal } from '@dfinity/principal'
import { secp256k1 } from '@noble/curves/secp256k1'
import { p256 } from '@noble/curves/p256'
import { verify as ed25519Verify } from '../../../src/crypto/ed25519.ts'
import { sha256 } from '../../../src/crypto/hash.ts'

/** The longest ingress_expiry ahead of now the replica takes: 5 minutes plus its 60 s drift. */
export const MAX_INGRESS_AHEAD_NS = 360_000_000_000n
const MAX_DELEGATIONS = 20
const MAX_TARGETS = 1000

const ED25519_DER = Buffer.from('302a300506032b6570032100', 'hex')
const SECP256K1_DER = Buffer.from('3056301006072a8648ce3d020106052b8104000a034200', 'hex')
const P256_DER = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex')

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

interface SignedDelegation { delegation: { pubkey: Uint8Array, expiration: bigint | number, targets?: Uint8Array[] }, signature: Uint8Array }

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array
const isNat = (v: unknown): v is bigint | number => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && v >= 0)

function verifySignature (der: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const starts = (p: Buffer): boolean => der.length > p.length && Buffer.from(der.subarray(0, p.length)).equals(p)
  try {
    if (starts(ED25519_DER) && der.length === 44) return ed25519Verify(der.subarray(12), message, signature)
    if (starts(SECP256K1_DER) && der.length === 88) return secp256k1.verify(signature, sha256(message), der.subarray(23), { lowS: false })
    if (starts(P256_DER) && der.length === 91) return p256.verify(signature, sha256(message), der.subarray(26), { lowS: false })
  } catch {
    return false
  }
  throw new Refused(400, 'the sender public key is not an ed25519, secp256k1 or P-256 key in DER (canister signatures are not supported by the devnet)')
}

/**
 * The request id and sender of `envelope`, or Refused. `canister` is the effective canister
 * the request goes to (delegation targets must name it); undefined for a subnet read_state.
 */
export function authenticate (envelope: unknown, nowNs: bigint, requestType: string, canister: Uint8Array | undefined): Authenticated {
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
  const expiry = BigInt(content.ingress_expiry)
  if (expiry < nowNs || expiry > nowNs + MAX_INGRESS_AHEAD_NS) {
    throw new Refused(400, `Invalid request expiry: Specified ingress_expiry not within expected range: Minimum allowed expiry: ${nowNs}, Maximum allowed expiry: ${nowNs + MAX_INGRESS_AHEAD_NS}, Provided expiry: ${expiry}`)
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
  let key = pubkey
  if (delegations !== undefined) {
    if (!Array.isArray(delegations) || delegations.length > MAX_DELEGATIONS) throw new Refused(400, `sender_delegation is not an array of at most ${MAX_DELEGATIONS} delegations`)
    for (const [i, d] of (delegations as SignedDelegation[]).entries()) {
      const del = d?.delegation
      if (typeof del !== 'object' || del === null || !isBytes(del.pubkey) || !isNat(del.expiration) || !isBytes(d.signature)) throw new Refused(400, `delegation ${i} is malformed`)
      if (!verifySignature(key, new Uint8Array([...IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR, ...requestIdOf(del)]), d.signature)) throw new Refused(403, `delegation ${i} has an invalid signature`)
      if (BigInt(del.expiration) < nowNs) throw new Refused(403, `delegation ${i} expired at ${del.expiration} (now ${nowNs})`)
      if (del.targets !== undefined) {
        if (!Array.isArray(del.targets) || del.targets.length > MAX_TARGETS || !del.targets.every(isBytes)) throw new Refused(400, `delegation ${i} has malformed targets`)
        if (canister === undefined || !del.targets.some((t) => Buffer.from(t).equals(Buffer.from(canister)))) {
          throw new Refused(403, `delegation ${i} does not allow canister ${canister === undefined ? '(none)' : Principal.fromUint8Array(canister).toText()}: its targets are ${del.targets.map((t) => Principal.fromUint8Array(t).toText()).join(', ')}`)
        }
      }
      key = del.pubkey
    }
  }
  if (!verifySignature(key, new Uint8Array([...IC_REQUEST_DOMAIN_SEPARATOR, ...requestId]), sig)) throw new Refused(403, 'the sender signature does not verify')
  return { requestId, sender, content }
}
