// The paying identity's credentials: an identity PEM as dfx writes it (`dfx identity export`):
// ed25519 as PKCS#8 ("BEGIN PRIVATE KEY") or secp256k1 as SEC 1 ("BEGIN EC PRIVATE KEY").
// node:crypto parses both (identity.ts makes the agent-js identity; this file stays light).
import { createPrivateKey, type KeyObject } from 'node:crypto'

const MAX_PEM = 4096

export function keyOf (pem: string): KeyObject | undefined {
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

/** The PKCS#8 PEM of an ed25519 seed (the devnet's dev identity, tests). */
export function ed25519Pem (seed: Uint8Array): string {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seed)])
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----`
}
