// Canister signatures (the interface spec's "Canister signatures"; what Internet Identity
// signs delegations with): the public key names a canister and a seed, and a signature over
// a message m is a certificate by the root key, whose `canister/<id>/certified_data` is the
// root hash of a tree the signature carries, and that tree holds the path
// ["sig", sha256(seed), sha256(m)]. Nothing secret signs: the canister put that root into
// its certified data, and the subnet certified it (checked by certified-tree.ts).
import { Cbor, LookupPathStatus, type HashTree } from '@dfinity/agent'
import { Principal } from '@dfinity/principal'
import { sha256 } from '../../src/crypto/hash.ts'
import { CertifiedTreeError, verifyCertifiedTree } from './certified-tree.ts'

/** AlgorithmIdentifier { OID 1.3.6.1.4.1.56387.1.2 } in DER. */
const ALGORITHM = Buffer.from('300c060a2b0601040183b8430102', 'hex')
/** A canister id is at most 29 bytes; a seed of more than 64 bytes is refused (Internet Identity's are 32). */
const MAX_SEED = 64
const MAX_SIGNATURE = 8 * 1024

export interface CanisterSigKey { canister: Principal, seed: Uint8Array }

/** The canister and seed of a canister-signature public key in DER, or undefined for another kind of key. */
export function parseCanisterSigKey (der: Uint8Array): CanisterSigKey | undefined {
  // SEQUENCE { ALGORITHM, BIT STRING { 0 unused bits, len(id) ‖ id ‖ seed } }, short-form lengths.
  const b = Buffer.from(der)
  if (b.length < 4 + ALGORITHM.length + 3 || b[0] !== 0x30 || b[1] !== b.length - 2) return undefined
  if (!b.subarray(2, 2 + ALGORITHM.length).equals(ALGORITHM)) return undefined
  const bits = b.subarray(2 + ALGORITHM.length)
  if (bits[0] !== 0x03 || bits[1] !== bits.length - 2 || bits[2] !== 0x00) return undefined
  const body = bits.subarray(3)
  const idLength = body[0]!
  if (idLength === 0 || idLength > 29 || body.length < 1 + idLength || body.length - 1 - idLength > MAX_SEED) return undefined
  return { canister: Principal.fromUint8Array(new Uint8Array(body.subarray(1, 1 + idLength))), seed: new Uint8Array(body.subarray(1 + idLength)) }
}

/** The DER public key of canister `canister`'s signatures under `seed`. */
export function canisterSigKey (canister: Principal, seed: Uint8Array): Uint8Array {
  const id = canister.toUint8Array()
  const body = Buffer.concat([Buffer.from([id.length]), id, seed])
  const bits = Buffer.concat([Buffer.from([0x03, body.length + 1, 0x00]), body])
  if (ALGORITHM.length + bits.length > 127) throw new RangeError('the seed is too long for a canister-signature key')
  return new Uint8Array(Buffer.concat([Buffer.from([0x30, ALGORITHM.length + bits.length]), ALGORITHM, bits]))
}

/** The tree path a canister signature of `message` under `seed` proves. */
export function signaturePath (seed: Uint8Array, message: Uint8Array): Uint8Array[] {
  return [new TextEncoder().encode('sig'), sha256(seed), sha256(message)]
}

/**
 * Checks the canister signature `signature` (CBOR {certificate, tree}) by the key `key` over
 * `message` against the root key `rootKey` (DER), the certificate's time within
 * CERTIFICATE_SKEW_NS of `atNs`. Undefined when it holds, else why not.
 */
export async function verifyCanisterSignature (key: CanisterSigKey, message: Uint8Array, signature: Uint8Array, rootKey: Uint8Array, atNs: bigint): Promise<string | undefined> {
  if (signature.length > MAX_SIGNATURE) return `the canister signature is longer than ${MAX_SIGNATURE} bytes`
  let decoded: { certificate?: unknown, tree?: unknown }
  try { decoded = Cbor.decode(signature) } catch { return 'the canister signature is not CBOR {certificate, tree}' }
  if (typeof decoded !== 'object' || decoded === null || !(decoded.certificate instanceof Uint8Array) || !Array.isArray(decoded.tree)) return 'the canister signature is not CBOR {certificate, tree}'
  try {
    const certified = await verifyCertifiedTree('the canister signature', { certificate: decoded.certificate, tree: decoded.tree as HashTree, canister: key.canister, rootKey, atNs })
    const found = certified.lookup(signaturePath(key.seed, message))
    if (found.status !== LookupPathStatus.Found || found.value.length !== 0) return 'the canister signature\'s tree holds no signature of this message under this key\'s seed'
  } catch (e) {
    if (e instanceof CertifiedTreeError) return e.message
    throw e
  }
  return undefined
}
