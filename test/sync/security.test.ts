// What outsiders see and can do, with every node its own OS process on one gossip
// network: a non-member subscribed to a context's topic sees only ciphertext, is refused
// by every catch-up stream, and its forged messages are rejected with a reason; a removed
// member cannot open what is written after its removal, and a delta it forges at its
// post-removal governance point is rejected by every peer.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { converged, fullMesh, NodeProcess, roots, sharedContext, until } from '../helpers/node-process.ts'

describe('outsiders of a context', { timeout: 180_000 }, () => {
  let a: NodeProcess, b: NodeProcess, c: NodeProcess, n: NodeProcess
  let ctx: string
  let identities: Map<NodeProcess, string>
  const members = (): NodeProcess[] => [a, b]

  before(async () => {
    [a, b, c, n] = await Promise.all(['a', 'b', 'c', 'n'].map(async (name) => await NodeProcess.start({ name })))
    ;({ ctx, identities } = await sharedContext(a, [b, c]))
    await fullMesh([a, b, c, n])
    await a.call('set', { ctx, key: 'seed', value: 'x' })
    await converged([a, b, c], ctx)
  })
  after(async () => { await Promise.all([a, b, c, n].map(async (p) => { await p.cleanup() })) })

  it('a non-member subscribed to the topic sees only ciphertext', async () => {
    await n.call('sniff', { ctx })
    await until('a and b to see n on the topic', async () =>
      (await a.call('topicPeers', { ctx })).includes(n.peerId) && (await b.call('topicPeers', { ctx })).includes(n.peerId))
    const secret = `top-secret-${randomBytes(8).toString('hex')}`
    const fromA = await a.call('set', { ctx, key: 'secret-a', value: secret })
    const fromB = await b.call('set', { ctx, key: 'secret-b', value: secret })
    let seen: any[] = []
    await until('n to receive both deltas and a heartbeat', async () => {
      seen = await n.call('sniffed', { ctx, needle: secret })
      const subjects = seen.filter((m) => m.kind === 'delta').map((m) => m.subject)
      return subjects.includes(fromA.deltaId) && subjects.includes(fromB.deltaId) && seen.some((m) => m.kind === 'beat')
    }, 15_000)
    assert.ok(seen.length >= 3)
    for (const m of seen) {
      assert.equal(m.opened, false, 'n opened a message')
      assert.equal(m.plain, false, 'the secret appears in clear in a gossip message')
    }
    // n is not in the context at all and holds no key for it.
    await assert.rejects(n.call('ctx', { ctx }), { name: 'NotFoundError' })
  })

  it('a non-member is refused by every catch-up stream', async () => {
    for (const peer of [a, b]) {
      const answers = await n.call('ask', { ctx, peer: peer.peerId })
      for (const protocol of ['heads', 'deltas', 'snapshot', 'gov']) {
        assert.match(answers[protocol], /refused: .*not a member of this context/, `${peer.name} ${protocol}: ${answers[protocol]}`)
      }
    }
  })

  it('forged messages of a non-member are rejected by every member, with a reason', async () => {
    const before = await roots(members(), ctx)
    const keyId = (await a.call('keys', { ctx })).at(-1)
    await n.call('forge', { ctx, mode: 'garbage' })
    const stranger = await n.call('forge', { ctx, mode: 'stranger', key: 'injected', value: 'by a stranger' })
    const stolen = await n.call('forge', { ctx, mode: 'stolen-id', keyId, key: 'injected', value: 'under a real key id' })
    await until('every member to log the rejections', () => members().every((m) =>
      m.grep(/rejected a message from a peer.*envelope is not CBOR|rejected a message from a peer.*unknown envelope version/).length >= 2 &&
      m.grep(/gossip message under a group key this node does not hold.*no group key/).length >= 1 &&
      m.grep(/rejected a message from a peer.*could not decrypt: wrong key or tampered data/).length >= 1), 10_000)
    // A heartbeat later nothing changed anywhere.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    assert.deepEqual(await roots(members(), ctx), before)
    for (const m of members()) {
      assert.equal(await m.call('get', { ctx, key: 'injected' }), null)
      assert.ok(!m.logs.some((l) => l.includes(stranger.deltaId) && l.includes('received')))
      for (const l of m.grep(/rejected a message from a peer/)) assert.match(l, new RegExp(`"from":"${n.peerId}"`))
    }
    assert.ok(stolen.deltaId !== stranger.deltaId)
  })

  it('a removed member cannot open deltas written after its removal', async () => {
    const epochBefore = (await a.call('syncStatus', { ctx })).keyEpoch
    await a.call('remove', { ctx, identity: identities.get(c) })
    let epochAfter = ''
    await until('a rotated the group key and b has the new one', async () => {
      epochAfter = (await a.call('syncStatus', { ctx })).keyEpoch ?? ''
      return epochAfter !== '' && epochAfter !== epochBefore && (await b.call('keys', { ctx })).includes(epochAfter)
    })
    await until('c learnt of its removal', () => c.grep('no longer a member').length > 0)
    assert.ok(!(await c.call('keys', { ctx })).includes(epochAfter), 'c holds the new key')
    // It says it was removed (and awaits no key).
    assert.notEqual((await c.call('syncStatus', { ctx })).removed, null)

    // c listens on the topic with its own network, as an attacker would.
    await c.call('sniff', { ctx })
    await until('a and b to see c on the topic again', async () =>
      (await a.call('topicPeers', { ctx })).includes(c.peerId) && (await b.call('topicPeers', { ctx })).includes(c.peerId))
    const secret = `after-removal-${randomBytes(8).toString('hex')}`
    const fromA = await a.call('set', { ctx, key: 'after-removal-a', value: secret })
    const fromB = await b.call('set', { ctx, key: 'after-removal-b', value: secret })
    let seen: any[] = []
    await until('c to receive both deltas', async () => {
      seen = (await c.call('sniffed', { ctx, needle: secret })).filter((m: any) => m.subject === fromA.deltaId || m.subject === fromB.deltaId)
      return seen.length >= 2
    }, 15_000)
    // Sealed under a post-removal epoch (a's rotation, or b's if b rotated concurrently),
    // none of which c holds.
    const cKeys: string[] = await c.call('keys', { ctx })
    for (const m of seen) {
      assert.notEqual(m.keyId, epochBefore, 'sealed under the pre-removal epoch')
      assert.ok(!cKeys.includes(m.keyId), 'sealed under a key c holds')
      assert.equal(m.opened, false, 'c opened a delta written after its removal')
      assert.equal(m.plain, false)
    }
    // Nor can it fetch them: the catch-up streams that carry data refuse it.
    const answers = await c.call('ask', { ctx, peer: a.peerId })
    for (const protocol of ['heads', 'deltas', 'snapshot']) assert.match(answers[protocol], /refused: .*not a member/, `${protocol}: ${answers[protocol]}`)
    await assert.rejects(c.call('get', { ctx, key: 'after-removal-a' }), { name: 'ForbiddenError' })
    await converged(members(), ctx)
  })

  it('a delta forged by the removed member at its post-removal governance point is rejected by every peer', async () => {
    const before = await roots(members(), ctx)
    // Signed by c's real identity, sealed under the last key it holds (an old epoch the
    // members still hold too, so they open it and judge it).
    const forged = await c.call('forge', { ctx, mode: 'self', key: 'written-after-removal', value: 'by c' })
    await until('a and b to reject it', () => members().every((m) =>
      m.grep(new RegExp(`rejected delta.*${forged.deltaId}.*is not a member at the delta's governance point`)).length === 1), 10_000)
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    assert.deepEqual(await roots(members(), ctx), before)
    for (const m of members()) assert.equal(await m.call('get', { ctx, key: 'written-after-removal' }), null)
  })
})
