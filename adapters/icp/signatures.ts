// ICP's signatures by DER public key, and delegation chains, as the replica checks them: the
// devnet's envelope check (devnet/auth.ts) and the wallet-link verifier (wallet/verifier.ts)
// both use this. Keys are ed25519, ECDSA secp256k1 or ECDSA P-256 (over sha256 of the
// message) in DER; a delegation's signature covers "\x1Aic-request-auth-delegation" ‖
// request id of {pubkey, expiration, targets?}, by the key before it in the chain.
import { IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR, requestIdOf } from '@dfinity/agent'
import { Principal } from '@dfinity/principal'
import { p256 } from '@noble/curves/p256'
import { secp256k1 } from '@noble/curves/secp256k1'
import { verify as ed25519Verify } from '../../src/crypto/ed25519.ts'
import { sha256 } from '../../src/crypto/hash.ts'

export const MAX_DELEGATIONS = 20
const MAX_TARGETS = 1000

const ED25519_DER = Buffer.from('302a300506032b6570032100', 'hex')
const SECP256K1_DER = Buffer.from('3056301006072a8648ce3d020106052b8104000a034200', 'hex')
const P256_DER = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex')

export interface SignedDelegation { delegation: { pubkey: Uint8Array, expiration: bigint | number, targets?: Uint8Array[] }, signature: Uint8Array }

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array
const isNat = (v: unknown): v is bigint | number => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && v >= 0)

/** Whether `signature` by the DER key `der` holds over `message`; 'unsupported' for another kind of key (canister signatures, say). */
export function verifyDerSignature (der: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean | 'unsupported' {
  const starts = (p: Buffer): boolean => der.length > p.length && Buffer.from(der.subarray(0, p.length)).equals(p)
  try {
    if (starts(ED25519_DER) && der.length === 44) return ed25519Verify(der.subarray(12), message, signature)
    if (starts(SECP256K1_DER) && der.length === 88) return secp256k1.verify(signature, sha256(message), der.subarray(23), { lowS: false })
    if (starts(P256_DER) && der.length === 91) return p256.verify(signature, sha256(message), der.subarray(26), { lowS: false })
  } catch {
    return false
  }
  return 'unsupported'
}

/** What the key before a delegation signs: the domain separator ‖ the request id of the delegation. */
export function delegationMessage (delegation: SignedDelegation['delegation']): Uint8Array {
  return new Uint8Array([...IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR, ...requestIdOf(delegation)])
}

/**
 * Follows `delegations` from the root key `root`: each signed by the key before it,
 * unexpired at `nowNs`, and, where it names targets, naming `target`. The key the chain
 * ends at, or why it does not hold (`status` 400 for a malformed chain, 403 for one that
 * does not authorise). `firstChecked`: the caller has checked the first delegation's
 * signature itself (a canister signature, which needs a certificate and a root key).
 */
export function followDelegations (root: Uint8Array, delegations: unknown, nowNs: bigint, target: Uint8Array | undefined, firstChecked = false): { key: Uint8Array } | { status: 400 | 403, why: string } {
  let key = root
  if (delegations === undefined) return { key }
  if (!Array.isArray(delegations) || delegations.length > MAX_DELEGATIONS) return { status: 400, why: `the delegation chain is not an array of at most ${MAX_DELEGATIONS} delegations` }
  for (const [i, d] of (delegations as SignedDelegation[]).entries()) {
    const del = d?.delegation
    if (typeof del !== 'object' || del === null || !isBytes(del.pubkey) || !isNat(del.expiration) || !isBytes(d.signature)) return { status: 400, why: `delegation ${i} is malformed` }
    const ok = firstChecked && i === 0 ? true : verifyDerSignature(key, delegationMessage(del), d.signature)
    if (ok === 'unsupported') return { status: 400, why: `the key that signs delegation ${i} is not an ed25519, secp256k1 or P-256 key in DER` }
    if (!ok) return { status: 403, why: `delegation ${i} has an invalid signature` }
    if (BigInt(del.expiration) < nowNs) return { status: 403, why: `delegation ${i} expired at ${del.expiration} (now ${nowNs})` }
    if (del.targets !== undefined) {
      if (!Array.isArray(del.targets) || del.targets.length > MAX_TARGETS || !del.targets.every(isBytes)) return { status: 400, why: `delegation ${i} has malformed targets` }
      if (target === undefined || !del.targets.some((t) => Buffer.from(t).equals(Buffer.from(target)))) {
        return { status: 403, why: `delegation ${i} does not allow canister ${target === undefined ? '(none)' : Principal.fromUint8Array(target).toText()}: its targets are ${del.targets.map((t) => Principal.fromUint8Array(t).toText()).join(', ')}` }
      }
    }
    key = del.pubkey
  }
  return { key }
}
