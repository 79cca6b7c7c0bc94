// The sender-key ratchet on its own (src/sync/ratchet/): every message under a fresh key,
// out-of-order, duplicate and late delivery, the bounds of the skipped-key cache, tampering;
// generations (scheduled rotation), their delivery (X25519 key wrapping) and the LMDB store that keeps them.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { utf8, fromUtf8 } from '../../src/crypto/bytes.ts'
import { DecryptionError } from '../../src/errors/index.ts'
import { parseEnvelope } from '../../src/sync/envelope.ts'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { MissingGenerationError, Ratchets, StaleMessageError } from '../../src/sync/ratchet/index.ts'
import { deliveryKey, generationInfo, openWith, sealTo } from '../../src/sync/ratchet/delivery.ts'
import { RatchetStore, type StoredGeneration } from '../../src/sync/ratchet/store.ts'
import { tempDir } from '../helpers/tmp.ts'

const rand = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

function setup (opts = {}) {
  const ctx = rand(32)
  const epoch = { id: rand(32), key: rand(32) }
  const alice = rand(32)
  const sender = new Ratchets()
  const receiver = new Ratchets(opts)
  const send = (text: string): Uint8Array => sender.seal(ctx, epoch, alice, 'delta', rand(32), utf8(text))
  const open = (bytes: Uint8Array): string => fromUtf8(receiver.open(ctx, parseEnvelope(bytes), [epoch]))
  return { ctx, epoch, alice, sender, receiver, send, open }
}

describe('sender-key ratchet', () => {
  it('seals each message with a new key: consecutive indexes, distinct ciphertexts of the same text', () => {
    const { send } = setup()
    const a = parseEnvelope(send('same'))
    const b = parseEnvelope(send('same'))
    assert.equal(a.index, 0)
    assert.equal(b.index, 1)
    assert.deepEqual(a.chain, b.chain)
    assert.notDeepEqual(a.sealed.subarray(24), b.sealed.subarray(24))
  })

  it('opens out of order, once each; a duplicate is a StaleMessageError', () => {
    const { send, open, receiver } = setup()
    const sent = Array.from({ length: 6 }, (_, i) => send(`m${i}`))
    for (const i of [3, 0, 5, 1, 4, 2]) assert.equal(open(sent[i]!), `m${i}`)
    assert.equal(receiver.skippedKeys, 0, 'every skipped key was used and wiped')
    for (const bytes of sent) assert.throws(() => open(bytes), StaleMessageError)
  })

  it('opens a long-delayed message after many later ones, within the skip bound', () => {
    const { send, open } = setup({ maxSkip: 500 })
    const late = send('late')
    const rest = Array.from({ length: 400 }, (_, i) => send(`n${i}`))
    for (const b of rest) open(b)
    assert.equal(open(late), 'late')
  })

  it('bounds the skipped keys: a gap past maxSkip is refused, the oldest keys go past maxSkippedKeys', () => {
    const far = setup({ maxSkip: 10 })
    const first = far.send('first')
    for (let i = 0; i < 11; i++) far.send('x')
    assert.throws(() => far.open(far.send('too far')), StaleMessageError)
    assert.equal(far.open(first), 'first', 'a refused message changes nothing')

    const few = setup({ maxSkippedKeys: 3 })
    const early = Array.from({ length: 5 }, (_, i) => few.send(`e${i}`))
    few.open(few.send('later'))
    assert.equal(few.receiver.skippedKeys, 3)
    assert.throws(() => few.open(early[0]!), StaleMessageError, 'the oldest skipped key was dropped')
    assert.equal(few.open(early[4]!), 'e4')
  })

  it('drops skipped keys past their age', () => {
    const { send, open, receiver } = setup({ maxSkippedAgeMs: 0 })
    const early = send('early')
    open(send('later'))
    assert.equal(receiver.skippedKeys, 1)
    const until = Date.now() + 2
    while (Date.now() < until) { /* let the key age */ }
    assert.throws(() => open(early), StaleMessageError)
  })

  it('refuses a tampered envelope or one under an epoch it lacks, and its chain does not move', () => {
    const { send, open, ctx, epoch, receiver } = setup()
    const bytes = send('m0')
    const env = parseEnvelope(bytes)
    env.sealed[env.sealed.length - 1]! ^= 1
    assert.throws(() => receiver.open(ctx, env, [epoch]), (err: Error) => err instanceof DecryptionError && !(err instanceof StaleMessageError))
    assert.throws(() => receiver.open(ctx, parseEnvelope(bytes), []), /no group key/)
    assert.equal(open(bytes), 'm0')
  })

  it('opens an older epoch\'s messages only within the grace period after a newer one took over', () => {
    const { ctx, alice, sender } = setup()
    const epochs = [1, 2].map(() => ({ id: rand(32), key: rand(32) }))
    const under = epochs.map((e) => sender.seal(ctx, e, alice, 'gov', rand(32), utf8('op')))
    const receiver = new Ratchets({ epochGraceMs: 50 })
    const t0 = Date.now()
    receiver.retain(ctx, epochs.map((e) => Buffer.from(e.id).toString('hex')), t0)
    assert.equal(fromUtf8(receiver.open(ctx, parseEnvelope(under[0]!), epochs)), 'op', 'the superseded epoch, within the grace period')
    while (Date.now() <= t0 + 50) { /* let the grace period pass */ }
    receiver.retain(ctx, epochs.map((e) => Buffer.from(e.id).toString('hex')))
    assert.throws(() => receiver.open(ctx, parseEnvelope(sender.seal(ctx, epochs[0]!, alice, 'gov', rand(32), utf8('late'))), epochs), StaleMessageError)
    assert.equal(fromUtf8(receiver.open(ctx, parseEnvelope(under[1]!), epochs)), 'op', 'the epoch in force')
  })

  it('is due for rotation after the configured number of messages', () => {
    const ctx = rand(32)
    const epoch = { id: rand(32), key: rand(32) }
    const r = new Ratchets({ rotateAfterMessages: 3 })
    for (let i = 0; i < 2; i++) r.seal(ctx, epoch, rand(32), 'delta', rand(32), utf8('x'))
    assert.equal(r.due(ctx, epoch), false)
    r.seal(ctx, epoch, rand(32), 'delta', rand(32), utf8('x'))
    assert.equal(r.due(ctx, epoch), true)
  })
})

