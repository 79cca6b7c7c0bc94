// Context identities: one ed25519 key pair per member per context, the secret sealed
// under the node's sealing key (AAD = context id ‖ public key, so a sealed secret cannot
// be swapped between records).
import { concatBytes, toHex } from '../crypto/bytes.ts'
import { generateKeyPair, type KeyPair } from '../crypto/ed25519.ts'
import { open, seal } from '../crypto/secretbox.ts'
import { key, prefixRange, type Store } from '../store/index.ts'
import { Lru } from '../cache/lru.ts'
import { UNSEALED_IDENTITIES_MAX } from './constants.ts'
import type { IdentityInfo } from './types.ts'

/** Context id under which identities not yet bound to a context are kept. */
export const UNBOUND = new Uint8Array(32)

interface IdentityRecord {
  publicKey: Uint8Array
  context: Uint8Array
  sealed: Uint8Array
  createdAt: number
}

export class Identities {
  private readonly store: Store
  private readonly sealing: Uint8Array
  /** Key pairs unsealed lately (the others are unsealed again when used). */
  private readonly unsealed = new Lru<KeyPair>({ capacity: UNSEALED_IDENTITIES_MAX })

  constructor (store: Store, sealing: Uint8Array) {
    this.store = store
    this.sealing = sealing
  }

  /** Stores an identity for `context` (inside a transaction); a new key pair unless given. */
  create (context: Uint8Array, pair: KeyPair = generateKeyPair()): KeyPair {
    const record: IdentityRecord = {
      publicKey: pair.publicKey,
      context,
      sealed: seal(this.sealing, pair.secretKey, concatBytes(context, pair.publicKey)),
      createdAt: Date.now()
    }
    this.store.db.identities.put(key(context, pair.publicKey), record)
    return pair
  }

  /** The key pair of an identity this node holds, or undefined. */
  get (context: Uint8Array, publicKey: Uint8Array): KeyPair | undefined {
    const k = toHex(context) + toHex(publicKey)
    const cached = this.unsealed.get(k)
    if (cached !== undefined) return cached
    const rec = this.store.db.identities.get(key(context, publicKey)) as IdentityRecord | undefined
    if (rec === undefined) return undefined
    const pair = { publicKey: new Uint8Array(rec.publicKey), secretKey: open(this.sealing, rec.sealed, concatBytes(context, publicKey)) }
    this.unsealed.set(k, pair)
    return pair
  }

  /** A new identity not yet bound to a context (to be invited with, then join). */
  createUnbound (): KeyPair {
    return this.create(UNBOUND)
  }

  /** Binds an unbound identity to `context` (inside a transaction); undefined if not held. */
  bind (publicKey: Uint8Array, context: Uint8Array): KeyPair | undefined {
    const pair = this.get(UNBOUND, publicKey)
    if (pair === undefined) return undefined
    this.store.db.identities.remove(key(UNBOUND, publicKey))
    this.unsealed.delete(toHex(UNBOUND) + toHex(publicKey))
    return this.create(context, pair)
  }

  list (context?: Uint8Array): IdentityInfo[] {
    const range = context === undefined ? {} : prefixRange(context)
    const out: IdentityInfo[] = []
    for (const { value } of this.store.db.identities.getRange(range)) {
      const rec = value as IdentityRecord
      out.push({ publicKey: toHex(rec.publicKey), contextId: toHex(rec.context), createdAt: rec.createdAt })
    }
    return out
  }

  /** Removes every identity of a context (inside a transaction). */
  clear (context: Uint8Array): void {
    for (const k of [...this.store.db.identities.getKeys(prefixRange(context))]) this.store.db.identities.remove(k)
    const prefix = toHex(context)
    for (const k of this.unsealed.keys()) if (k.startsWith(prefix)) this.unsealed.delete(k)
  }
}
