// The snapshot import's checks, page by page, on real LMDB stores and real signatures: a
// many-page snapshot of maps, sets, lists and counters imports to the identical state; a
// forged entity, an entity that does not hang under the root, repeated or reordered items
// and a tampered children index are refused when their page arrives or at the end, and
// nothing of the snapshot is written (the import is all or nothing).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { utf8 } from '../../src/crypto/bytes.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { hashEntity } from '../../src/state/entity.ts'
import { decodeEntity, encodeEntity } from '../../src/store/entity-codec.ts'
import { prefixRange } from '../../src/store/index.ts'
import { exportSnapshot, SnapshotImport, type SnapshotPage } from '../../src/sync/snapshot.ts'
import { Replica } from '../helpers/replica.ts'
import { tempDir } from '../helpers/tmp.ts'

const ctx = new Uint8Array(32).fill(7)
const member = generateKeyPair()
const isMember = (id: Uint8Array): boolean => Buffer.compare(id, member.publicKey) === 0
const dir = tempDir('moor-snapshot-import-')
let n = 0

/** Pages as a joiner gets them (copies: a test may change them). */
const copy = (pages: SnapshotPage[]): SnapshotPage[] => structuredClone(pages)

/** Adds the pages one by one as the catch-up does, verifies, writes; answers how many pages were taken. */
async function importInto (target: Replica, pages: SnapshotPage[]): Promise<number> {
  const imp = new SnapshotImport(ctx)
  let taken = 0
  try {
    for (const page of pages) {
      imp.add(page)
      taken++
    }
    imp.verify({ isMember })
    await target.store.transaction(() => { imp.write(target.store) })
  } catch (err) {
    (err as Error & { taken?: number }).taken = taken
    throw err
  }
  return taken
}

/** Nothing of the context's state or delta ids is stored, and its DAG is still empty. */
function untouched (r: Replica, emptyRoot: string): void {
  assert.equal(r.store.db.children.getKeysCount(prefixRange(ctx)), 0)
  assert.equal(r.store.db.deltas.getKeysCount(prefixRange(ctx)), 0)
  assert.equal(r.store.db.state.getKeysCount(prefixRange(ctx)), 1, 'only the empty root')
  assert.equal(r.rootHash(), emptyRoot)
}

const statePages = (pages: SnapshotPage[]): number[] => pages.flatMap((p, i) => p.state !== undefined ? [i] : [])

