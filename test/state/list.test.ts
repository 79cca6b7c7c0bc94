// RGA lists read through a call's state: the ordering a call computes is reused while
// nothing changed, and never outlives a change — its own writes, an undone write, or a
// nested layer's writes merged into its overlay.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { fromUtf8, utf8 } from '../../src/crypto/index.ts'
import { StateOverlay } from '../../src/state/overlay.ts'
import { RecordingState } from '../../src/state/shared-state.ts'
import { HybridClock } from '../../src/state/hlc.ts'
import type { SharedState } from '../../src/state/types.ts'
import { Replica } from '../helpers/replica.ts'
import { tempDir } from '../helpers/tmp.ts'

const texts = (s: SharedState, l: Uint8Array): string[] => s.listValues(l).map(fromUtf8)

describe('lists within one call', () => {
  const dir = tempDir('moor-list-')
  after(() => { dir.cleanup() })

  it('every read sees the call\'s own inserts, sets and removals at once', async () => {
    const r = await Replica.open(dir.path + '/a', new Uint8Array(32).fill(1))
    await r.mutate((s) => {
      const l = s.child(s.root(), utf8('list'), 'list')
      for (const v of ['a', 'b', 'c']) s.listInsert(l, s.listLen(l), utf8(v))
      assert.deepEqual([0, 1, 2].map((i) => fromUtf8(s.listGet(l, i)!)), ['a', 'b', 'c'])
      s.listSet(l, 1, utf8('B'))
      assert.equal(fromUtf8(s.listGet(l, 1)!), 'B')
      s.listRemove(l, 0)
      assert.deepEqual(texts(s, l), ['B', 'c'])
      s.listInsert(l, 0, utf8('z'))
      assert.equal(s.listLen(l), 3)
      assert.deepEqual(texts(s, l), ['z', 'B', 'c'])
    })
    assert.deepEqual(r.read((s) => texts(s, s.child(s.root(), utf8('list'), 'list'))), ['z', 'B', 'c'])
  })

  it('a nested layer\'s writes merged into the overlay, and an undone write, show in the next read', async () => {
    const r = await Replica.open(dir.path + '/b', new Uint8Array(32).fill(2))
    await r.store.transaction(() => {
      const clock = new HybridClock()
      const overlay = new StateOverlay(r.store, r.context)
      const outer = new RecordingState({ overlay, author: r.key.publicKey, hlc: clock.now(), readOnly: false })
      const l = outer.child(outer.root(), utf8('list'), 'list')
      outer.listInsert(l, 0, utf8('first'))
      assert.deepEqual(texts(outer, l), ['first'])
      // A nested call on a layer of the same overlay appends; its layer is merged.
      const layer = overlay.layer()
      const inner = new RecordingState({ overlay: layer, author: r.key.publicKey, hlc: clock.now(), readOnly: false, firstIndex: 1 })
      inner.listInsert(l, 1, utf8('nested'))
      overlay.merge(layer)
      assert.deepEqual(texts(outer, l), ['first', 'nested'])
      // A write the call undoes (it trapped) is gone from the next read.
      overlay.begin()
      outer.listInsert(l, 0, utf8('undone'))
      assert.deepEqual(texts(outer, l), ['undone', 'first', 'nested'])
      overlay.drop()
      assert.deepEqual(texts(outer, l), ['first', 'nested'])
    })
  })
})
