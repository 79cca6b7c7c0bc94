// The secretbox is XChaCha20-Poly1305, on Node's cipher from NATIVE_FROM bytes: what it
// seals opens with the JavaScript implementation and the other way round, on both sides of
// the threshold (the wire and the keys at rest stay as they were), and tampering with any
// part is refused.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { NATIVE_FROM, open, seal } from '../../src/crypto/secretbox.ts'

const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

describe('secretbox', () => {
  it('matches XChaCha20-Poly1305 both ways, with and without associated data, at every size', () => {
    for (const size of [0, 1, 63, 64, 65, 1000, NATIVE_FROM - 1, NATIVE_FROM, NATIVE_FROM + 1, 300_000]) {
      for (const aad of [undefined, bytes(0), bytes(40)]) {
        const key = bytes(32)
        const plain = bytes(size)
        const sealed = seal(key, plain, aad)
        assert.equal(sealed.byteLength, 24 + size + 16)
        assert.deepEqual(xchacha20poly1305(key, sealed.subarray(0, 24), aad).decrypt(sealed.subarray(24)), plain)
        const nonce = bytes(24)
        const reference = new Uint8Array([...nonce, ...xchacha20poly1305(key, nonce, aad).encrypt(plain)])
        assert.deepEqual(open(key, reference, aad), plain)
      }
    }
  })

  it('refuses a wrong key, other associated data and any flipped byte', () => {
    const key = bytes(32)
    const aad = bytes(12)
    for (const size of [100, NATIVE_FROM + 100]) {
      const sealed = seal(key, bytes(size), aad)
      assert.throws(() => open(bytes(32), sealed, aad), /could not decrypt/)
      assert.throws(() => open(key, sealed, bytes(12)), /could not decrypt/)
      assert.throws(() => open(key, sealed), /could not decrypt/)
      for (const at of [0, 23, 24, 80, sealed.byteLength - 1]) {
        const tampered = new Uint8Array(sealed)
        tampered[at]! ^= 1
        assert.throws(() => open(key, tampered, aad), /could not decrypt/)
      }
    }
    const sealed = seal(key, bytes(100), aad)
    assert.throws(() => open(key, sealed.subarray(0, 39), aad), /too short/)
  })
})
