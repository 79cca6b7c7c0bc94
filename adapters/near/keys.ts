// NEAR keys as near-api-js writes them: `ed25519:<base58 of the 64-byte secret key>`
// (the 32-byte seed, then the public key). No client library is loaded here.
import { keyPairFromSeed } from '../../src/crypto/ed25519.ts'
import { base58Decode, base58Encode } from './base58.ts'

const KEY_RE = /^ed25519:[1-9A-HJ-NP-Za-km-z]{80,90}$/

/** The key in its stored form, or undefined when `text` is not an ed25519 NEAR secret key whose halves agree. */
export function parseSecretKey (text: string): string | undefined {
  const t = text.trim()
  if (!KEY_RE.test(t)) return undefined
  let bytes: Uint8Array
  try { bytes = base58Decode(t.slice('ed25519:'.length)) } catch { return undefined }
  if (bytes.length !== 64) return undefined
  const pub = keyPairFromSeed(bytes.subarray(0, 32)).publicKey
  return Buffer.from(pub).equals(Buffer.from(bytes.subarray(32))) ? t : undefined
}

/** The secret key of a 32-byte seed. */
export function secretKeyFromSeed (seed: Uint8Array): string {
  const pub = keyPairFromSeed(seed).publicKey
  return `ed25519:${base58Encode(new Uint8Array([...seed, ...pub]))}`
}

/** `ed25519:<base58 public key>` of a secret key. */
export function publicKeyOf (secretKey: string): string {
  const bytes = base58Decode(secretKey.slice('ed25519:'.length))
  return `ed25519:${base58Encode(bytes.subarray(32))}`
}
