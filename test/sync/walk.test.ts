// What a peer sends for the `deltas` protocol (walkBack): the deltas the requester lacks,
// parents before children, and after a fork not the history both sides share.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { toHex, utf8 } from '../../src/crypto/bytes.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { OP } from '../../src/state/actions.ts'
import { rootId } from '../../src/state/ids.ts'
import { key, openStore } from '../../src/store/index.ts'
import { walkBack } from '../../src/sync/dag.ts'
import { createDelta, peekDelta, type Delta } from '../../src/sync/delta.ts'
import { tempDir } from '../helpers/tmp.ts'

describe('deltas a peer lacks (walkBack)', () => {
  const dir = tempDir('moor-walk-')
  const store = openStore({ path: dir.path, noSync: true })
  after(async () => { await store.close(); dir.cleanup() })
  const ctx = new Uint8Array(32).fill(3)
  const author = generateKeyPair()
  let clock = 1_000
  const write = (name: string, parents: Delta[]): Delta => {
    const d = createDelta({ context: ctx, author: author.publicKey, parents: parents.map((p) => p.id), anchor: [], hlc: { ms: clock++, c: 0 }, actions: [[OP.PUT, rootId(ctx), utf8(name), utf8('v')]] }, author.secretKey)
    store.db.deltas.putSync(key(ctx, d.id), d.bytes)
    names.set(toHex(d.id), name)
    return d
  }
  const names = new Map<string, string>()
  const sent = (ids: Delta[], stop: Delta[], limit = 100): string[] =>
    [...walkBack(store, ctx, ids.map((d) => d.id), stop.map((d) => d.id), limit)].map((b) => names.get(toHex(peekDelta(b).id))!)

  // g ← a1 ← a2 ← a3 ← a4 ← a5, and a fork at a3: b1 (the server's), c1 (the requester's).
  const g = write('g', [])
  const a1 = write('a1', [g])
  const a2 = write('a2', [a1])
  const a3 = write('a3', [a2])
  const a4 = write('a4', [a3])
  const a5 = write('a5', [a4])
  const b1 = write('b1', [a3])
  const c1 = write('c1', [a3])
  const m = write('m', [a5, b1])

  it('sends what the requester lacks, parents before children', () => {
    assert.deepEqual(sent([a5], [a2]), ['a3', 'a4', 'a5'])
    const merged = sent([m], [a3])
    assert.deepEqual(new Set(merged), new Set(['a4', 'a5', 'b1', 'm']))
    assert.ok(merged.indexOf('a4') < merged.indexOf('a5') && merged.indexOf('a5') < merged.indexOf('m') && merged.indexOf('b1') < merged.indexOf('m'))
  })

  it('after a fork, stops at the history both sides share', () => {
    assert.deepEqual(new Set(sent([m], [c1])), new Set(['a4', 'a5', 'b1', 'm']))
  })

  it('sends everything to a requester with no heads, and nothing for what it has', () => {
    assert.deepEqual(sent([a3], []), ['g', 'a1', 'a2', 'a3'])
    assert.deepEqual(sent([a3], [a5]), [])
  })

  it('at most `limit` deltas, the newest of what is lacking, still parents first', () => {
    assert.deepEqual(sent([a5], [], 2), ['a4', 'a5'])
  })

  it('walks the requester\'s side at most four times the limit, and still sends what is asked for', () => {
    // x is older than a long branch y1 … y20 the requester has: its side is walked newest
    // first, cut after 4 × 2 steps, so g (shared, behind y1) is not known as the
    // requester's and comes along with x.
    const x = write('x', [g])
    const ys: Delta[] = []
    for (let i = 0; i < 20; i++) ys.push(write(`y${i + 1}`, [ys[i - 1] ?? g]))
    assert.deepEqual(sent([x], [ys[19]!], 2), ['g', 'x'])
    // With room for the whole branch, g is known as the requester's.
    assert.deepEqual(sent([x], [ys[19]!], 6), ['x'])
  })
})