describe('generations of an epoch (scheduled rotation)', () => {
  it('seals under a new generation once rotated; a member without it is told so, then opens it once fetched', () => {
    const { ctx, epoch, alice, sender, receiver, send, open } = setup()
    assert.equal(open(send('before')), 'before')
    const gen = sender.rotate(ctx, epoch)
    assert.equal(gen.n, 1)
    const after = send('after')
    assert.deepEqual(parseEnvelope(after).gen, gen.id)
    assert.throws(() => open(after), MissingGenerationError)
    assert.equal(receiver.accept(ctx, epoch, gen.id, gen.n, rand(32)), false, 'a secret that does not match the id is refused')
    assert.equal(receiver.accept(ctx, epoch, gen.id, 2, gen.secret), false, 'so is the right secret under another number')
    assert.equal(receiver.accept(ctx, epoch, gen.id, gen.n, gen.secret), true)
    assert.equal(open(after), 'after')
    // The receiver now seals under the newest generation it holds too.
    assert.deepEqual(parseEnvelope(receiver.seal(ctx, epoch, alice, 'delta', rand(32), utf8('x'))).gen, gen.id)
  })

  it('keeps two generations: messages of older ones are stale, and their secrets are gone from the store', () => {
    const { ctx, epoch, sender, send } = setup()
    const stored = new Map<string, StoredGeneration>()
    const store = {
      list: (c: string, e: string) => [...stored.values()].filter((g) => g.ctx === c && g.epoch === e),
      put: (g: StoredGeneration) => { stored.set(g.id, g) },
      drop: (_c: string, _e?: string, id?: string) => { if (id === undefined) stored.clear(); else stored.delete(id) }
    }
    const receiver = new Ratchets({}, store)
    const m0 = send('gen 0')
    const g1 = sender.rotate(ctx, epoch)
    const m1 = send('gen 1')
    const g2 = sender.rotate(ctx, epoch)
    const m2 = send('gen 2')
    for (const g of [g1, g2]) assert.ok(receiver.accept(ctx, epoch, g.id, g.n, g.secret))
    const openHere = (b: Uint8Array): string => fromUtf8(receiver.open(ctx, parseEnvelope(b), [epoch]))
    assert.throws(() => openHere(m0), StaleMessageError)
    assert.equal(openHere(m1), 'gen 1')
    assert.equal(openHere(m2), 'gen 2')
    assert.deepEqual([...stored.values()].map((g) => g.n).sort(), [1, 2])
    // A restart reads the kept generations back (and knows generation 0 is gone).
    const again = new Ratchets({}, store)
    assert.equal(again.current(ctx, epoch).n, 2)
    assert.throws(() => again.open(ctx, parseEnvelope(m0), [epoch]), StaleMessageError)
    assert.equal(fromUtf8(again.open(ctx, parseEnvelope(send('still gen 2')), [epoch])), 'still gen 2')
  })


  it('keeps sibling generations that members made at the same time; every member then seals under the lowest id', () => {
    const ctx = rand(32)
    const epoch = { id: rand(32), key: rand(32) }
    const members = [new Ratchets(), new Ratchets(), new Ratchets()]
    const ids = members.map(() => rand(32))
    // Each member moves off generation 0 on its own and seals its first message.
    const gens = members.map((m) => m.rotate(ctx, epoch))
    const sent = members.map((m, i) => m.seal(ctx, epoch, ids[i]!, 'delta', rand(32), utf8(`from ${i}`)))
    const lowest = [...gens].sort((x, y) => Buffer.compare(x.id, y.id))[0]!
    for (const [i, m] of members.entries()) {
      for (const g of gens) assert.ok(m.accept(ctx, epoch, g.id, g.n, g.secret), `member ${i} keeps every sibling`)
      for (const [j, bytes] of sent.entries()) if (j !== i) assert.equal(fromUtf8(m.open(ctx, parseEnvelope(bytes), [epoch])), `from ${j}`)
      assert.deepEqual(m.current(ctx, epoch).id, lowest.id)
    }
    // The next rotation leaves the siblings as the one before it; the one after that drops them.
    const g2 = members[0]!.rotate(ctx, epoch)
    assert.equal(g2.n, 2)
    for (const g of gens) assert.ok(members[0]!.generation(ctx, epoch, g.id) !== undefined)
    members[0]!.rotate(ctx, epoch)
    for (const g of gens) assert.equal(members[0]!.generation(ctx, epoch, g.id), undefined)
    assert.throws(() => members[0]!.open(ctx, parseEnvelope(sent[1]!), [epoch]), StaleMessageError)
  })
  it('is due after the configured age', () => {
    const ctx = rand(32)
    const epoch = { id: rand(32), key: rand(32) }
    const r = new Ratchets({ rotateEveryMs: 1000 })
    r.seal(ctx, epoch, rand(32), 'delta', rand(32), utf8('x'))
    assert.equal(r.due(ctx, epoch), false)
    assert.equal(r.due(ctx, epoch, Date.now() + 1000), true)
    r.rotate(ctx, epoch)
    assert.equal(r.due(ctx, epoch, Date.now() + 999), false, 'the new generation starts its own clock')
  })
})

