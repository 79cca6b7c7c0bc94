// Delivery of a generation secret to one member (docs/encryption.md): HPKE (RFC 9180, base
// mode) with X25519, HKDF-SHA256 and ChaCha20-Poly1305, sealed to a key pair the requester
// made for this one request and drops once the answer is opened, so that neither a copy of
// the requester's home taken before nor one taken after can open the answer.
import { CipherSuite, HkdfSha256 } from '@hpke/core'
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519'
import { concatBytes, utf8 } from '../../crypto/bytes.ts'
import { DecryptionError } from '../../errors/index.ts'

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() })

/** Bytes of an X25519 public key and of the HPKE encapsulated key. */
export const DELIVERY_KEY_BYTES = 32

export interface DeliveryKey {
  publicKey: Uint8Array
  privateKey: CryptoKey
}

/** What a delivery is bound to: the context, the epoch, the generation (id and number) and the requester's identity. */
export function generationInfo (ctx: Uint8Array, epochId: Uint8Array, genId: Uint8Array, n: number, requester: Uint8Array): Uint8Array {
  const nb = new Uint8Array(4)
  new DataView(nb.buffer).setUint32(0, n)
  return concatBytes(utf8('moorage:generation-delivery:v1'), ctx, epochId, genId, nb, requester)
}

/** A fresh key pair for one request; only its public part leaves the node. */
export async function deliveryKey (): Promise<DeliveryKey> {
  const kp = await suite.kem.generateKeyPair()
  return { publicKey: new Uint8Array(await suite.kem.serializePublicKey(kp.publicKey)), privateKey: kp.privateKey }
}

/** Seals `secret` to `publicKey`, bound to `info` (context, epoch, generation, requester). */
export async function sealTo (publicKey: Uint8Array, info: Uint8Array, secret: Uint8Array): Promise<{ enc: Uint8Array, sealed: Uint8Array }> {
  let recipientPublicKey: CryptoKey
  try {
    recipientPublicKey = await suite.kem.deserializePublicKey(publicKey)
  } catch (err) {
    throw new DecryptionError('the delivery key is not an X25519 public key', { cause: err })
  }
  const { enc, ct } = await suite.seal({ recipientPublicKey, info }, secret)
  return { enc: new Uint8Array(enc), sealed: new Uint8Array(ct) }
}

/** Opens what `sealTo` sealed to `key`; DecryptionError when it does not open. */
export async function openWith (key: DeliveryKey, info: Uint8Array, enc: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
  try {
    return new Uint8Array(await suite.open({ recipientKey: key.privateKey, enc, info }, sealed))
  } catch (err) {
    throw new DecryptionError('the generation secret does not open under this request\'s delivery key', { cause: err })
  }
}
