// Delivery of a generation secret to one member (docs/encryption.md): the one key wrapping
// the node has (src/crypto/keywrap.ts: X25519, HKDF-SHA256, XChaCha20-Poly1305), to a key
// pair the requester made for this one request and drops once the answer is opened, so that
// neither a copy of the requester's home taken before nor one taken after can open the answer.
import { concatBytes, utf8 } from '../../crypto/bytes.ts'
import { unwrapWithX25519, wrapForX25519, x25519KeyPair } from '../../crypto/keywrap.ts'
import { DecryptionError } from '../../errors/index.ts'

/** Bytes of an X25519 public key, the request's delivery key and the answer's ephemeral key. */
export const DELIVERY_KEY_BYTES = 32

export interface DeliveryKey {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

/** What a delivery is bound to: the context, the epoch, the generation (id and number) and the requester's identity. */
export function generationInfo (ctx: Uint8Array, epochId: Uint8Array, genId: Uint8Array, n: number, requester: Uint8Array): Uint8Array {
  const nb = new Uint8Array(4)
  new DataView(nb.buffer).setUint32(0, n)
  return concatBytes(utf8('moorage:generation-delivery:v1'), ctx, epochId, genId, nb, requester)
}

/** A fresh key pair for one request; only its public part leaves the node. */
export async function deliveryKey (): Promise<DeliveryKey> {
  return x25519KeyPair()
}

/** Seals `secret` to `publicKey`, bound to `info` (context, epoch, generation, requester): the ephemeral key and the seal. */
export async function sealTo (publicKey: Uint8Array, info: Uint8Array, secret: Uint8Array): Promise<{ enc: Uint8Array, sealed: Uint8Array }> {
  if (publicKey.byteLength !== DELIVERY_KEY_BYTES) throw new DecryptionError('the delivery key is not an X25519 public key')
  const wrapped = wrapForX25519(secret, publicKey, publicKey, info)
  return { enc: wrapped.subarray(0, DELIVERY_KEY_BYTES), sealed: wrapped.subarray(DELIVERY_KEY_BYTES) }
}

/** Opens what `sealTo` sealed to `key`; DecryptionError when it does not open. */
export async function openWith (key: DeliveryKey, info: Uint8Array, enc: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
  try {
    return unwrapWithX25519(concatBytes(enc, sealed), key.secretKey, key.publicKey, info)
  } catch (err) {
    throw new DecryptionError('the generation secret does not open under this request\'s delivery key', { cause: err })
  }
}
