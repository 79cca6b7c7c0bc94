// The write path encodes by hand what docs/encoding.md defines through CBOR: these
// properties pin the hand-written encoders to the documented form (cborg's encoding of
// the same values), and the stored entity codec to an exact round trip.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { decode, encode } from 'cborg'
import fc from 'fast-check'
import { keyPairFromSeed } from '../../src/crypto/ed25519.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { CborWriter } from '../../src/state/cbor.ts'
import { accumulate, accumulateChild, accumulateInto, content, contribution, hashEntity, type Entity } from '../../src/state/entity.ts'
import { makeStamp } from '../../src/state/ids.ts'
import { decodeEntity, encodeEntity } from '../../src/store/entity-codec.ts'
import { createDelta } from '../../src/sync/delta.ts'

const bytes = (min: number, max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max })
const id = bytes(32, 32)
const stamp = bytes(48, 48)
const msArb = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })
const big = fc.bigInt({ min: 0n, max: (1n << 200n) })

const entity: fc.Arbitrary<Entity> = fc.record({
  p: fc.option(id, { nil: null }),
  k: fc.oneof(bytes(0, 40), bytes(200, 300)),
  t: fc.constantFrom('map', 'set', 'list', 'counter', 'register', 'value', 'tomb', 'elem', 'item') as fc.Arbitrary<Entity['t']>,
  ts: fc.option(stamp, { nil: null }),
  v: fc.option(fc.oneof(bytes(0, 70), bytes(1000, 70_000)), { nil: null }),
  rv: fc.option(fc.option(bytes(0, 20), { nil: null }), { nil: undefined }),
  rts: fc.option(fc.option(stamp, { nil: null }), { nil: undefined }),
  cnt: fc.option(fc.array(fc.tuple(id, big, big), { maxLength: 3 }), { nil: undefined }),
  tags: fc.option(fc.array(stamp, { maxLength: 3 }), { nil: undefined }),
  after: fc.option(fc.option(id, { nil: null }), { nil: undefined }),
  at: fc.option(stamp, { nil: undefined }),
  acc: fc.oneof(fc.constant(new Uint8Array(32)), id),
  h: id
}, { requiredKeys: ['p', 'k', 't', 'ts', 'v', 'acc', 'h'] })

function documentedHash (e: Entity): string {
  return createHash('sha256').update(encode(content(e))).update(e.acc).digest('hex')
}

describe('canonical encodings on the write path', () => {
  it('hashEntity is sha256(CBOR content ‖ acc) as docs/encoding.md defines it', () => {
    fc.assert(fc.property(entity, (e) => {
      assert.equal(toHex(hashEntity(e)), documentedHash(e))
    }), { numRuns: 500 })
  })

  it('CborWriter writes what cborg encodes', () => {
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.maxSafeInteger(),
        fc.bigInt({ min: -(1n << 64n), max: (1n << 64n) - 1n }),
        fc.double({ noNaN: true }),
        fc.string(),
        fc.string({ unit: 'grapheme' }),
        bytes(0, 300),
        fc.array(tie('v'), { maxLength: 5 }),
        fc.dictionary(fc.string(), tie('v'), { maxKeys: 3 })
      )
    })).v
    fc.assert(fc.property(value, (v) => {
      const w = new CborWriter(16)
      w.value(v)
      assert.equal(toHex(w.bytes()), toHex(encode(v)))
    }), { numRuns: 1000 })
  })

  it('createDelta gives the documented body, id and wire form', () => {
    const action = fc.oneof(
      fc.tuple(fc.constant(0), id, bytes(0, 20), fc.integer({ min: 1, max: 5 })),
      fc.tuple(fc.constant(1), id, bytes(0, 20), bytes(0, 300)),
      fc.tuple(fc.constant(4), id, bytes(0, 20), fc.array(stamp, { maxLength: 2 })),
      fc.tuple(fc.constant(5), id, fc.option(id, { nil: null }), bytes(0, 20)),
      fc.tuple(fc.constant(8), id, fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }))
    )
    const key = keyPairFromSeed(new Uint8Array(32).fill(9))
    fc.assert(fc.property(id, fc.array(id, { maxLength: 3 }), msArb, fc.nat(), fc.array(action, { minLength: 1, maxLength: 20 }), (context, parents, ms, c, actions) => {
      const d = createDelta({ context, author: key.publicKey, parents, anchor: [], hlc: { ms, c }, actions: actions as any }, key.secretKey)
      const sorted = [...parents].sort(Buffer.compare)
      const body = encode([1, context, key.publicKey, sorted, [], ms, c, actions])
      assert.equal(toHex(d.body), toHex(body))
      assert.equal(toHex(d.id), toHex(sha256(body)))
      assert.equal(toHex(d.bytes), toHex(encode([body, d.signature])))
      assert.equal(toHex((decode(d.bytes) as Uint8Array[])[0]!), toHex(body))
    }), { numRuns: 200 })
  })

  it('stored entities round-trip exactly', () => {
    fc.assert(fc.property(entity, (e) => {
      const stored = encodeEntity(e)
      // lmdb-js hands the decoder a buffer it reuses, sometimes longer than the value.
      const shared = Buffer.alloc(stored.length + 7, 0xee)
      stored.copy(shared)
      const back = decodeEntity(shared, stored.length)
      shared.fill(0)
      assert.deepEqual(normal(back), normal(e))
      assert.deepEqual(Object.keys(back).sort(), Object.keys(e).filter((k) => (e as any)[k] !== undefined).sort())
    }), { numRuns: 500 })
  })

  it('accumulateInto may write over its input', () => {
    fc.assert(fc.property(id, id, fc.option(id, { nil: null }), (acc, add, sub) => {
      const expected = accumulate(acc, add, sub)
      const inPlace = new Uint8Array(acc)
      accumulateInto(inPlace, inPlace, add, sub)
      assert.deepEqual(inPlace, expected)
    }))
  })

  it('accumulateChild adds and removes a child contribution in place', () => {
    fc.assert(fc.property(id, id, id, fc.option(id, { nil: null }), (acc, child, add, sub) => {
      const expected = accumulate(acc, contribution(child, add), sub === null ? null : contribution(child, sub))
      const inPlace = new Uint8Array(acc)
      accumulateChild(inPlace, child, add, sub)
      assert.deepEqual(inPlace, expected)
    }))
  })

  it('stamps are HLC ms (8) ‖ counter (4) ‖ actor (32) ‖ index (4), big-endian', () => {
    fc.assert(fc.property(msArb, fc.nat(), id, fc.nat(), (ms, c, actor, index) => {
      const s = makeStamp({ ms, c }, actor, index)
      const view = new DataView(s.buffer)
      assert.equal(view.getBigUint64(0), BigInt(ms))
      assert.equal(view.getUint32(8), c)
      assert.deepEqual(s.subarray(12, 44), actor)
      assert.equal(view.getUint32(44), index)
    }))
  })
})

/** Plain arrays for comparison (Buffer vs Uint8Array, bigint shares). */
function normal (e: Entity): unknown {
  return JSON.parse(JSON.stringify(e, (_k, v) => typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? toHex(v) : v))
}
