// The node key: 32 random bytes in <home>/keys/node.key (mode 0600), kept apart from
// the LMDB data. Context identities' secret keys are sealed under a key derived from it,
// so a copy of the data directory alone reveals no secret.
import { hkdfSync, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MoorageError } from '../errors/index.ts'
import { keyPairFromSeed, type KeyPair } from '../crypto/ed25519.ts'

export interface NodeKeys {
  /** The node's own ed25519 key pair (its network identity). */
  node: KeyPair
  /** Key that seals identity secrets at rest. */
  sealing: Uint8Array
}

export class NodeKeyError extends MoorageError {
  override name = 'NodeKeyError'
}

export function loadNodeKeys (home: string): NodeKeys {
  const dir = join(home, 'keys')
  const file = join(dir, 'node.key')
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' })
  }
  chmodSync(file, 0o600)
  const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')
  if (secret.length !== 32) throw new NodeKeyError(`${file} does not hold a 32-byte base64 key`, { hint: 'restore the file from a backup; without it sealed identities cannot be opened' })
  const derive = (info: string): Uint8Array => new Uint8Array(hkdfSync('sha256', secret, Buffer.alloc(0), info, 32))
  return { node: keyPairFromSeed(derive('moorage:node-identity')), sealing: derive('moorage:seal-identities') }
}
