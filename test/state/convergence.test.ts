// Property: replicas that apply the same set of deltas — in any order, with duplicates —
// reach the same root hash and the same visible state, nested collections included.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import fc from 'fast-check'
import { fromUtf8, utf8 } from '../../src/crypto/index.ts'
import type { SharedState } from '../../src/state/types.ts'
import { Replica } from '../helpers/replica.ts'
import { tempDir } from '../helpers/tmp.ts'

const dir = tempDir()
after(() => { dir.cleanup() })
let n = 0

const key = fc.constantFrom('a', 'b', 'c')
const val = fc.constantFrom('1', '2', '3', 'x')
const op = fc.oneof(
  fc.record({ k: fc.constant('put'), key, val }),
  fc.record({ k: fc.constant('del'), key }),
  fc.record({ k: fc.constant('sadd'), val }),
  fc.record({ k: fc.constant('srem'), val }),
  fc.record({ k: fc.constant('push'), val }),
  fc.record({ k: fc.constant('ins0'), val }),
  fc.record({ k: fc.constant('lrem'), idx: fc.nat(3) }),
  fc.record({ k: fc.constant('lset'), idx: fc.nat(3), val }),
  fc.record({ k: fc.constant('cnt'), amount: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ k: fc.constant('reg'), val }),
  fc.record({ k: fc.constant('nested'), key, val }),
  fc.record({ k: fc.constant('dropNested'), key })
)
type Op = { k: string, key?: string, val?: string, idx?: number, amount?: number }

function run (s: SharedState, o: Op): void {
  const root = s.root()
  const u = (x: string | undefined): Uint8Array => utf8(x ?? '')
  switch (o.k) {
    case 'put': s.mapSet(root, u(o.key), u(o.val)); break
    case 'del': s.mapRemove(root, u(o.key)); break
    case 'sadd': s.setAdd(s.child(root, u('tags'), 'set'), u(o.val)); break
    case 'srem': s.setRemove(s.child(root, u('tags'), 'set'), u(o.val)); break
    case 'push': { const l = s.child(root, u('list'), 'list'); s.listInsert(l, s.listLen(l), u(o.val)); break }
    case 'ins0': s.listInsert(s.child(root, u('list'), 'list'), 0, u(o.val)); break
    case 'lrem': s.listRemove(s.child(root, u('list'), 'list'), o.idx!); break
    case 'lset': { const l = s.child(root, u('list'), 'list'); if (o.idx! < s.listLen(l)) s.listSet(l, o.idx!, u(o.val)); break }
    case 'cnt': s.counterAdd(s.child(root, u('count'), 'counter'), BigInt(o.amount!)); break
    case 'reg': s.registerSet(s.child(root, u('title'), 'register'), u(o.val)); break
    case 'nested': {
      const rooms = s.child(root, u('rooms'), 'map')
      const room = s.child(rooms, u(o.key), 'map')
      s.mapSet(room, u('topic'), u(o.val))
      s.counterAdd(s.child(room, u('posts'), 'counter'), 1n)
      break
    }
    case 'dropNested': s.mapRemove(s.child(root, u('rooms'), 'map'), u(o.key)); break
  }
}

/** Everything an application could observe. */
function view (s: SharedState): unknown {
  const root = s.root()
  const t = (b: Uint8Array): string => fromUtf8(b)
  const rooms = s.child(root, utf8('rooms'), 'map')
  return {
    keys: s.mapKeys(root).map(t),
    values: s.mapKeys(root).map((k) => { const v = s.mapGet(root, k); return v.type === 'value' ? t(v.value) : v.type }),
    tags: s.setValues(s.child(root, utf8('tags'), 'set')).map(t),
    list: s.listValues(s.child(root, utf8('list'), 'list')).map(t),
    count: s.counterGet(s.child(root, utf8('count'), 'counter')).toString(),
    title: (() => { const r = s.registerGet(s.child(root, utf8('title'), 'register')); return r === undefined ? null : t(r) })(),
    rooms: s.mapKeys(rooms).map((k) => {
      const room = s.child(rooms, k, 'map')
      const topic = s.mapGet(room, utf8('topic'))
      return [t(k), topic.type === 'value' ? t(topic.value) : null, s.counterGet(s.child(room, utf8('posts'), 'counter')).toString()]
    })
  }
}

describe('CRDT convergence', () => {
  it('same deltas in any order and with duplicates give the same root hash and view', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 3 }),
      fc.integer(),
      async (scripts, seed) => {
        const context = new Uint8Array(randomBytes(32))
        const writers = await Promise.all(scripts.map(() => Replica.open(`${dir.path}/${n++}`, context)))
        const all: Uint8Array[] = []
        // Each writer runs its calls; writers also exchange some deltas midway so that
        // later calls build on concurrent history (real DAG merges, not just forks).
        for (let round = 0; round < 6; round++) {
          for (let w = 0; w < writers.length; w++) {
            const calls = scripts[w]!
            if (round >= calls.length) continue
            const bytes = await writers[w]!.mutate((s) => { for (const o of calls[round]!) run(s, o as Op) })
            if (bytes !== null) all.push(bytes)
          }
          if (round % 2 === 1) for (const w of writers) for (const b of all) await w.receive(b)
        }
        const rand = fc.sample(fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }), { seed, numRuns: 2 })
        const readers = [await Replica.open(`${dir.path}/${n++}`, context), await Replica.open(`${dir.path}/${n++}`, context)]
        for (const b of rand[0]!) await readers[0]!.receive(b)
        for (const b of [...rand[1]!, ...rand[0]!.slice(0, 3)]) await readers[1]!.receive(b) // duplicates
        for (const w of writers) for (const b of [...all].reverse()) await w.receive(b)
        const everyone = [...writers, ...readers]
        const hashes = everyone.map((r) => r.rootHash())
        const views = everyone.map((r) => JSON.stringify(r.read(view)))
        await Promise.all(everyone.map(async (r) => { await r.close() }))
        assert.equal(new Set(hashes).size, 1, `root hashes differ: ${hashes.join(' ')}`)
        assert.equal(new Set(views).size, 1, `views differ:\n${views.join('\n')}`)
      }
    ), { numRuns: 150 })
  })

  it('holds a delta whose parents are missing and releases it when they arrive', async () => {
    const context = new Uint8Array(randomBytes(32))
    const a = await Replica.open(`${dir.path}/${n++}`, context)
    const b = await Replica.open(`${dir.path}/${n++}`, context)
    const d1 = (await a.mutate((s) => { s.mapSet(s.root(), utf8('x'), utf8('1')) }))!
    const d2 = (await a.mutate((s) => { s.mapSet(s.root(), utf8('y'), utf8('2')) }))!
    assert.equal(await b.receive(d2), 'held')
    assert.equal(b.dag.pendingCount(context), 1)
    assert.equal(await b.receive(d1), 'applied')
    assert.equal(b.dag.pendingCount(context), 0)
    assert.equal(b.rootHash(), a.rootHash())
    assert.equal(await b.receive(d1), 'duplicate')
    await a.close(); await b.close()
  })
})
