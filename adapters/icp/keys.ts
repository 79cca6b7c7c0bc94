// The paying identity's credentials: an identity PEM as dfx writes it (`dfx identity export`):
// ed25519 as PKCS#8 ("BEGIN PRIVATE KEY") or secp256k1 as SEC 1 ("BEGIN EC PRIVATE KEY").
// node:crypto parses both; the secret scalar goes to @dfinity/identity's key identities.
import { createPrivateKey, type KeyObject } from 'node:crypto'
import type { SignIdentity } from '@dfinity/agent'
import { Ed25519KeyIdentity } from '@dfinity/identity'
import { Secp256k1KeyIdentity } from '@dfinity/identity-secp256k1'

const MAX_PEM = 4096

function keyOf (pem: string): KeyObject | undefined {
  if (pem.length > MAX_PEM || !pem.includes('-----BEGIN')) return undefined
  try {
    return createPrivateKey({ key: pem, format: 'pem' })
  } catch {
    return undefined
  }
}

/** The PEM, normalised (trimmed, LF line ends), when it holds an ed25519 or secp256k1 key. */
export function parseIdentityPem (text: string): string | undefined {
  const pem = text.replace(/\r\n/g, '\n').replace(/\\n/g, '\n').trim()
  const k = keyOf(pem)
  if (k === undefined) return undefined
  if (k.asymmetricKeyType === 'ed25519') return pem
  if (k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'secp256k1') return pem
  return undefined
}

/** The agent-js identity of a PEM that parseIdentityPem accepted. */
export function identityFromPem (pem: string): SignIdentity {
  const k = keyOf(pem)
  if (k === undefined) throw new TypeError('not an identity PEM (ed25519 PKCS#8 or secp256k1 EC PRIVATE KEY)')
  const d = Buffer.from(k.export({ format: 'jwk' }).d ?? '', 'base64url')
  if (k.asymmetricKeyType === 'ed25519') return Ed25519KeyIdentity.fromSecretKey(new Uint8Array(d))
  return Secp256k1KeyIdentity.fromSecretKey(new Uint8Array(d))
}

/** The PKCS#8 PEM of an ed25519 seed (the devnet's dev identity, tests). */
export function ed25519Pem (seed: Uint8Array): string {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seed)])
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----`
}
