// A hostile libp2p peer in no context, on the same stack (a bare libp2p host of ours, in
// this process), against member nodes in their own OS processes. It serves our catch-up
// protocols with fake governance answers (valid ops, parents missing: what a victim that
// asked it would hold), pushes fake ops, and floods the context's topic with junk and
// with envelopes naming key ids nobody holds (each once triggered a governance sync).
// The members never ask it anything (it learns neither their contexts nor their
// identities), keep their members, governance and root hash, stay within bounds of disk
// and memory, and disconnect and ban it; after a restart it is still asked nothing.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { decode, encode } from 'cborg'
import { concatBytes, utf8 } from '../../src/crypto/bytes.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { wrapKey } from '../../src/crypto/keywrap.ts'
import { seal } from '../../src/crypto/secretbox.ts'
import { createNetwork, type Network } from '../../src/network/index.ts'
import { topicOf } from '../../src/node/replication.ts'
import { forgedEnvelope } from '../helpers/envelopes.ts'
import { encodeRequest, PROTOCOLS } from '../../src/sync/wire.ts'
import { converged, fullMesh, NodeProcess, roots, sharedContext, until } from '../helpers/node-process.ts'
import { diskBytes, fakeOps as strangerOps } from '../helpers/stranger.ts'

const MiB = 1024 * 1024

