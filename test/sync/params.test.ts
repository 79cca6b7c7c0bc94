// The decoders of catch-up params and answers (src/sync/params.ts) on arbitrary input:
// each returns a checked value or throws SyncParamsError with its protocol's name, never
// anything else; and each accepts what an honest peer sends.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encode } from 'cborg'
import fc from 'fast-check'
import {
  PARAMS, parseAppChunk, parseBeat, parseDeltasFrame, parseGovAnswer, parseGovOps, parseHeadsAnswer, SyncParamsError
} from '../../src/sync/params.ts'

const leaf = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 8 }), fc.uint8Array({ maxLength: 70 }), fc.constant(new Uint8Array(32)))
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 3 }))
}))
const encodable = value.filter((v) => { try { encode(v); return true } catch { return false } })

const onlyParamsErrors = (f: () => unknown): void => {
  try { f() } catch (err) {
    assert.ok(err instanceof SyncParamsError, `threw ${(err as Error).name}: ${(err as Error).message}`)
  }
}

const id = new Uint8Array(32)
const answers: Record<string, (b: Uint8Array) => unknown> = {
  heads: parseHeadsAnswer,
  deltas: parseDeltasFrame,
  app: (b) => parseAppChunk(b, 1024),
  gov: parseGovAnswer,
  govOps: parseGovOps,
  beat: parseBeat
}

describe('catch-up params and answers', () => {
  for (const [name, parse] of Object.entries(PARAMS)) {
    it(`${name} params: a checked value or SyncParamsError`, () => {
      fc.assert(fc.property(value, (v) => { onlyParamsErrors(() => parse(v)) }), { numRuns: 500 })
    })
  }
  for (const [name, parse] of Object.entries(answers)) {
    it(`${name} answer: a checked value or SyncParamsError, from bytes or CBOR`, () => {
      fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), encodable.map((v) => encode(v))), (b) => { onlyParamsErrors(() => parse(b)) }), { numRuns: 500 })
    })
  }

  it('what honest peers send is accepted', () => {
    assert.equal(PARAMS.heads(null), null)
    assert.deepEqual(PARAMS.deltas([[id], [], 10]), { ids: [id], stop: [], limit: 10 })
    assert.deepEqual(PARAMS.snapshot({ phase: 'children', after: new Uint8Array(64) }), { phase: 'children', after: new Uint8Array(64) })
    assert.deepEqual(PARAMS.app([id, 0]), { app: id, offset: 0 })
    assert.deepEqual(parseHeadsAnswer(encode([[id], 3, id, id])), { heads: [id], count: 3 })
    assert.deepEqual(parseAppChunk(encode([10, new Uint8Array(4)]), 1024), { total: 10, chunk: new Uint8Array(4) })
    assert.deepEqual(parseBeat(encode([[id], [id], 1, id])), { heads: [id], govHeads: [id] })
  })

  it('names what is wrong', () => {
    assert.throws(() => PARAMS.app([id, -Infinity]), { name: 'SyncParamsError', message: 'app params: offset must be an integer ≥ 0' })
    assert.throws(() => PARAMS.deltas([[], [], 0]), { name: 'SyncParamsError', message: /^deltas params: limit must be an integer from 1 to / })
    assert.throws(() => PARAMS.snapshot({ phase: 'other', after: null }), { name: 'SyncParamsError', message: /^snapshot params: phase must be one of / })
    assert.throws(() => parseAppChunk(encode([2048, new Uint8Array(4)]), 1024), { name: 'SyncParamsError', message: 'application answer: size must be an integer from 1 to 1024' })
  })
})
