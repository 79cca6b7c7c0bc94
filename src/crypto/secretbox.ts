// Authenticated encryption for secrets at rest and context payloads: XChaCha20-Poly1305
// with a random 24-byte nonce prepended to the ciphertext. From NATIVE_FROM bytes on, the
// cipher is Node's (OpenSSL's) ChaCha20-Poly1305 under the HChaCha20 subkey of the key and
// the nonce's first 16 bytes, with the nonce's last 8 as its IV — the same construction,
// several times faster on the megabytes of a catch-up; below, where setting up Node's
// cipher costs more than the cipher, the JavaScript XChaCha20-Poly1305 (a gossiped delta).
import { hchacha, xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { DecryptionError } from '../errors/index.ts'

const NONCE = 24
const TAG = 16
const EMPTY = new Uint8Array(0)
/** Payloads from this size on go through Node's cipher (measured: about the break-even point). */
export const NATIVE_FROM = 4096
/** "expand 32-byte k" as four little-endian words. */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574])

/** The ChaCha20-Poly1305 key and IV an XChaCha20-Poly1305 key and nonce stand for (little-endian words, as on every platform Node runs Moorage on). */
function derive (key: Uint8Array, nonce: Uint8Array): { subkey: Uint8Array, iv: Uint8Array } {
  if (key.byteLength !== 32) throw new RangeError('a secretbox key is 32 bytes')
  const k = new Uint32Array(8)
  new Uint8Array(k.buffer).set(key)
  const n = new Uint32Array(4)
  new Uint8Array(n.buffer).set(nonce.subarray(0, 16))
  const out = new Uint32Array(8)
  hchacha(SIGMA, k, n, out)
  const iv = new Uint8Array(12)
  iv.set(nonce.subarray(16, NONCE), 4)
  return { subkey: new Uint8Array(out.buffer), iv }
}

export function seal (key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(randomBytes(NONCE))
  if (plaintext.byteLength < NATIVE_FROM) {
    const box = xchacha20poly1305(key, nonce, aad).encrypt(plaintext)
    const out = new Uint8Array(NONCE + box.length)
    out.set(nonce, 0)
    out.set(box, NONCE)
    return out
  }
  const { subkey, iv } = derive(key, nonce)
  const cipher = createCipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG })
  cipher.setAAD(aad ?? EMPTY, { plaintextLength: plaintext.byteLength })
  const out = new Uint8Array(NONCE + plaintext.byteLength + TAG)
  out.set(nonce, 0)
  out.set(cipher.update(plaintext), NONCE)
  cipher.final()
  out.set(cipher.getAuthTag(), NONCE + plaintext.byteLength)
  subkey.fill(0)
  return out
}

export function open (key: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  if (sealed.byteLength < NONCE + TAG) throw new DecryptionError('sealed data is too short')
  if (sealed.byteLength - NONCE - TAG < NATIVE_FROM) {
    try {
      return xchacha20poly1305(key, sealed.subarray(0, NONCE), aad).decrypt(sealed.subarray(NONCE))
    } catch (err) {
      throw new DecryptionError('could not decrypt: wrong key or tampered data', { cause: err })
    }
  }
  const { subkey, iv } = derive(key, sealed.subarray(0, NONCE))
  try {
    const decipher = createDecipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG })
    decipher.setAuthTag(sealed.subarray(sealed.byteLength - TAG))
    decipher.setAAD(aad ?? EMPTY, { plaintextLength: sealed.byteLength - NONCE - TAG })
    const plain = decipher.update(sealed.subarray(NONCE, sealed.byteLength - TAG))
    decipher.final()
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength)
  } catch (err) {
    throw new DecryptionError('could not decrypt: wrong key or tampered data', { cause: err })
  } finally {
    subkey.fill(0)
  }
}
