// Rotation on a schedule (config.json encryption.rotateEveryMs): a rotates the generation
// of the epoch in force every second with nothing else happening; b, which never rotates
// itself (default settings), follows by fetching each new generation and keeps every write.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Replicator } from '../../src/node/replication/index.ts'
import { joinedContext, startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

const keysOf = (t: TestNode): Replicator['keys'] => (t.node as unknown as { p: { replicator: Replicator } }).p.replicator.keys
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

describe('scheduled rotation by age', { timeout: 120_000 }, () => {
  let a: TestNode, b: TestNode
  let ctx: string
  before(async () => {
    a = await startTestNode({ encryption: { rotateEveryMs: 1000 } })
    b = await startTestNode()
    ctx = await joinedContext(a, [b])
  })
  after(async () => { await Promise.all([a.close(), b.close()]) })

  it('moves to a new generation about every second and b follows', async () => {
    const c = hex(ctx)
    const generation = (t: TestNode): number => keysOf(t).ratchets.current(c, keysOf(t).keyring(c).current!).n
    const epoch = keysOf(a).keyring(c).current!.id
    const start = generation(a)
    let i = 0
    await until('b to follow a through three scheduled rotations', async () => {
      await a.call(ctx, 'set', { key: `k${i}`, value: 'v' })
      i++
      return generation(b) >= start + 3
    }, 30_000, 300)
    assert.deepEqual(keysOf(a).keyring(c).current!.id, epoch, 'no governance rotation: the epoch is the same')
    await until('b to have every write', async () => await b.query(ctx, 'get', { key: `k${i - 1}` }) === 'v')
    for (let k = 0; k < i; k++) assert.equal(await b.query(ctx, 'get', { key: `k${k}` }), 'v')
  })
})
