// The stored form of a CRDT entity (values of the `state` database): a compact binary
// record instead of msgpack, because every local write stores at least one entity and
// reads it back on the next write of the same key.
//
//   0x01, type code, presence flags (u16 big-endian), then the present fields in order
//   p, k, ts, v, rv, rts, cnt, tags, after, at, acc, h
//
// Byte strings are `varint length ‖ bytes`; cnt is `varint n` then n × (actor bytes,
// increments, decrements), the two integers as decimal ASCII byte strings; tags are
// `varint n` then n byte strings. `acc` is omitted when it is 32 zero bytes. Nothing of
// this encoding is hashed or signed (docs/encoding.md): it only has to round-trip.
import type { Entity, EntityType } from '../state/entity.ts'

const FORMAT = 0x01

const TYPES: EntityType[] = ['map', 'set', 'list', 'counter', 'register', 'value', 'tomb', 'elem', 'item']
const TYPE_CODE = new Map<string, number>(TYPES.map((t, i) => [t, i + 1]))

const P = 1 << 0 // p is not null
const TS = 1 << 1 // ts is not null
const V = 1 << 2 // v is not null
const RV_KEY = 1 << 3 // rv is present
const RV = 1 << 4 // rv is not null
const RTS_KEY = 1 << 5
const RTS = 1 << 6
const CNT = 1 << 7
const TAGS = 1 << 8
const AFTER_KEY = 1 << 9
const AFTER = 1 << 10
const AT = 1 << 11
const ACC_ZERO = 1 << 12

let out = Buffer.allocUnsafeSlow(64 * 1024)
let pos = 0

function reserve (n: number): void {
  if (pos + n <= out.length) return
  const next = Buffer.allocUnsafeSlow(Math.max(out.length * 2, pos + n))
  out.copy(next, 0, 0, pos)
  out = next
}

function varint (n: number): void {
  reserve(5)
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  out[pos++] = n
}

function bytes (b: Uint8Array): void {
  varint(b.length)
  reserve(b.length)
  out.set(b, pos)
  pos += b.length
}

function ascii (s: string): void {
  varint(s.length)
  reserve(s.length)
  out.write(s, pos, s.length, 'latin1')
  pos += s.length
}

function isZero (b: Uint8Array): boolean {
  if (b.length !== 32) return false
  for (let i = 0; i < 32; i++) if (b[i] !== 0) return false
  return true
}

/** The stored bytes of an entity (a fresh buffer). */
export function encodeEntity (e: Entity): Buffer {
  const type = TYPE_CODE.get(e.t)
  if (type === undefined) throw new TypeError(`cannot store an entity of type ${String(e.t)}`)
  let flags = 0
  if (e.p !== null) flags |= P
  if (e.ts !== null) flags |= TS
  if (e.v !== null) flags |= V
  if (e.rv !== undefined) flags |= e.rv === null ? RV_KEY : RV_KEY | RV
  if (e.rts !== undefined) flags |= e.rts === null ? RTS_KEY : RTS_KEY | RTS
  if (e.cnt !== undefined) flags |= CNT
  if (e.tags !== undefined) flags |= TAGS
  if (e.after !== undefined) flags |= e.after === null ? AFTER_KEY : AFTER_KEY | AFTER
  if (e.at !== undefined) flags |= AT
  const accZero = isZero(e.acc)
  if (accZero) flags |= ACC_ZERO
  pos = 0
  reserve(4)
  out[pos++] = FORMAT
  out[pos++] = type
  out[pos++] = flags >>> 8
  out[pos++] = flags & 0xff
  if (e.p !== null) bytes(e.p)
  bytes(e.k)
  if (e.ts !== null) bytes(e.ts)
  if (e.v !== null) bytes(e.v)
  if (e.rv != null) bytes(e.rv)
  if (e.rts != null) bytes(e.rts)
  if (e.cnt !== undefined) {
    varint(e.cnt.length)
    for (const [a, p, n] of e.cnt) {
      bytes(a)
      ascii(p.toString())
      ascii(n.toString())
    }
  }
  if (e.tags !== undefined) {
    varint(e.tags.length)
    for (const t of e.tags) bytes(t)
  }
  if (e.after != null) bytes(e.after)
  if (e.at !== undefined) bytes(e.at)
  if (!accZero) bytes(e.acc)
  bytes(e.h)
  return Buffer.from(out.subarray(0, pos))
}

