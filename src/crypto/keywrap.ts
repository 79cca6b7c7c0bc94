// Wrapping a symmetric key for one X25519 key: an ephemeral X25519 key agrees a secret with
// it, HKDF-SHA256 derives a key-encryption key, and XChaCha20-Poly1305 seals the key with
// `aad` bound in. The one way keys travel: epoch shares go to an ed25519 identity (converted
// to X25519: birational map for the public key, the clamped SHA-512 half of the seed for the
// secret), generation secrets to a key pair made for one request (src/sync/ratchet/delivery.ts).
// Wire form: ephemeral public key (32) ‖ sealed (24-byte nonce ‖ ciphertext ‖ tag).
import { createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto'
import { DecryptionError } from '../errors/index.ts'
import { concatBytes, utf8 } from './bytes.ts'
import { open, seal } from './secretbox.ts'

const P = (1n << 255n) - 19n

function mod (a: bigint): bigint {
  const r = a % P
  return r < 0n ? r + P : r
}

function pow (b: bigint, e: bigint): bigint {
  let r = 1n
  b = mod(b)
  while (e > 0n) {
    if ((e & 1n) === 1n) r = mod(r * b)
    b = mod(b * b)
    e >>= 1n
  }
  return r
}

function leToBig (b: Uint8Array): bigint {
  let n = 0n
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!)
  return n
}

function bigToLe (n: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) { out[i] = Number(n & 0xffn); n >>= 8n }
  return out
}

/** X25519 public key (u coordinate) of an ed25519 public key: u = (1 + y) / (1 - y). */
export function x25519PublicFromEd25519 (publicKey: Uint8Array): Uint8Array {
  const yBytes = new Uint8Array(publicKey)
  yBytes[31]! &= 0x7f
  const y = leToBig(yBytes)
  return bigToLe(mod((1n + y) * pow(1n - y, P - 2n)))
}

/** X25519 secret scalar of an ed25519 seed: the first half of SHA-512(seed), clamped. */
export function x25519SecretFromEd25519 (seed: Uint8Array): Uint8Array {
  const h = createHash('sha512').update(seed).digest().subarray(0, 32)
  const s = new Uint8Array(h)
  s[0]! &= 248
  s[31]! &= 127
  s[31]! |= 64
  return s
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url')

function x25519Private (secret: Uint8Array): KeyObject {
  // Node derives the public part itself from `d`; `x` is required by the JWK format.
  const pub = createPublicKey(createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), secret]), format: 'der', type: 'pkcs8' }))
  const x = pub.export({ format: 'jwk' }).x!
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64(secret), x }, format: 'jwk' })
}

function x25519Public (u: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64(u) }, format: 'jwk' })
}

const INFO = utf8('moorage:keywrap:v1')

function kek (shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', shared, concatBytes(ephemeral, recipient), INFO, 32))
}

/** A fresh X25519 key pair (raw 32-byte public u coordinate and secret scalar). */
export function x25519KeyPair (): { publicKey: Uint8Array, secretKey: Uint8Array } {
  const kp = generateKeyPairSync('x25519')
  const jwk = kp.privateKey.export({ format: 'jwk' })
  return { publicKey: new Uint8Array(Buffer.from(jwk.x!, 'base64url')), secretKey: new Uint8Array(Buffer.from(jwk.d!, 'base64url')) }
}

/**
 * Wraps `key` for the X25519 public key `recipient`; `bind` (the recipient's name for it)
 * goes into the key-encryption key with the ephemeral key, `aad` into the seal.
 */
export function wrapForX25519 (key: Uint8Array, recipient: Uint8Array, bind: Uint8Array, aad: Uint8Array): Uint8Array {
  // The ephemeral key is used as generated (no export and re-import of its secret).
  const eph = generateKeyPairSync('x25519')
  const ephPub = new Uint8Array(Buffer.from(eph.publicKey.export({ format: 'jwk' }).x!, 'base64url'))
  let shared: Uint8Array
  try {
    shared = new Uint8Array(diffieHellman({ privateKey: eph.privateKey, publicKey: x25519Public(recipient) }))
  } catch (err) {
    throw new DecryptionError('the recipient key is not a usable X25519 public key', { cause: err })
  }
  return concatBytes(ephPub, seal(kek(shared, ephPub, bind), key, aad))
}

/** Unwraps what `wrapForX25519` wrapped for the holder of the X25519 scalar `secretKey`. */
export function unwrapWithX25519 (wrapped: Uint8Array, secretKey: Uint8Array, bind: Uint8Array, aad: Uint8Array): Uint8Array {
  if (wrapped.byteLength < 32 + 24 + 16) throw new DecryptionError('wrapped key is too short')
  const ephPub = wrapped.subarray(0, 32)
  let shared: Uint8Array
  try {
    shared = new Uint8Array(diffieHellman({ privateKey: x25519Private(secretKey), publicKey: x25519Public(ephPub) }))
  } catch (err) {
    throw new DecryptionError('wrapped key has an invalid ephemeral key', { cause: err })
  }
  return open(kek(shared, ephPub, bind), wrapped.subarray(32), aad)
}

/** Wraps `key` so only the holder of the ed25519 identity `recipient` can unwrap it. */
export function wrapKey (key: Uint8Array, recipient: Uint8Array, aad: Uint8Array): Uint8Array {
  return wrapForX25519(key, x25519PublicFromEd25519(recipient), recipient, aad)
}

/** Unwraps a key wrapped for the identity whose ed25519 seed is `secretKey`. */
export function unwrapKey (wrapped: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array, aad: Uint8Array): Uint8Array {
  return unwrapWithX25519(wrapped, x25519SecretFromEd25519(secretKey), publicKey, aad)
}
