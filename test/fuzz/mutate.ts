// Input generators for the fuzz targets: random bytes, random CBOR, and mutations of valid
// encodings (made with real keys by each target's setup). Mutating a valid encoding gets
// past the first checks of a decoder, where random bytes rarely do; random CBOR gets past
// the CBOR parser into the shape checks; a mutated *tree* (one node of the decoded value
// replaced, then re-encoded) reaches the deepest field checks.

import { encode } from 'cborg'
import fc from 'fast-check'

/** One edit of a byte string. */
type Edit =
  | { op: 'flip', at: number, bit: number }
  | { op: 'set', at: number, value: number }
  | { op: 'truncate', at: number }
  | { op: 'extend', bytes: Uint8Array }
  | { op: 'insert', at: number, bytes: Uint8Array }
  | { op: 'delete', at: number, length: number }
  | { op: 'duplicate', at: number, length: number }
  | { op: 'float', at: number }

const position = fc.nat({ max: 1 << 20 })
const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), at: position, value: fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x18, 0x19, 0x1a, 0x1b, 0x5f, 0x9f, 0xbf, 0xf6, 0xf7) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: position }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: position, length: fc.integer({ min: 1, max: 32 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('float' as const), at: position }) }
)

export function applyEdit (bytes: Uint8Array, e: Edit): Uint8Array {
  const n = bytes.byteLength
  const at = n === 0 ? 0 : e.op === 'extend' ? 0 : (e as { at: number }).at % n
  switch (e.op) {
    case 'flip': { if (n === 0) return bytes; const out = bytes.slice(); out[at] ^= 1 << e.bit; return out }
    case 'set': { if (n === 0) return bytes; const out = bytes.slice(); out[at] = e.value; return out }
    case 'truncate': return bytes.slice(0, at)
    case 'extend': return concat(bytes, e.bytes)
    case 'insert': return concat(bytes.subarray(0, at), e.bytes, bytes.subarray(at))
    case 'delete': return concat(bytes.subarray(0, at), bytes.subarray(at + e.length))
    case 'duplicate': return concat(bytes.subarray(0, at + e.length), bytes.subarray(at))
    case 'float': {
      // The same integer written as a CBOR float64: a second encoding of the same value.
      const i = bytes.findIndex((b, k) => k >= at && b <= 0x17)
      if (i < 0) return bytes
      const f = new Uint8Array(9)
      f[0] = 0xfb
      new DataView(f.buffer).setFloat64(1, bytes[i]!)
      return concat(bytes.subarray(0, i), f, bytes.subarray(i + 1))
    }
  }
}

/** `valid` with one to four edits. */
export function mutated (valid: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...valid), fc.array(edit, { minLength: 1, maxLength: 4 }))
    .map(([bytes, edits]) => edits.reduce(applyEdit, bytes))
}

/** Any CBOR value cborg can encode: what a peer that speaks CBOR but lies about shapes sends. */
export const cborValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, 1, -1, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 'member', 'reader', 'identity', 'open', 'genesis', 'state', 'ids', 'end'),
    fc.integer(),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
    fc.double(),
    fc.string({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.array(tie('value'), { maxLength: 9 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 5 })
  )
})).value

export const cborBytes: fc.Arbitrary<Uint8Array> = cborValue.map((v) => encode(v))

/** Replaces one node of a tree of arrays (and objects) with another value. */
export function replaceNode (tree: unknown, path: number[], by: unknown): unknown {
  if (path.length === 0) return by
  if (Array.isArray(tree) && tree.length > 0) {
    const i = path[0]! % tree.length
    const out = tree.slice()
    out[i] = replaceNode(tree[i], path.slice(1), by)
    return out
  }
  if (typeof tree === 'object' && tree !== null && !(tree instanceof Uint8Array)) {
    const keys = Object.keys(tree)
    if (keys.length === 0) return by
    const k = keys[path[0]! % keys.length]!
    return { ...tree, [k]: replaceNode((tree as Record<string, unknown>)[k], path.slice(1), by) }
  }
  return by
}

/** One node of one of `trees` replaced by a random CBOR value (or dropped from its array). */
export function mutatedTree (trees: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc.tuple(fc.constantFrom(...trees), fc.array(fc.nat({ max: 64 }), { minLength: 1, maxLength: 5 }), fc.oneof(cborValue, fc.constant(DROP)))
    .map(([tree, path, by]) => by === DROP ? dropNode(tree, path) : replaceNode(tree, path, by))
}

const DROP = Symbol('drop')

function dropNode (tree: unknown, path: number[]): unknown {
  if (!Array.isArray(tree) || tree.length === 0) return tree
  const i = path[0]! % tree.length
  if (path.length === 1) return [...tree.slice(0, i), ...tree.slice(i + 1)]
  const out = tree.slice()
  out[i] = dropNode(tree[i], path.slice(1))
  return out
}

/** The usual mix for a byte decoder: random bytes, random CBOR, valid and mutated valid encodings. */
export function bytesMix (valid: readonly Uint8Array[], extra: Array<fc.Arbitrary<Uint8Array>> = []): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    { weight: 2, arbitrary: cborBytes },
    { weight: 1, arbitrary: fc.constantFrom(...valid) },
    { weight: 6, arbitrary: mutated(valid) },
    ...extra.map((arbitrary) => ({ weight: 4, arbitrary }))
  )
}

export function concat (...parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.byteLength
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.byteLength }
  return out
}

export function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