/**
 * Reads what `encodeEntity` wrote. `raw` may be a buffer lmdb-js reuses, so every field
 * is copied out (into small arrays of their own: cheaper than one shared copy that
 * every field would view).
 */
export function decodeEntity (raw: Uint8Array, end?: unknown): Entity {
  return read(raw, typeof end === 'number' ? end : raw.length, false)
}

/**
 * `decodeEntity` for bytes from a peer (a snapshot's entities, stored as they came): a
 * flag this codec does not know, or bytes past the last field, are refused (RangeError),
 * so that the bytes stored are exactly what was decoded and checked.
 */
export function decodePeerEntity (raw: Uint8Array): Entity {
  return read(raw, raw.length, true)
}

const KNOWN_FLAGS = P | TS | V | RV_KEY | RV | RTS_KEY | RTS | CNT | TAGS | AFTER_KEY | AFTER | AT | ACC_ZERO

function read (raw: Uint8Array, size: number, strict: boolean): Entity {
  const b = raw
  let at = 0
  const varintIn = (): number => {
    let n = 0
    let shift = 0
    for (;;) {
      if (at >= size) throw new RangeError('stored entity is truncated')
      const x = b[at++]!
      n += (x & 0x7f) * 2 ** shift
      if (x < 0x80) return n
      shift += 7
    }
  }
  const bytesIn = (): Uint8Array => {
    const n = varintIn()
    if (at + n > size) throw new RangeError('stored entity is truncated')
    const v = new Uint8Array(n)
    if (n <= 64) for (let i = 0; i < n; i++) v[i] = b[at + i]!
    else v.set(b.subarray(at, at + n))
    at += n
    return v
  }
  const bigIn = (): bigint => {
    let text = ''
    for (const c of bytesIn()) text += String.fromCharCode(c)
    return BigInt(text)
  }
  if (size < 4 || b[0] !== FORMAT) throw new RangeError('not a stored entity (unknown format)')
  const t = TYPES[b[1]! - 1]
  if (t === undefined) throw new RangeError(`stored entity has unknown type code ${b[1]!}`)
  const flags = (b[2]! << 8) | b[3]!
  if (strict && ((flags & ~KNOWN_FLAGS) !== 0 || ((flags & RV) !== 0 && (flags & RV_KEY) === 0) || ((flags & RTS) !== 0 && (flags & RTS_KEY) === 0) || ((flags & AFTER) !== 0 && (flags & AFTER_KEY) === 0))) throw new RangeError('entity has flags this codec does not write')
  at = 4
  const p = (flags & P) !== 0 ? bytesIn() : null
  const k = bytesIn()
  const ts = (flags & TS) !== 0 ? bytesIn() : null
  const v = (flags & V) !== 0 ? bytesIn() : null
  const rv = (flags & RV) !== 0 ? bytesIn() : null
  const rts = (flags & RTS) !== 0 ? bytesIn() : null
  let cnt: Array<[Uint8Array, bigint, bigint]> | undefined
  if ((flags & CNT) !== 0) {
    cnt = []
    for (let i = varintIn(); i > 0; i--) cnt.push([bytesIn(), bigIn(), bigIn()])
  }
  let tags: Uint8Array[] | undefined
  if ((flags & TAGS) !== 0) {
    tags = []
    for (let i = varintIn(); i > 0; i--) tags.push(bytesIn())
  }
  const after = (flags & AFTER) !== 0 ? bytesIn() : null
  const atStamp = (flags & AT) !== 0 ? bytesIn() : undefined
  const acc = (flags & ACC_ZERO) !== 0 ? new Uint8Array(32) : bytesIn()
  const h = bytesIn()
  if (strict && at !== size) throw new RangeError('entity has bytes past its last field')
  const e: Entity = { p, k, t, ts, v, acc, h }
  if ((flags & RV_KEY) !== 0) e.rv = rv
  if ((flags & RTS_KEY) !== 0) e.rts = rts
  if (cnt !== undefined) e.cnt = cnt
  if (tags !== undefined) e.tags = tags
  if ((flags & AFTER_KEY) !== 0) e.after = after
  if (atStamp !== undefined) e.at = atStamp
  return e
}

/** The `state` database's encoder, in the form lmdb-js takes. */
export const entityEncoder = { encode: encodeEntity, decode: decodeEntity }
