// The bounded buffer of items waiting for parents (governance ops today): bounded by count
// and bytes, oldest evicted first, and released by the arrival of exactly the parents
// they wait for.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { toHex } from '../../src/crypto/bytes.ts'
import { HeldBuffer } from '../../src/sync/held.ts'

const id = (n: number): Uint8Array => new Uint8Array(32).fill(n)
const item = (n: number, parents: number[], size = 10) => ({ id: id(n), parents: parents.map(id), size })

describe('held buffer', () => {
  it('evicts the oldest item when full by count, and when full by bytes', () => {
    const byCount = new HeldBuffer({ maxItems: 2, maxBytes: 1_000 })
    byCount.hold(item(1, [100]), [id(100)])
    byCount.hold(item(2, [100]), [id(100)])
    const evicted = byCount.hold(item(3, [100]), [id(100)])
    assert.deepEqual(evicted.map((e) => toHex(e.id)), [toHex(id(1))])
    assert.equal(byCount.count, 2)
    const byBytes = new HeldBuffer({ maxItems: 100, maxBytes: 25 })
    byBytes.hold(item(1, [100], 10), [id(100)])
    byBytes.hold(item(2, [100], 10), [id(100)])
    assert.deepEqual(byBytes.hold(item(3, [100], 10), [id(100)]).map((e) => toHex(e.id)), [toHex(id(1))])
    assert.ok(byBytes.size <= 25)
    assert.deepEqual(byBytes.hold(item(4, [100], 26), [id(100)]), [], 'an item larger than the bound is not held')
    assert.equal(byBytes.has(id(4)), false)
  })

  it('releases an item once every parent it waits for arrived, and forgets evicted items\' parents', () => {
    const b = new HeldBuffer({ maxItems: 10, maxBytes: 1_000 })
    b.hold(item(1, [100, 101]), [id(100), id(101)])
    b.hold(item(2, [100]), [id(100)])
    assert.deepEqual(b.arrived(id(100)).map((e) => toHex(e.id)), [toHex(id(2))])
    assert.deepEqual(b.arrived(id(99)), [])
    assert.deepEqual(b.arrived(id(101)).map((e) => toHex(e.id)), [toHex(id(1))])
    assert.equal(b.count, 0)
    assert.deepEqual(b.missing(), [])
    const small = new HeldBuffer({ maxItems: 1, maxBytes: 1_000 })
    small.hold(item(1, [100]), [id(100)])
    small.hold(item(2, [101]), [id(101)])
    assert.deepEqual(small.missing().map(toHex), [toHex(id(101))])
    assert.deepEqual(small.arrived(id(100)), [])
  })
})
