// CRDT actions: what a delta carries. Each is a small CBOR array whose first element is
// the op code. `applyAction` is the only code that changes shared state — local calls
// and received deltas both go through it, so both produce identical entities.
import { compareBytes, equalBytes } from '../crypto/bytes.ts'
import { InvalidDeltaError } from '../errors/index.ts'
import { ZERO32, type Entity } from './entity.ts'
import { listItemId, mapChildId, setElementId, STAMP_LENGTH } from './ids.ts'
import type { StateOverlay } from './overlay.ts'
import { KIND_CODES, type CollectionKind } from './types.ts'

export const OP = {
  SLOT: 0, // [0, map, key, kindCode]        nested collection under key
  PUT: 1, // [1, map, key, value]            byte value under key
  DEL: 2, // [2, map, key]                   tombstone key
  SADD: 3, // [3, set, value]
  SREM: 4, // [4, set, value, tags[]]        removes the observed add-tags
  INS: 5, // [5, list, after | null, value]  item id = listItemId(list, stamp)
  LSET: 6, // [6, list, item, value]
  LREM: 7, // [7, list, item]
  CNT: 8, // [8, counter, amount]            signed integer
  REG: 9 // [9, register, value]
} as const

export type Action =
  | [0, Uint8Array, Uint8Array, number]
  | [1, Uint8Array, Uint8Array, Uint8Array]
  | [2, Uint8Array, Uint8Array]
  | [3, Uint8Array, Uint8Array]
  | [4, Uint8Array, Uint8Array, Uint8Array[]]
  | [5, Uint8Array, Uint8Array | null, Uint8Array]
  | [6, Uint8Array, Uint8Array, Uint8Array]
  | [7, Uint8Array, Uint8Array]
  | [8, Uint8Array, bigint]
  | [9, Uint8Array, Uint8Array]

const MAX_BLOB = 4 * 1024 * 1024

function bad (msg: string): never {
  throw new InvalidDeltaError(`malformed action: ${msg}`)
}
function id32 (v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.byteLength !== 32) bad(`${what} must be 32 bytes`)
  return v
}
function blob (v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.byteLength > MAX_BLOB) bad(`${what} must be bytes of at most ${MAX_BLOB}`)
  return v
}

/** Checks the shape of an action decoded from the wire. */
export function validateAction (raw: unknown): Action {
  if (!Array.isArray(raw) || typeof raw[0] !== 'number') bad('not an array with an op code')
  const a = raw as unknown[]
  const arity = (n: number): void => { if (a.length !== n) bad(`op ${String(a[0])} takes ${n - 1} fields`) }
  switch (a[0]) {
    case OP.SLOT:
      arity(4)
      if (KIND_CODES[a[3] as number] === undefined) bad(`unknown collection kind ${String(a[3])}`)
      return [0, id32(a[1], 'map'), blob(a[2], 'key'), a[3] as number]
    case OP.PUT: arity(4); return [1, id32(a[1], 'map'), blob(a[2], 'key'), blob(a[3], 'value')]
    case OP.DEL: arity(3); return [2, id32(a[1], 'map'), blob(a[2], 'key')]
    case OP.SADD: arity(3); return [3, id32(a[1], 'set'), blob(a[2], 'value')]
    case OP.SREM: {
      arity(4)
      if (!Array.isArray(a[3])) bad('tags must be an array')
      const tags = (a[3] as unknown[]).map((t) => {
        if (!(t instanceof Uint8Array) || t.byteLength !== STAMP_LENGTH) bad('tag must be a stamp')
        return t
      })
      return [4, id32(a[1], 'set'), blob(a[2], 'value'), tags]
    }
    case OP.INS: arity(4); return [5, id32(a[1], 'list'), a[2] === null ? null : id32(a[2], 'after'), blob(a[3], 'value')]
    case OP.LSET: arity(4); return [6, id32(a[1], 'list'), id32(a[2], 'item'), blob(a[3], 'value')]
    case OP.LREM: arity(3); return [7, id32(a[1], 'list'), id32(a[2], 'item')]
    case OP.CNT: {
      arity(3)
      if (typeof a[2] !== 'number' && typeof a[2] !== 'bigint') bad('amount must be an integer')
      if (typeof a[2] === 'number' && !Number.isSafeInteger(a[2])) bad('amount must be an integer')
      return [8, id32(a[1], 'counter'), BigInt(a[2])]
    }
    case OP.REG: arity(3); return [9, id32(a[1], 'register'), blob(a[2], 'value')]
    default: return bad(`unknown op code ${String(a[0])}`)
  }
}

