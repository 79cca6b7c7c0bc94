// Generation 0 of an epoch comes from the epoch secret, which the governance log keeps for
// good, so a copy of a member's home opens whatever is sealed under it (docs/encryption.md).
// No node seals a delta or governance message under it: not the epoch's maker, not a member
// that joined and writes before it saw any traffic, not a member writing first in the epoch
// a removal made. Every ratcheted envelope any node publishes is recorded from the start.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { toHex } from '../../src/crypto/bytes.ts'
import type { Network } from '../../src/network/index.ts'
import type { Replicator } from '../../src/node/replication/index.ts'
import { parseEnvelope, RATCHETED_KINDS, type Envelope } from '../../src/sync/envelope.ts'
import { joinedContext, startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

const partsOf = (t: TestNode): { network: Network, replicator: Replicator } => (t.node as unknown as { p: { network: Network, replicator: Replicator } }).p
const networkOf = (t: TestNode): Network => partsOf(t).network
/** The id (hex) of the epoch `t` seals under in `ctx`. */
const epochOf = (t: TestNode, ctx: string): string | undefined => {
  const id = partsOf(t).replicator.keys.keyring(new Uint8Array(Buffer.from(ctx, 'hex'))).current?.id
  return id === undefined ? undefined : toHex(id)
}

/** Records every ratcheted envelope `t` publishes, with its publisher. */
function record (t: TestNode, name: string, into: Array<{ by: string, env: Envelope }>): void {
  const net = networkOf(t)
  const real = net.publish.bind(net)
  net.publish = async (topic: string, data: Uint8Array) => {
    const env = parseEnvelope(data)
    if (RATCHETED_KINDS.has(env.kind)) into.push({ by: name, env })
    return await real(topic, data)
  }
}

describe('generation 0 of an epoch', { timeout: 120_000 }, () => {
  let a: TestNode, b: TestNode, c: TestNode
  const sent: Array<{ by: string, env: Envelope }> = []
  before(async () => {
    ;[a, b, c] = await Promise.all([startTestNode(), startTestNode(), startTestNode()])
    record(a, 'a', sent)
    record(b, 'b', sent)
    record(c, 'c', sent)
  })
  after(async () => { await Promise.all([a.close(), b.close(), c.close()]) })

  it('seals nothing: each node moves to a generation of fresh randomness before its first message', async () => {
    const ctx = await joinedContext(a, [b, c])
    // b and c write before they have seen anything of a under the epoch.
    await b.call(ctx, 'set', { key: 'from-b', value: 'b' })
    await c.call(ctx, 'set', { key: 'from-c', value: 'c' })
    await a.call(ctx, 'set', { key: 'from-a', value: 'a' })
    for (const [t, key, value] of [[a, 'from-b', 'b'], [a, 'from-c', 'c'], [b, 'from-a', 'a'], [c, 'from-b', 'b']] as const) {
      await until(`${key} everywhere`, async () => await t.query(ctx, 'get', { key }) === value)
    }
    // A removal makes a new epoch; b writes first in it.
    const epochBefore = epochOf(a, ctx)
    await a.node.removeMember(ctx, c.node.getContext(ctx).identity)
    await until('b to hold the new epoch', async () => epochOf(b, ctx) !== epochBefore && epochOf(b, ctx) === epochOf(a, ctx))
    await b.call(ctx, 'set', { key: 'after-removal', value: 'b2' })
    await until('a to have b\'s write in the new epoch', async () => await a.query(ctx, 'get', { key: 'after-removal' }) === 'b2')

    const epochs = new Set(sent.map((s) => toHex(s.env.keyId)))
    assert.ok(epochs.size >= 2, 'messages went under the first epoch and the one the removal made')
    for (const by of ['a', 'b', 'c']) assert.ok(sent.some((s) => s.by === by), `${by} published ratcheted messages`)
    const underZero = sent.filter((s) => s.env.gen.byteLength === 0).map((s) => `${s.by}: ${s.env.kind}`)
    assert.deepEqual(underZero, [], 'no message is sealed under generation 0')
  })
})
