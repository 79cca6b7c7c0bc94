// Context group keys (epochs). A key is created by a member, wrapped for each member's
// identity (X25519 from ed25519) and published as a `keys` op on the governance DAG; a
// rotation makes a new key current. After a member is removed or leaves, the current key
// is stale until someone rotates: nothing new is encrypted under a stale key, so a
// removed member cannot read what is written after its removal.
import { randomBytes } from 'node:crypto'
import { concatBytes, equalBytes, toHex, utf8 } from '../crypto/bytes.ts'
import { sha256 } from '../crypto/hash.ts'
import { unwrapKey, wrapKey } from '../crypto/keywrap.ts'
import type { KeyPair } from '../crypto/ed25519.ts'
import type { GovernanceLog } from './offchain/log.ts'
import type { KeyShareAction } from './offchain/op.ts'

export interface GroupKey {
  id: Uint8Array
  key: Uint8Array
}

const KEY_ID = utf8('moorage:group-key-id:v1')

/** Associated data of a wrapped share: binds it to the context and the key id. */
export function shareAad (context: Uint8Array, keyId: Uint8Array): Uint8Array {
  return concatBytes(utf8('moorage:share:v1'), context, keyId)
}

/** A new random key and the `keys` op action that shares it with `recipients`. */
export function newGroupKey (context: Uint8Array, recipients: Uint8Array[]): { key: GroupKey, action: KeyShareAction } {
  const key = new Uint8Array(randomBytes(32))
  const id = sha256(KEY_ID, context, key)
  return { key: { id, key }, action: shareAction(context, { id, key }, recipients, true) }
}

export function shareAction (context: Uint8Array, key: GroupKey, recipients: Uint8Array[], rotate: boolean): KeyShareAction {
  const aad = shareAad(context, key.id)
  return { type: 'keys', keyId: key.id, rotate, shares: recipients.map((r) => ({ recipient: r, wrapped: wrapKey(key.key, r, aad) })) }
}

export interface KeyringView {
  /** The key to encrypt with now; undefined while none is known or the current one is stale. */
  current?: GroupKey
  /** Every key this identity can open, by id (hex). */
  known: Map<string, GroupKey>
  /** Key ids (hex) each member has a share of, by member (hex). */
  holders: Map<string, Set<string>>
  /** Id of the latest rotation, and whether a removal or leave came after it. */
  latest?: Uint8Array
  stale: boolean
}

/** What the keyring is read from, in order: key shares, and departures (a removal or leave). */
export type KeyEvent = KeyShareAction | { type: 'departure' }

/** The key events of an offchain governance log (accepted ops only). */
export function keyEventsOf (log: GovernanceLog): KeyEvent[] {
  const out: KeyEvent[] = []
  for (const { op, verdict } of log.history()) {
    if (!verdict.accepted) continue
    const a = op.action
    if (a.type === 'removeMember' || a.type === 'leave') out.push({ type: 'departure' })
    else if (a.type === 'keys') out.push(a)
  }
  return out
}

/** Reads a context's keys for one identity from its key events. */
export function readKeyring (context: Uint8Array, events: Iterable<KeyEvent>, me: KeyPair, cache: Map<string, Uint8Array> = new Map()): KeyringView {
  const known = new Map<string, GroupKey>()
  const holders = new Map<string, Set<string>>()
  let latest: Uint8Array | undefined
  let stale = false
  for (const a of events) {
    if (a.type === 'departure') { stale = true; continue }
    const idHex = toHex(a.keyId)
    for (const s of a.shares) {
      const r = toHex(s.recipient)
      const set = holders.get(r) ?? new Set<string>()
      set.add(idHex)
      holders.set(r, set)
      if (!equalBytes(s.recipient, me.publicKey) || known.has(idHex)) continue
      let key = cache.get(idHex)
      if (key === undefined) {
        try {
          key = unwrapKey(s.wrapped, me.publicKey, me.secretKey, shareAad(context, a.keyId))
          // A share must open to the key its id names.
          if (!equalBytes(sha256(KEY_ID, context, key), a.keyId)) continue
          cache.set(idHex, key)
        } catch {
          continue
        }
      }
      known.set(idHex, { id: a.keyId, key })
    }
    if (a.rotate) { latest = a.keyId; stale = false }
  }
  const current = latest !== undefined && !stale ? known.get(toHex(latest)) : undefined
  return { ...(current !== undefined ? { current } : {}), known, holders, ...(latest !== undefined ? { latest } : {}), stale }
}
