// A snapshot replaces a node's whole state, so it is taken only while the node has no
// history. A node with an empty context starts fetching one; while the pages come, it
// writes a delta of its own. The snapshot must not erase that write: the node catches up
// by deltas instead, and both nodes converge with every write.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { PROTOCOLS } from '../../src/sync/wire.ts'
import { appWasm, startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

interface Parts {
  network: { peerId: string, block: (peer: string) => Promise<void>, unblock: (peer: string) => void }
  replicator: { ask: (...args: unknown[]) => AsyncGenerator<Uint8Array> }
}
const parts = (t: TestNode): Parts => (t.node as unknown as { p: Parts }).p

describe('a snapshot fetched while the node writes', () => {
  let a: TestNode, b: TestNode
  let ctx: string
  before(async () => {
    [a, b] = await Promise.all([startTestNode(), startTestNode()])
    const app = await a.node.installApplication({ wasm: appWasm('kv-store') })
    ctx = (await a.node.createContext({ applicationId: app.id })).id
    const id = await b.node.newIdentity()
    await b.node.join((await a.node.invite(ctx, { identity: id.publicKey, role: 'member' })).invitation)
    assert.equal(b.node.getContext(ctx).deltaCount, 0)
  })
  after(async () => { await Promise.all([a.close(), b.close()]) })

  it('does not erase a write made meanwhile; the node catches up by deltas and converges', async () => {
    // b is cut off while a writes: when they meet again, b (no history) asks for a snapshot.
    await parts(b).network.block(parts(a).network.peerId)
    for (let i = 0; i < 5; i++) await a.call(ctx, 'set', { key: `a${i}`, value: String(i) })
    // Hold b's snapshot (received in full) until b has written.
    let release!: () => void
    const gate = new Promise<void>((resolve) => { release = resolve })
    let asked = false
    const replicator = parts(b).replicator
    const ask = replicator.ask.bind(replicator)
    replicator.ask = async function * (...args: unknown[]) {
      if (args[1] !== PROTOCOLS.snapshot) { yield * ask(...args); return }
      // Every page is in (a's state before b's write), then b writes, then b imports.
      const pages: Uint8Array[] = []
      for await (const page of ask(...args)) pages.push(page)
      asked = true
      await gate
      yield * pages
    }
    parts(b).network.unblock(parts(a).network.peerId)
    await until('b asks for a snapshot', () => asked)
    await b.call(ctx, 'set', { key: 'from-b', value: 'during the snapshot' })
    release()
    await until('both have every write', async () =>
      await a.query(ctx, 'get', { key: 'from-b' }) === 'during the snapshot' &&
      await b.query(ctx, 'get', { key: 'a4' }) === '4', 20_000)
    await until('one root hash', () => a.node.getContext(ctx).rootHash === b.node.getContext(ctx).rootHash, 20_000)
    assert.equal(await b.query(ctx, 'get', { key: 'from-b' }), 'during the snapshot')
    assert.equal(b.node.getContext(ctx).deltaCount, 6)
  })
})
