// The bounded least-recently-used map behind the per-context caches (src/cache/lru.ts).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { Lru } from '../../src/cache/lru.ts'

it('forgets the least recently used beyond capacity, and tells of each entry it forgets', () => {
  const gone: string[] = []
  const lru = new Lru<number>({ capacity: 2, onEvict: (k) => { gone.push(k) } })
  lru.set('a', 1); lru.set('b', 2)
  assert.equal(lru.get('a'), 1) // a is now the most recent
  lru.set('c', 3)
  assert.deepEqual(lru.keys(), ['a', 'c'])
  assert.deepEqual(gone, ['b'])
  assert.equal(lru.peek('a'), 1)
  lru.set('d', 4) // peek did not make a recent
  assert.deepEqual(lru.keys(), ['c', 'd'])
})

it('keeps an entry that may not go yet, beyond capacity if every older one is kept', () => {
  const pinned = new Set(['a'])
  const lru = new Lru<number>({ capacity: 1, evictable: (k) => !pinned.has(k) })
  lru.set('a', 1); lru.set('b', 2)
  assert.deepEqual(lru.keys().sort(), ['a', 'b'])
  lru.set('c', 3)
  assert.deepEqual(lru.keys().sort(), ['a', 'c'])
  pinned.clear()
  lru.set('d', 4)
  assert.deepEqual(lru.keys(), ['d'])
  assert.throws(() => new Lru({ capacity: 0 }), RangeError)
})
