// The key schedule of an epoch (docs/encryption.md). From the epoch secret, by HKDF-SHA256:
// one sending chain per member and node start (info names the member's identity and
// the chain's random id) and the epoch's frame
// key (catch-up stream frames and heartbeats). A chain is a hash ratchet: message key
// i = HMAC(chain key i, 0x01), chain key i+1 = HMAC(chain key i, 0x02). Stepping forward
// is cheap, stepping back impossible: once chain key i is overwritten, messages before i
// cannot be opened from what remains.
import { hkdf } from '@noble/hashes/hkdf'
import { hmac } from '@noble/hashes/hmac'
import { sha256 } from '@noble/hashes/sha2'
import { concatBytes, utf8 } from '../../crypto/bytes.ts'

const MESSAGE = Uint8Array.of(1)
const NEXT = Uint8Array.of(2)

/** The first chain key of `sender`'s sending chain `chain` (a random id) in the epoch of `epochSecret`. */
export function chainStart (epochSecret: Uint8Array, context: Uint8Array, sender: Uint8Array, chain: Uint8Array): Uint8Array {
  return hkdf(sha256, epochSecret, context, concatBytes(utf8('moorage:chain:v1'), sender, chain), 32)
}

/** The epoch's key for stream frames and heartbeats (no per-message ratchet). */
export function frameKey (epochSecret: Uint8Array, context: Uint8Array): Uint8Array {
  return hkdf(sha256, epochSecret, context, utf8('moorage:frames:v1'), 32)
}

/** A chain at one position: the key that yields message key `index` and the next chain key. */
export interface ChainState {
  key: Uint8Array
  index: number
}

export function messageKey (chainKey: Uint8Array): Uint8Array {
  return hmac(sha256, chainKey, MESSAGE)
}

export function nextChainKey (chainKey: Uint8Array): Uint8Array {
  return hmac(sha256, chainKey, NEXT)
}

/** The message key at the chain's position and the chain one step on (the old key is wiped). */
export function step (chain: ChainState): { messageKey: Uint8Array, next: ChainState } {
  const mk = messageKey(chain.key)
  const next = { key: nextChainKey(chain.key), index: chain.index + 1 }
  chain.key.fill(0)
  return { messageKey: mk, next }
}
