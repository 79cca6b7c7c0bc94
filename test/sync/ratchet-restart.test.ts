// A member offline across several rotations, then restarted on its home: it catches up on
// every write made meanwhile (by catch-up, not by old keys: the generations it missed were
// dropped), reads its kept generations back from its key store, and takes part in the
// newest generation from then on, both ways.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Network } from '../../src/network/index.ts'
import type { Replicator } from '../../src/node/replication/index.ts'
import { joinedContext, startTestNode, type TestNode } from '../helpers/node.ts'
import { tempDir } from '../helpers/tmp.ts'
import { until } from '../helpers/until.ts'

const partsOf = (t: TestNode): { network: Network, replicator: Replicator } => (t.node as unknown as { p: { network: Network, replicator: Replicator } }).p
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

describe('a member restarted after missing rotations', { timeout: 180_000 }, () => {
  let a: TestNode, b: TestNode
  let ctx: string
  const bHome = tempDir('moor-restart-')
  before(async () => {
    a = await startTestNode({ encryption: { rotateAfterMessages: 3 } })
    b = await startTestNode({ home: bHome.path })
    ctx = await joinedContext(a, [b])
  })
  after(async () => {
    await Promise.all([a.close(), b.close()])
    bHome.cleanup()
  })

  it('catches up, then reads and writes under the newest generation', async () => {
    const c = hex(ctx)
    const generation = (t: TestNode): number => {
      const keys = partsOf(t).replicator.keys
      return keys.ratchets.current(c, keys.keyring(c).current!).n
    }
    for (let i = 0; i < 6; i++) await a.call(ctx, 'set', { key: `on${i}`, value: 'x' })
    await until('b to have the writes before its stop', async () => await b.query(ctx, 'get', { key: 'on5' }) === 'x')
    // What b holds when it stops (read after the stop: a fetch under way may still land).
    const keysBefore = partsOf(b).replicator.keys
    const epoch = keysBefore.keyring(c).current!
    await b.close()
    const before = keysBefore.ratchets.current(c, epoch).n
    assert.ok(before >= 1)
    // Offline: a writes on and rotates several times.
    let off = 0
    await until('a to rotate past the generations b keeps', async () => {
      await a.call(ctx, 'set', { key: `off${off++}`, value: 'y' })
      return generation(a) >= before + 3
    }, 30_000, 100)

    b = await startTestNode({ home: bHome.path })
    assert.equal(generation(b), before, 'b read its generations back from its key store')
    await partsOf(b).network.dial(partsOf(a).network.addresses()[0]!)
    await until('b to catch up on what it missed', async () => await b.query(ctx, 'get', { key: `off${off - 1}` }) === 'y', 30_000)
    for (let k = 0; k < off; k++) assert.equal(await b.query(ctx, 'get', { key: `off${k}` }), 'y')
    // Live again: a's next writes come under a newer generation, which b fetches.
    const start = generation(a)
    for (let i = 0; generation(b) <= start; i++) {
      assert.ok(i < 30, 'b follows a into a generation made after the restart')
      await a.call(ctx, 'set', { key: `live${i}`, value: 'z' })
      await until(`b to have live${i}`, async () => await b.query(ctx, 'get', { key: `live${i}` }) === 'z')
    }
    await b.call(ctx, 'set', { key: 'from-b', value: 'after restart' })
    await until('a to have b\'s write', async () => await a.query(ctx, 'get', { key: 'from-b' }) === 'after restart')
  })
})
