// The agent-js identity of a payer PEM (keys.ts parses it): the secret scalar goes to
// @dfinity/identity's ed25519 or secp256k1 key identity.
import type { SignIdentity } from '@dfinity/agent'
import { Ed25519KeyIdentity } from '@dfinity/identity'
import { Secp256k1KeyIdentity } from '@dfinity/identity-secp256k1'
import { keyOf } from './keys.ts'

/** The agent-js identity of a PEM that parseIdentityPem accepted. */
export function identityFromPem (pem: string): SignIdentity {
  const k = keyOf(pem)
  if (k === undefined) throw new TypeError('not an identity PEM (ed25519 PKCS#8 or secp256k1 EC PRIVATE KEY)')
  const d = Buffer.from(k.export({ format: 'jwk' }).d ?? '', 'base64url')
  if (k.asymmetricKeyType === 'ed25519') return Ed25519KeyIdentity.fromSecretKey(new Uint8Array(d))
  return Secp256k1KeyIdentity.fromSecretKey(new Uint8Array(d))
}
