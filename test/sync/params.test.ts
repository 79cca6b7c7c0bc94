// The decoders of catch-up params and answers (src/sync/params.ts): each accepts what an
// honest peer sends and names what is wrong in a refusal.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encode } from 'cborg'
import {
  PARAMS, parseAppChunk, parseBeat, parseHeadsAnswer
} from '../../src/sync/params.ts'

const id = new Uint8Array(32)

// Arbitrary input for each of these is fuzzed from the one registry (test/fuzz/targets.ts:
// STREAM_PARAMS and ANSWERS); here, what honest peers send and how a refusal reads.
describe('catch-up params and answers', () => {
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
    assert.throws(() => PARAMS.app([id, -Infinity]), { name: 'SyncParamsError', message: 'application download request: offset must be an integer ≥ 0' })
    assert.throws(() => PARAMS.deltas([[], [], 0]), { name: 'SyncParamsError', message: /^deltas request: limit must be an integer from 1 to / })
    assert.throws(() => PARAMS.snapshot({ phase: 'other', after: null }), { name: 'SyncParamsError', message: /^snapshot request: phase must be one of / })
    assert.throws(() => parseAppChunk(encode([2048, new Uint8Array(4)]), 1024), { name: 'SyncParamsError', message: 'application answer: size must be an integer from 1 to 1024' })
  })
})