describe('delivery of a generation secret (X25519 key wrapping to a request key)', () => {
  it('opens under the request\'s key and the same binding only', async () => {
    const key = await deliveryKey()
    const secret = rand(32)
    const info = generationInfo(rand(32), rand(32), rand(32), 1, rand(32))
    const { enc, sealed } = await sealTo(key.publicKey, info, secret)
    assert.deepEqual(await openWith(key, info, enc, sealed), secret)
    await assert.rejects(openWith(await deliveryKey(), info, enc, sealed), DecryptionError)
    await assert.rejects(openWith(key, utf8('another binding'), enc, sealed), DecryptionError)
    await assert.rejects(sealTo(new Uint8Array(5), info, secret), DecryptionError)
  })
})

describe('the ratchet key store (LMDB)', () => {
  it('keeps generations sealed across a reopen, and a dropped one is gone from the file after compaction', async () => {
    const dir = tempDir('moor-ratchet-')
    try {
      const sealing = rand(32)
      const ctx = 'aa'.repeat(32)
      const epoch = 'bb'.repeat(32)
      const kept = { ctx, epoch, id: 'cc'.repeat(32), n: 1, secret: rand(32), since: 1 }
      const dropped = { ctx, epoch, id: 'dd'.repeat(32), n: 2, secret: rand(32), since: 2 }
      let store = new RatchetStore(dir.path, sealing)
      store.put(kept)
      store.put(dropped)
      const file = (): Buffer => readFileSync(join(dir.path, 'keys.mdb'))
      assert.ok(file().includes(Buffer.from(`${ctx}/${epoch}/${dropped.id}`)), 'the record is in the file')
      assert.ok(!file().includes(Buffer.from(dropped.secret)), 'secrets are sealed at rest')
      store.drop(ctx, epoch, dropped.id)
      await store.settled()
      assert.ok(!file().includes(Buffer.from(`${ctx}/${epoch}/${dropped.id}`)), 'no stale page holds the dropped record')
      await store.close()
      store = new RatchetStore(dir.path, sealing)
      assert.deepEqual(store.list(ctx, epoch), [kept])
      store.drop(ctx)
      await store.settled()
      assert.deepEqual(store.list(ctx, epoch), [], 'a context left drops everything of it')
      assert.ok(!file().includes(Buffer.from(`${ctx}/${epoch}/${kept.id}`)))
      store.put(kept)
      await store.close()
      assert.throws(() => new RatchetStore(dir.path, rand(32)).list(ctx, epoch), DecryptionError, 'another node key opens nothing')
    } finally {
      dir.cleanup()
    }
  })
})