describe('snapshot import', () => {
  let source: Replica
  let pages: SnapshotPage[]

  before(async () => {
    source = await Replica.open(`${dir.path}/source`, ctx)
    for (let i = 0; i < 4; i++) {
      await source.mutate((s) => {
        for (let j = 0; j < 25; j++) s.mapSet(s.root(), utf8(`k${i}-${j}`), utf8(`value-${i}-${j}`))
        const nested = s.child(s.root(), utf8(`nested${i}`), 'map')
        for (let j = 0; j < 5; j++) s.mapSet(nested, utf8(`n${j}`), utf8(`deep-${i}-${j}`))
        s.setAdd(s.child(s.root(), utf8('tags'), 'set'), utf8(`t${i}`))
        s.listInsert(s.child(s.root(), utf8('log'), 'list'), 0, utf8(`line ${i}`))
        s.counterAdd(s.child(s.root(), utf8('count'), 'counter'), 3n)
      })
    }
    // 16 items a page: several pages of entities, of children and of ids.
    pages = [...exportSnapshot(source.store, ctx, undefined, member, 16)]
    assert.ok(statePages(pages).length >= 6, `${statePages(pages).length} pages of entities`)
  })
  after(async () => { await source.close(); dir.cleanup() })

  const fresh = async (): Promise<{ r: Replica, emptyRoot: string }> => {
    const r = await Replica.open(`${dir.path}/target-${n++}`, ctx)
    return { r, emptyRoot: r.rootHash() }
  }

  it('a many-page snapshot imports to the identical state, every entity and index entry as stored', async () => {
    const { r } = await fresh()
    await importInto(r, copy(pages))
    assert.equal(r.rootHash(), source.rootHash())
    for (const name of ['state', 'children', 'deltas'] as const) {
      const a = [...source.store.db[name].getKeys(prefixRange(ctx))].map((k) => (k as Buffer).toString('hex'))
      const b = [...r.store.db[name].getKeys(prefixRange(ctx))].map((k) => (k as Buffer).toString('hex'))
      assert.deepEqual(b, a, name)
    }
    for (const { key: k, value } of source.store.db.state.getRange(prefixRange(ctx))) assert.deepEqual(r.store.db.state.get(k), value)
    await r.close()
  })

  it('a forged entity in the middle is refused when its page arrives; no page past it is taken and nothing is written', async () => {
    const { r, emptyRoot } = await fresh()
    const forged = copy(pages)
    const middle = statePages(forged)[3]!
    const blob = Buffer.from(forged[middle]!.state!)
    const at = blob.indexOf('value-')
    assert.ok(at > 0, 'a value in the middle page')
    blob[at] = 'V'.charCodeAt(0)
    forged[middle]!.state = new Uint8Array(blob)
    await assert.rejects(importInto(r, forged), (err: Error & { taken?: number }) => err.name === 'InvalidDeltaError' && /does not match its hash/.test(err.message) && err.taken === middle)
    untouched(r, emptyRoot)
    await r.close()
  })

  it('an entity that does not hang under the root is refused, listed under a missing parent or not listed at all', async () => {
    // A well-formed entity with a valid hash under a made-up parent, last in id order.
    const template = decodeEntity(decodeEntityBytes(pages[statePages(pages)[0]!]!.state!))
    const orphan = { ...template, p: new Uint8Array(32).fill(0xfe), k: utf8('smuggled') }
    orphan.h = hashEntity(orphan)
    const orphanId = new Uint8Array(32).fill(0xff)
    const bytes = encodeEntity(orphan)
    const withOrphan = (listed: boolean): SnapshotPage[] => {
      const p = copy(pages)
      const last = statePages(p).at(-1)!
      p[last]!.state = new Uint8Array([...p[last]!.state!, ...orphanId, ...varint(bytes.byteLength), ...bytes])
      p.at(-1)!.end!.entities++
      if (listed) {
        const lastChildren = p.findLastIndex((x) => x.children !== undefined)
        p[lastChildren]!.children = new Uint8Array([...p[lastChildren]!.children!, ...orphan.p, ...orphanId])
        p.at(-1)!.end!.children++
      }
      return p
    }
    for (const [listed, why] of [[false, /is not under the root/], [true, /names a missing parent/]] as const) {
      const { r, emptyRoot } = await fresh()
      await assert.rejects(importInto(r, withOrphan(listed)), (err: Error) => err.name === 'InvalidDeltaError' && why.test(err.message))
      untouched(r, emptyRoot)
      await r.close()
    }
  })

  it('a repeated or padded entity, pages out of order and a children index without one of its pairs are refused; nothing is written', async () => {
    const cases: Array<[string, (p: SnapshotPage[]) => void, RegExp]> = [
      ['repeated entity', (p) => { const i = statePages(p)[1]!; const s = p[i]!.state!; const first = firstEntityLength(s); p[i]!.state = new Uint8Array([...s.subarray(0, first), ...s]) }, /not in ascending order/],
      ['an entity with a byte past its last field', (p) => { const i = statePages(p)[2]!; const s = p[i]!.state!; const { start, end } = firstEntity(s); p[i]!.state = new Uint8Array([...s.subarray(0, 32), ...varint(end - start + 1), ...s.subarray(start, end), 0, ...s.subarray(end)]) }, /does not decode: entity has bytes past its last field/],
      ['children before the last entities', (p) => { const c = p.findIndex((x) => x.children !== undefined); const s = statePages(p).at(-1)!; [p[c], p[s]] = [p[s]!, p[c]!] }, /out of order|names a missing or foreign entity/],
      ['a pair dropped', (p) => { const c = p.findIndex((x) => x.children !== undefined); p[c]!.children = p[c]!.children!.subarray(64); p.at(-1)!.end!.children-- }, /does not match its children/],
      ['a pair repeated', (p) => { const c = p.findIndex((x) => x.children !== undefined); const ch = p[c]!.children!; p[c]!.children = new Uint8Array([...ch.subarray(0, 64), ...ch]); p.at(-1)!.end!.children++ }, /not in ascending order/],
      ['a delta id dropped', (p) => { const d = p.findIndex((x) => x.ids !== undefined); p[d]!.ids = p[d]!.ids!.subarray(32) }, /counts do not match/]
    ]
    for (const [what, change, why] of cases) {
      const { r, emptyRoot } = await fresh()
      const p = copy(pages)
      change(p)
      await assert.rejects(importInto(r, p), (err: Error) => err.name === 'InvalidDeltaError' && why.test(err.message), what)
      untouched(r, emptyRoot)
      await r.close()
    }
  })
})

/** A length as the packed pages write it (LEB128). */
function varint (n: number): number[] {
  const out: number[] = []
  for (; n >= 0x80; n >>>= 7) out.push((n & 0x7f) | 0x80)
  out.push(n)
  return out
}

/** Where the first entity of a packed `state` starts (after its id and length) and ends. */
function firstEntity (state: Uint8Array): { start: number, end: number } {
  let len = 0
  let at = 32
  for (let shift = 0; ; shift += 7) {
    const x = state[at++]!
    len += (x & 0x7f) * 2 ** shift
    if (x < 0x80) break
  }
  return { start: at, end: at + len }
}

/** The first entity's whole length in a packed `state`: its id, its length, its bytes. */
function firstEntityLength (state: Uint8Array): number {
  return firstEntity(state).end
}

/** The bytes of the first entity in a packed `state`. */
function decodeEntityBytes (state: Uint8Array): Uint8Array {
  const { start, end } = firstEntity(state)
  return state.subarray(start, end)
}
