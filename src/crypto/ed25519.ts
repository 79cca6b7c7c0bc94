// ed25519 through node:crypto (OpenSSL): an order of magnitude faster than a pure-JS
// implementation, which matters because every local mutation signs a delta.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto'

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

export interface KeyPair {
  publicKey: Uint8Array // 32 bytes
  secretKey: Uint8Array // 32-byte seed
}

export function generateKeyPair (): KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519')
  const der = privateKey.export({ format: 'der', type: 'pkcs8' })
  return keyPairFromSeed(new Uint8Array(der.subarray(der.length - 32)))
}

export function keyPairFromSeed (seed: Uint8Array): KeyPair {
  const key = privateKeyObject(seed)
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' })
  return { publicKey: new Uint8Array(spki.subarray(spki.length - 32)), secretKey: new Uint8Array(seed) }
}

const privateCache = new Map<string, KeyObject>()
const publicCache = new Map<string, KeyObject>()
/** Key objects kept (each holds native memory): the keys of the contexts in use. */
const CACHE_LIMIT = 1024

function cached (cache: Map<string, KeyObject>, raw: Uint8Array, make: () => KeyObject): KeyObject {
  const k = Buffer.from(raw).toString('base64')
  let obj = cache.get(k)
  if (obj === undefined) {
    obj = make()
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
    cache.set(k, obj)
  }
  return obj
}

function privateKeyObject (seed: Uint8Array): KeyObject {
  if (seed.byteLength !== 32) throw new TypeError('ed25519 secret key must be 32 bytes')
  return cached(privateCache, seed, () => createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }))
}

function publicKeyObject (publicKey: Uint8Array): KeyObject {
  return cached(publicCache, publicKey, () => createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' }))
}

export function sign (secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(nodeSign(null, message, privateKeyObject(secretKey)))
}

/** False for any malformed key or signature, never throws. */
export function verify (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.byteLength !== 32 || signature.byteLength !== 64) return false
  try {
    return nodeVerify(null, message, publicKeyObject(publicKey), signature)
  } catch {
    return false
  }
}