describe('ratchet state of idle contexts', () => {
  it('leaves memory while nothing was received, and comes back with its generation, its due time and its message count; a context that received stays', async () => {
    const dir = tempDir('moor-ratchet-idle-')
    try {
      const store = new RatchetStore(dir.path, rand(32))
      const node = new Ratchets({ loadedContexts: 1, rotateAfterMessages: 3 }, store)
      const peer = new Ratchets()
      const me = rand(32)
      const bob = rand(32)
      const context = (): { ctx: Uint8Array, epoch: { id: Uint8Array, key: Uint8Array } } => ({ ctx: rand(32), epoch: { id: rand(32), key: rand(32) } })
      const a = context(); const b = context(); const c = context()
      const gen = node.rotate(a.ctx, a.epoch)
      assert.ok(peer.accept(a.ctx, a.epoch, gen.id, gen.n, gen.secret))
      const seal = (x: typeof a, text: string): Uint8Array => node.seal(x.ctx, x.epoch, me, 'delta', rand(32), utf8(text))
      seal(a, 'one'); seal(a, 'two')
      assert.equal(node.due(a.ctx, a.epoch), false)
      seal(b, 'elsewhere')
      assert.equal(node.loaded(a.ctx), false, 'a sealed only: its state left memory')
      const third = seal(a, 'three')
      assert.equal(node.loaded(a.ctx), true)
      assert.deepEqual(parseEnvelope(third).gen, gen.id, 'sealed under the generation in force, read from the store')
      assert.equal(fromUtf8(peer.open(a.ctx, parseEnvelope(third), [a.epoch])), 'three')
      assert.equal(node.due(a.ctx, a.epoch), true, 'the messages before it left count')
      seal(b, 'elsewhere again')
      assert.equal(node.due(a.ctx, a.epoch), true, 'still due while out of memory')

      // c heard from bob: its receiving chain stays in memory (a message opened once is never opened again).
      const fromBob = peer.seal(c.ctx, c.epoch, bob, 'delta', rand(32), utf8('hi'))
      assert.equal(fromUtf8(node.open(c.ctx, parseEnvelope(fromBob), [c.epoch])), 'hi')
      seal(b, 'and again')
      assert.equal(node.loaded(c.ctx), true)
      assert.throws(() => node.open(c.ctx, parseEnvelope(fromBob), [c.epoch]), StaleMessageError)
      await store.close()
    } finally {
      dir.cleanup()
    }
  })
})
