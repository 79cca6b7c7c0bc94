// Authenticated encryption for secrets at rest (and, later, context payloads):
// XChaCha20-Poly1305 with a random 24-byte nonce prepended to the ciphertext.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from 'node:crypto'
import { DecryptionError } from '../errors/index.ts'

const NONCE = 24

export function seal (key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(randomBytes(NONCE))
  const box = xchacha20poly1305(key, nonce, aad).encrypt(plaintext)
  const out = new Uint8Array(NONCE + box.length)
  out.set(nonce, 0)
  out.set(box, NONCE)
  return out
}

export function open (key: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  if (sealed.byteLength < NONCE + 16) throw new DecryptionError('sealed data is too short')
  try {
    return xchacha20poly1305(key, sealed.subarray(0, NONCE), aad).decrypt(sealed.subarray(NONCE))
  } catch (err) {
    throw new DecryptionError('could not decrypt: wrong key or tampered data', { cause: err })
  }
}
