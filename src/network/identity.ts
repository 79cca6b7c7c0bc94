// The node's libp2p identity from a 32-byte ed25519 seed, derived synchronously (node:crypto
// computes the public key) so a Network knows its peer id before it starts.
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { keyPairFromSeed, sign } from '../crypto/ed25519.ts'
import { InvalidInputError } from '../errors/index.ts'

export function privateKeyFromSeed (seed: Uint8Array): PrivateKey {
  if (!(seed instanceof Uint8Array) || seed.byteLength !== 32) {
    throw new InvalidInputError('the network seed must be 32 bytes', { details: `got ${seed instanceof Uint8Array ? `${seed.byteLength} bytes` : typeof seed}` })
  }
  const { publicKey } = keyPairFromSeed(seed)
  // libp2p's raw ed25519 private key is seed || public key (64 bytes).
  const raw = new Uint8Array(64)
  raw.set(seed, 0)
  raw.set(publicKey, 32)
  const key = privateKeyFromRaw(raw)
  // libp2p's own signing imports the key from JWK on every call (~4× the signature itself):
  // gossipsub signs every message it publishes, so the key object is made once (and cached).
  key.sign = (message) => sign(seed, message instanceof Uint8Array ? message : message.subarray())
  return key
}

/** The peer id (base58btc string) that a seed gives. */
export function peerIdFromSeed (seed: Uint8Array): string {
  return peerIdFromPrivateKey(privateKeyFromSeed(seed)).toString()
}