describe('a hostile peer in no context', { timeout: 300_000 }, () => {
  let a: NodeProcess, b: NodeProcess
  let ctx: string
  let hostile: Network
  const stranger = generateKeyPair()
  /** Requests the members sent the hostile peer, by protocol. */
  const asked: string[] = []

  const fakeOps = (context: Uint8Array, n: number): Uint8Array[] => strangerOps(context, stranger, n)

  before(async () => {
    [a, b] = await Promise.all(['a', 'b'].map(async (name) => await NodeProcess.start({ name, nodeArgs: ['--expose-gc'] })))
    ;({ ctx } = await sharedContext(a, [b]))
    await fullMesh([a, b])
    await a.call('set', { ctx, key: 'k', value: 'before' })
    await converged([a, b], ctx)

    hostile = createNetwork({ seed: randomBytes(32) })
    // Whoever asks gets a well-formed governance answer for the context it names, sealed
    // for the identity it asked as: 40 ops of 200 KB (8 MB) with missing parents.
    for (const [name, protocol] of Object.entries(PROTOCOLS)) {
      await hostile.handle(protocol, async (request) => {
        asked.push(name)
        const [context, [identity]] = decode(request) as [Uint8Array, [Uint8Array]]
        const aad = concatBytes(utf8('moorage:gov-session:v1'), context)
        const session = new Uint8Array(randomBytes(32))
        return encode([wrapKey(session, identity, aad), seal(session, encode(fakeOps(context, 40)), aad)])
      })
    }
    await hostile.start()
  })
  after(async () => {
    await hostile.stop()
    await Promise.all([a, b].map(async (p) => { await p.cleanup() }))
  })

  it('is asked nothing, changes nothing, costs bounded disk and memory, and is banned', async (t) => {
    const c = Buffer.from(ctx, 'hex')
    const members = await a.call('members', { ctx })
    const govHeads = await a.call('govHeads', { ctx })
    const root = (await roots([a, b], ctx))[0]
    const disk = diskBytes(a.home)
    const rss = (await a.call('memory')).rss as number

    await hostile.dial(a.addresses[0]!)
    await hostile.dial(b.addresses[0]!)
    const topic = topicOf(c)
    hostile.subscribe(topic, () => {})
    await until('the members and the hostile peer to see each other on the topic', async () =>
      (await a.call('topicPeers', { ctx })).includes(hostile.peerId) && (await b.call('topicPeers', { ctx })).includes(hostile.peerId) &&
      hostile.topicPeers(topic).includes(a.peerId) && hostile.topicPeers(topic).includes(b.peerId))

    // Unsolicited governance: pushes of fake ops (3 MB each), as the stranger.
    for (let i = 0; i < 5; i++) {
      for (const target of [a, b]) {
        const req = encodeRequest(PROTOCOLS.push, c, stranger, hostile.peerId, [fakeOps(c, 15), null])
        await assert.rejects(async () => { for await (const _ of hostile.request(target.peerId, PROTOCOLS.push, req)) { /* */ } }, /not a member of this context/)
      }
    }
    // Envelopes under key ids nobody holds (500 KB each), then junk.
    let sent = 0
    for (let i = 0; i < 60; i++) {
      const env = forgedEnvelope('delta', c, new Uint8Array(randomBytes(32)), new Uint8Array(randomBytes(500_000)))
      sent += await hostile.publish(topic, env) > 0 ? 1 : 0
    }
    // Junk until both members have banned it (a peer proven a member node of no context is
    // banned at its third forged envelope).
    const banned = (): boolean => [a, b].every((m) => m.grep(/peer banned: it kept sending rejected material/).some((l) => l.includes(hostile.peerId)))
    // Sent a few at a time, each batch once the members judged the last: gossipsub has no
    // backpressure, and a sender that publishes in a tight loop only fills its own buffers
    // (on a busy machine, gigabytes of them) while the members see nothing.
    const rejections = (): number => [a, b].reduce((n, m) => n + m.grep(/rejected a message from a peer/).filter((l) => l.includes(hostile.peerId)).length, 0)
    for (let round = 0; round < 100 && !banned(); round++) {
      const before = rejections()
      for (let i = 0; i < 4; i++) sent += await hostile.publish(topic, new Uint8Array(randomBytes(500_000))) > 0 ? 1 : 0
      await until('the members to judge the junk', () => banned() || rejections() > before, 30_000)
    }
    assert.ok(banned(), `both members to ban the hostile peer (${sent} junk messages reached someone; rejections logged: ${[a, b].map((m) => m.grep(/rejected a message from a peer/).filter((l) => l.includes(hostile.peerId)).length).join(', ')}; bans: ${[a, b].map((m) => m.grep(/peer banned/).length).join(', ')})`)
    await until('both members to drop the connection', async () => !(await a.call('peers')).includes(hostile.peerId) && !(await b.call('peers')).includes(hostile.peerId))
    await assert.rejects(hostile.dial(a.addresses[0]!), { name: 'DialError' })

    // Nothing was asked of it: it learnt no context and no identity of the members.
    assert.deepEqual(asked, [])
    // Nothing changed, and the members still work together.
    assert.deepEqual(await a.call('members', { ctx }), members)
    assert.deepEqual(await a.call('govHeads', { ctx }), govHeads)
    assert.deepEqual(await b.call('govHeads', { ctx }), govHeads)
    assert.deepEqual(await roots([a, b], ctx), [root, root])
    await a.call('set', { ctx, key: 'k', value: 'after' })
    await until('b to get a\'s write', async () => await b.call('get', { ctx, key: 'k' }) === 'after')
    // Tens of MB of junk and ~30 MB of pushed ops came in; a victim that asked it would
    // have been handed 8 MB of ops per question.
    const grewDisk = diskBytes(a.home) - disk
    const grewRss = (await a.call('memory')).rss as number - rss
    t.diagnostic(`store grew ${(grewDisk / MiB).toFixed(1)} MiB, RSS ${(grewRss / MiB).toFixed(1)} MiB; ${sent} junk messages sent`)
    assert.ok(grewDisk < 16 * MiB, `the store grew by ${(grewDisk / MiB).toFixed(1)} MiB`)
    assert.ok(grewRss < 256 * MiB, `RSS grew by ${(grewRss / MiB).toFixed(1)} MiB`)

    // After a restart a knows no member node yet (nor the ban): b proves itself again by
    // its heartbeat, the hostile peer comes back and is still asked nothing.
    await a.stop()
    a = await a.restart({ nodeArgs: ['--expose-gc'] })
    await a.call('dial', { addr: b.addresses[0] })
    await hostile.dial(a.addresses[0]!)
    await b.call('set', { ctx, key: 'k', value: 'after the restart' })
    await until('a to get b\'s write', async () => await a.call('get', { ctx, key: 'k' }) === 'after the restart')
    await a.call('set', { ctx, key: 'k2', value: 'from a' })
    await until('b to get a\'s write', async () => await b.call('get', { ctx, key: 'k2' }) === 'from a')
    assert.deepEqual(asked, [])
    assert.deepEqual(await a.call('members', { ctx }), members)
    assert.deepEqual(await a.call('govHeads', { ctx }), govHeads)
  })
})
