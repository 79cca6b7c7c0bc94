// Deterministic entity ids: every node derives the same id for the same logical place,
// so the same key written on two nodes is the same entity.
import { sha256 } from '../crypto/hash.ts'
import { utf8 } from '../crypto/bytes.ts'
import type { Timestamp } from './hlc.ts'

const ROOT = utf8('moorage:root')
const MAP_CHILD = Uint8Array.of(0x6d) // 'm'
const SET_ELEMENT = Uint8Array.of(0x73) // 's'
const LIST_ITEM = Uint8Array.of(0x69) // 'i'

export function rootId (context: Uint8Array): Uint8Array {
  return sha256(ROOT, context)
}

export function mapChildId (map: Uint8Array, key: Uint8Array): Uint8Array {
  return sha256(MAP_CHILD, map, key)
}

export function setElementId (set: Uint8Array, value: Uint8Array): Uint8Array {
  return sha256(SET_ELEMENT, set, value)
}

export function listItemId (list: Uint8Array, stamp: Uint8Array): Uint8Array {
  return sha256(LIST_ITEM, list, stamp)
}

export const STAMP_LENGTH = 48

/**
 * The total order of writes: HLC milliseconds (8 bytes), HLC counter (4), actor public key
 * (32), index of the action in its delta (4), all big-endian, so comparing the bytes
 * compares the stamps. Unique per action.
 */
export function makeStamp (hlc: Timestamp, actor: Uint8Array, index: number): Uint8Array {
  // Written byte by byte: a DataView would give the small array a backing store of its
  // own, and hlc.ms (a safe integer) needs no BigInt.
  const out = new Uint8Array(STAMP_LENGTH)
  putU32(out, 0, Math.floor(hlc.ms / 0x1_0000_0000))
  putU32(out, 4, hlc.ms >>> 0)
  putU32(out, 8, hlc.c)
  out.set(actor, 12)
  putU32(out, 44, index)
  return out
}

function putU32 (out: Uint8Array, at: number, n: number): void {
  out[at] = n >>> 24
  out[at + 1] = (n >>> 16) & 0xff
  out[at + 2] = (n >>> 8) & 0xff
  out[at + 3] = n & 0xff
}