function newer (stamp: Uint8Array, than: Uint8Array | null | undefined): boolean {
  return than == null || compareBytes(stamp, than) > 0
}

function requireEntity (o: StateOverlay, id: Uint8Array, what: string): Entity {
  const e = o.get(id)
  if (e === undefined) throw new InvalidDeltaError(`action targets a ${what} that does not exist in this context`)
  return e
}

function fresh (parent: Uint8Array, k: Uint8Array, t: Entity['t']): Entity {
  return { p: parent, k, t, ts: null, v: null, acc: ZERO32, h: ZERO32 }
}

/** LWW write of a map slot (value, nested collection or tombstone). */
function writeSlot (o: StateOverlay, map: Uint8Array, k: Uint8Array, t: Entity['t'], v: Uint8Array | null, stamp: Uint8Array): void {
  requireEntity(o, map, 'map')
  const id = mapChildId(map, k)
  const e = o.get(id)
  // A new slot is `fresh(map, k, 'tomb')` with the write applied, built in one step.
  if (e === undefined) o.put(id, { p: map, k, t, ts: stamp, v, acc: ZERO32, h: ZERO32 })
  else if (newer(stamp, e.ts)) o.put(id, { ...e, t, v, ts: stamp })
}

/**
 * Applies one action. `stamp` is unique to the action (see makeStamp) and `author` is the
 * delta's author (counters keep one share per author).
 */
export function applyAction (o: StateOverlay, a: Action, stamp: Uint8Array, author: Uint8Array): void {
  switch (a[0]) {
    case OP.SLOT: writeSlot(o, a[1], a[2], KIND_CODES[a[3]] as CollectionKind, null, stamp); return
    case OP.PUT: writeSlot(o, a[1], a[2], 'value', a[3], stamp); return
    case OP.DEL: writeSlot(o, a[1], a[2], 'tomb', null, stamp); return
    case OP.SADD: {
      requireEntity(o, a[1], 'set')
      const id = setElementId(a[1], a[2])
      const e = o.get(id) ?? fresh(a[1], a[2], 'elem')
      const tags = [...(e.tags ?? []), stamp].sort(compareBytes)
      o.put(id, { ...e, tags })
      return
    }
    case OP.SREM: {
      requireEntity(o, a[1], 'set')
      const id = setElementId(a[1], a[2])
      const e = o.get(id) ?? fresh(a[1], a[2], 'elem')
      const tags = (e.tags ?? []).filter((t) => !a[3].some((r) => equalBytes(r, t)))
      o.put(id, { ...e, tags })
      return
    }
    case OP.INS: {
      requireEntity(o, a[1], 'list')
      if (a[2] !== null) requireEntity(o, a[2], 'list item')
      const id = listItemId(a[1], stamp)
      o.put(id, { ...fresh(a[1], new Uint8Array(0), 'item'), after: a[2], at: stamp, ts: stamp, v: a[3] })
      return
    }
    case OP.LSET: {
      const e = requireEntity(o, a[2], 'list item')
      // A removed item stays removed: removal wins over concurrent replacement.
      if (e.v !== null && newer(stamp, e.ts)) o.put(a[2], { ...e, v: a[3], ts: stamp })
      return
    }
    case OP.LREM: {
      const e = requireEntity(o, a[2], 'list item')
      if (e.v !== null) o.put(a[2], { ...e, v: null, ts: null })
      return
    }
    case OP.CNT: {
      const e = requireEntity(o, a[1], 'counter')
      const shares = (e.cnt ?? []).map(([x, p, n]): [Uint8Array, bigint, bigint] => [x, p, n])
      let share = shares.find(([x]) => equalBytes(x, author))
      if (share === undefined) {
        share = [author, 0n, 0n]
        shares.push(share)
        shares.sort((x, y) => compareBytes(x[0], y[0]))
      }
      if (a[2] >= 0n) share[1] += a[2]
      else share[2] -= a[2]
      o.put(a[1], { ...e, cnt: shares })
      return
    }
    case OP.REG: {
      const e = requireEntity(o, a[1], 'register')
      if (newer(stamp, e.rts)) o.put(a[1], { ...e, rv: a[2], rts: stamp })
    }
  }
}
