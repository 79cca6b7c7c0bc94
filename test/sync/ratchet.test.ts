// The sender-key ratchet on its own (src/sync/ratchet/): every message under a fresh key,
// out-of-order, duplicate and late delivery, the bounds of the skipped-key cache, tampering.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { utf8, fromUtf8 } from '../../src/crypto/bytes.ts'
import { DecryptionError } from '../../src/errors/index.ts'
import { parseEnvelope } from '../../src/sync/envelope.ts'
import { Ratchets, StaleMessageError } from '../../src/sync/ratchet/index.ts'

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
    const { send, open, ctx, receiver } = setup()
    const bytes = send('m0')
    const env = parseEnvelope(bytes)
    env.sealed[env.sealed.length - 1]! ^= 1
    assert.throws(() => receiver.open(ctx, env, [{ id: env.keyId, key: setup().epoch.key }]), DecryptionError)
    assert.throws(() => receiver.open(ctx, parseEnvelope(bytes), []), /no group key/)
    assert.equal(open(bytes), 'm0')
  })

  it('keeps the retained epochs only: a message under an older epoch is stale', () => {
    const { ctx, alice, sender } = setup()
    const receiver = new Ratchets({ retainedEpochs: 2 })
    const epochs = [1, 2, 3].map(() => ({ id: rand(32), key: rand(32) }))
    const under = epochs.map((e) => sender.seal(ctx, e, alice, 'gov', rand(32), utf8('op')))
    assert.throws(() => receiver.open(ctx, parseEnvelope(under[0]!), epochs), StaleMessageError)
    assert.equal(fromUtf8(receiver.open(ctx, parseEnvelope(under[1]!), epochs)), 'op')
    assert.equal(fromUtf8(receiver.open(ctx, parseEnvelope(under[2]!), epochs)), 'op')
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
