// The frame codec: length prefixes, limits checked before a body arrives, and the response
// envelope.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Uint8ArrayList } from 'uint8arraylist'
import {
  MAX_VARINT_BYTES, TAG_DATA, TAG_END, TAG_ERROR, TAG_TOO_LARGE,
  dataFrame, decodeLength, encodeVarint, endFrame, errorFrame, parseResponseFrame, tooLargeFrame
} from '../../src/network/frames.ts'

const list = (...bytes: number[]): Uint8ArrayList => new Uint8ArrayList(Uint8Array.from(bytes))

describe('network: frames', () => {
  it('round-trips length prefixes', () => {
    for (const n of [0, 1, 127, 128, 300, 16_383, 16_384, 4 * 1024 * 1024, 2 ** 32, 2 ** 53 - 1]) {
      const encoded = encodeVarint(n)
      assert.deepEqual(decodeLength(new Uint8ArrayList(encoded), Number.MAX_SAFE_INTEGER, 'test'), { length: n, bytes: encoded.byteLength })
    }
    assert.deepEqual([...encodeVarint(300)], [0xac, 0x02])
    assert.throws(() => encodeVarint(-1), RangeError)
  })

  it('waits for an incomplete prefix', () => {
    assert.equal(decodeLength(list(), 100, 'test'), undefined)
    assert.equal(decodeLength(list(0x81), 1000, 'test'), undefined)
  })

  it('refuses an oversized frame as soon as its prefix says so', () => {
    assert.throws(() => decodeLength(list(...encodeVarint(101)), 100, 'request'), {
      name: 'FrameTooLargeError',
      message: /^request frame is over the limit of 100 bytes\nDetails: the frame announces 101 bytes/
    })
    // Only the first byte of a long prefix has arrived, and it already exceeds the limit.
    assert.throws(() => decodeLength(list(0xff), 100, 'request'), { name: 'FrameTooLargeError', message: /at least 127 bytes/ })
    // The envelope byte does not count against the payload limit.
    assert.deepEqual(decodeLength(list(...encodeVarint(101)), 100, 'response', 1), { length: 101, bytes: 1 })
  })

  it('refuses a prefix longer than MAX_VARINT_BYTES', () => {
    const zeros = new Array(MAX_VARINT_BYTES).fill(0x80)
    assert.throws(() => decodeLength(list(...zeros), Number.MAX_SAFE_INTEGER, 'request'), { name: 'MalformedFrameError' })
  })

  it('tags response frames', () => {
    const body = (f: Uint8ArrayList): Uint8Array => {
      const all = f.subarray()
      const header = decodeLength(new Uint8ArrayList(all), 1 << 20, 'test')
      assert.ok(header !== undefined)
      return all.subarray(header.bytes)
    }
    assert.deepEqual(parseResponseFrame(body(dataFrame(Uint8Array.of(1, 2)))), { tag: TAG_DATA, data: Uint8Array.of(1, 2) })
    assert.deepEqual(parseResponseFrame(body(errorFrame('nope'))), { tag: TAG_ERROR, message: 'nope' })
    assert.deepEqual(parseResponseFrame(body(tooLargeFrame('big'))), { tag: TAG_TOO_LARGE, message: 'big' })
    assert.deepEqual(parseResponseFrame(body(endFrame())), { tag: TAG_END })
  })

  it('rejects malformed response frames', () => {
    assert.throws(() => parseResponseFrame(new Uint8Array(0)), { name: 'MalformedFrameError' })
    assert.throws(() => parseResponseFrame(Uint8Array.of(9)), { name: 'MalformedFrameError', message: /unknown tag 9/ })
    assert.throws(() => parseResponseFrame(Uint8Array.of(TAG_END, 1)), { name: 'MalformedFrameError' })
  })
})
