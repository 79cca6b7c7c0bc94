// A CRDT entity as stored, and its Merkle hash.
//
// Every entity is either a slot of a map (the root map has none), a set element or a
// list item. A map slot holds a byte value, a nested collection, or a tombstone, decided
// last-writer-wins by `ts`. Collection internals (register value, counter shares,
// children) merge commutatively whatever the slot currently says, which is what makes
// the result independent of the order deltas arrive in.
import { sha256, sha256Binary } from '../crypto/hash.ts'
import { CborWriter } from './cbor.ts'
import type { CollectionKind } from './types.ts'

export type SlotType = CollectionKind | 'value' | 'tomb'
export type EntityType = SlotType | 'elem' | 'item'

export interface Entity {
  /** Parent entity id; null only for the root map. */
  p: Uint8Array | null
  /** Map key, or set element bytes; empty for list items and the root. */
  k: Uint8Array
  t: EntityType
  /** Stamp of the slot's winning write (map slots), of the item's value (list items). */
  ts: Uint8Array | null
  /** Value of a `value` slot or of a live list item; null otherwise. */
  v: Uint8Array | null
  /** Register value and its stamp. */
  rv?: Uint8Array | null
  rts?: Uint8Array | null
  /** Counter shares: [actor, increments, decrements], sorted by actor. */
  cnt?: Array<[Uint8Array, bigint, bigint]>
  /** Live add-tags of a set element (add-wins), sorted. */
  tags?: Uint8Array[]
  /** List item: predecessor item id (null = head) and insertion stamp. */
  after?: Uint8Array | null
  at?: Uint8Array
  /** Sum over children of sha256(child id ‖ child hash), mod 2^256 (32 bytes). */
  acc: Uint8Array
  /** Merkle hash: sha256(canonical content ‖ acc). */
  h: Uint8Array
}

export const ZERO32 = new Uint8Array(32)

/** The canonical content that the hash covers; one fixed CBOR array per entity. */
export function content (e: Entity): unknown[] {
  const slotLive = e.t !== 'tomb'
  return [
    e.t,
    e.k,
    e.ts ?? null,
    slotLive ? (e.v ?? null) : null,
    e.rv ?? null,
    e.rts ?? null,
    (e.cnt ?? []).map(([a, p, n]) => [a, p.toString(), n.toString()]),
    e.tags ?? [],
    e.after ?? null,
    e.at ?? null
  ]
}

const writer = new CborWriter()

/** sha256(CBOR(content(e)) ‖ acc), the content written straight into one buffer. */
export function hashEntity (e: Entity): Uint8Array {
  const w = writer.reset()
  w.array(10)
  w.text(e.t)
  w.byteString(e.k)
  w.optBytes(e.ts)
  w.optBytes(e.t !== 'tomb' ? e.v : null)
  w.optBytes(e.rv)
  w.optBytes(e.rts)
  const cnt = e.cnt ?? []
  w.array(cnt.length)
  for (const [a, p, n] of cnt) {
    w.array(3)
    w.byteString(a)
    w.text(p.toString())
    w.text(n.toString())
  }
  const tags = e.tags ?? []
  w.array(tags.length)
  for (const t of tags) w.byteString(t)
  w.optBytes(e.after)
  w.optBytes(e.at)
  w.raw(e.acc)
  return sha256(w.view())
}

/** Contribution of one child to its parent's accumulator. */
export function contribution (childId: Uint8Array, childHash: Uint8Array): Uint8Array {
  return sha256(childId, childHash)
}

/**
 * acc + add - sub (mod 2^256) on 32-byte big-endian numbers, in 16-bit limbs so that
 * plain JS numbers never lose precision (the accumulator update is on the write path).
 */
export function accumulate (acc: Uint8Array, add: Uint8Array, sub: Uint8Array | null): Uint8Array {
  const out = new Uint8Array(32)
  accumulateInto(out, acc, add, sub)
  return out
}

/**
 * acc + contribution(child, add) - contribution(child, sub), in place: the two
 * contributions are read straight from their digests.
 */
export function accumulateChild (acc: Uint8Array, child: Uint8Array, add: Uint8Array, sub: Uint8Array | null): void {
  const a = sha256Binary(child, add)
  const b = sub === null ? null : sha256Binary(child, sub)
  let carry = 0
  for (let i = 30; i >= 0; i -= 2) {
    const x = (acc[i]! << 8) | acc[i + 1]!
    const y = (a.charCodeAt(i) << 8) | a.charCodeAt(i + 1)
    const z = b === null ? 0 : (b.charCodeAt(i) << 8) | b.charCodeAt(i + 1)
    let v = x + y - z + carry
    carry = Math.floor(v / 65536)
    v -= carry * 65536
    acc[i] = v >>> 8
    acc[i + 1] = v & 0xff
  }
}

/** `accumulate` into `out`, which may be `acc` itself. */
export function accumulateInto (out: Uint8Array, acc: Uint8Array, add: Uint8Array, sub: Uint8Array | null): void {
  let carry = 0
  for (let i = 30; i >= 0; i -= 2) {
    const a = (acc[i]! << 8) | acc[i + 1]!
    const b = (add[i]! << 8) | add[i + 1]!
    const c = sub === null ? 0 : (sub[i]! << 8) | sub[i + 1]!
    let v = a + b - c + carry
    carry = Math.floor(v / 65536)
    v -= carry * 65536
    out[i] = v >>> 8
    out[i + 1] = v & 0xff
  }
}

/** Normalises a record read back from the store or a snapshot (counter shares may come as numbers). */
export function fromStored (raw: any): Entity {
  const e = raw as Entity
  if (e.cnt !== undefined) e.cnt = e.cnt.map(([a, p, n]) => [a, BigInt(p), BigInt(n)])
  return e
}
