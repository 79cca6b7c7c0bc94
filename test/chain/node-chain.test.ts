// The node's chain layer (src/node/chain/) against the in-memory chain, on a real LMDB
// store: the membership timeline is replayed from the change feed through the shared
// reducer — so it works on a chain that refuses past-state reads — and survives
// restarts, catches up on what happened while stopped, and follows reorgs made while
// running and while stopped.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { toHex } from '../../src/crypto/bytes.ts'
import { generateKeyPair, type KeyPair } from '../../src/crypto/ed25519.ts'
import { silentLogger } from '../../src/log/index.ts'
import { ChainGovernance } from '../../src/node/chain/index.ts'
import type { ChainAnchorRef, ChainRegistry } from '../../src/node/chain/registry.ts'
import { encodePoint } from '../../src/node/chain/timeline.ts'
import { openStore, type Store } from '../../src/store/index.ts'
import { MemoryAnchor, MemoryChain } from '../helpers/memory-chain.ts'
import { tempDir } from '../helpers/tmp.ts'
import { until } from '../helpers/until.ts'

const ref = { kind: 'memory', network: 'memory', contract: 'memory', rpc: 'memory' } as unknown as ChainAnchorRef

/** A node's chain layer on `store`, reading `chain` (the registry hands out one anchor). */
function layer (store: Store, anchor: MemoryAnchor): ChainGovernance {
  const registry = { get: async () => anchor, canSubmit: () => {} } as unknown as ChainRegistry
  return new ChainGovernance({ store, registry, logger: silentLogger, onUpdate: () => {} })
}

const at = (g: ChainGovernance, ctx: Uint8Array, seq: number, who: KeyPair): string | undefined =>
  g.stateAt(ctx, [encodePoint(seq)])?.members.get(toHex(who.publicKey))?.role

describe('the node\'s chain layer on the in-memory chain', () => {
  const dirs: Array<{ cleanup: () => void }> = []
  after(() => { for (const d of dirs) d.cleanup() })

  async function setup (pastState: boolean): Promise<{ chain: MemoryChain, anchor: MemoryAnchor, store: Store, ctx: Uint8Array, admin: KeyPair, g: ChainGovernance }> {
    const chain = new MemoryChain({ pastState })
    const anchor = new MemoryAnchor(chain)
    const dir = tempDir('moor-chain-layer-')
    dirs.push(dir)
    const store = openStore({ path: dir.path, noSync: true })
    const admin = generateKeyPair()
    const { context: ctx } = await anchor.createContext({ application: new Uint8Array(32).fill(3), creator: admin })
    const g = layer(store, anchor)
    await g.attach(ctx, ref)
    return { chain, anchor, store, ctx, admin, g }
  }

  it('keeps membership by position from the feed alone, on a chain without past-state reads', async () => {
    const { chain, anchor, store, ctx, admin, g } = await setup(false)
    const bob = generateKeyPair()
    const r1 = await g.submit(ctx, admin, { type: 'addMember', identity: bob.publicKey, role: 'member' })
    const added = chain.head()
    await g.submit(ctx, admin, { type: 'setRole', identity: bob.publicKey, role: 'reader' })
    const demoted = chain.head()
    await g.submit(ctx, admin, { type: 'removeMember', identity: bob.publicKey })
    const removed = chain.head()
    // Read-your-writes: the submit returned once this node's view had it.
    assert.equal(g.state(ctx)?.members.has(toHex(bob.publicKey)), false)
    assert.equal(g.state(ctx)?.revision, 4)
    assert.equal(at(g, ctx, added - 1, bob), undefined)
    assert.equal(at(g, ctx, added, bob), 'member')
    assert.equal(at(g, ctx, demoted, bob), 'reader')
    assert.equal(at(g, ctx, removed, bob), undefined)
    // A point this node has not read yet is not answered; one before the context has no members.
    assert.equal(g.stateAt(ctx, [encodePoint(chain.head() + 5)]), undefined)
    assert.equal(g.stateAt(ctx, [encodePoint(0)])?.members.size, 0)
    assert.equal(g.changes(ctx)[0]!.id, r1.id)
    assert.deepEqual(g.changes(ctx).map((c) => c.action.type), ['addMember', 'setRole', 'removeMember'])
    // The chain never answered a past-state read (it refuses them), so none was needed.
    assert.deepEqual(await anchor.lookup(ctx, { at: added }), { found: false, missing: 'no-past-state' })
    await g.close()
    await store.close()
  })

  it('where the chain accepted what the shared reducer refuses, the chain wins when it can say so', async () => {
    for (const pastState of [true, false]) {
      const { chain, ctx, g, store } = await setup(pastState)
      // A member nobody with ManageMembers added: the reducer refuses it, this chain took it.
      const stranger = generateKeyPair(); const bob = generateKeyPair()
      const forcedAt = chain.force(ctx, stranger.publicKey, { type: 'addMember', identity: bob.publicKey, role: 'member' }, (s) => {
        s.members.set(toHex(bob.publicKey), { identity: bob.publicKey, role: 'member', capabilities: [] })
      })
      await until('the forced change', () => g.changes(ctx).length === 1 && g.knows(ctx, [encodePoint(forcedAt.seq)]))
      // With past-state reads the node takes the chain's view at that position; without, it
      // keeps the reducer's membership (and logs a warning) — the revision follows the chain.
      assert.equal(g.stateAt(ctx, [encodePoint(forcedAt.seq)])?.members.has(toHex(bob.publicKey)), pastState)
      assert.equal(g.stateAt(ctx, [encodePoint(forcedAt.seq)])?.revision, 2)
      await g.close()
      await store.close()
    }
  })

  it('group-key shares published through the chain come back in chain order', async () => {
    const { ctx, admin, g, store } = await setup(false)
    const reader = generateKeyPair()
    await g.submit(ctx, admin, { type: 'addMember', identity: reader.publicKey, role: 'reader' })
    const share = (n: number): { type: 'keys', keyId: Uint8Array, rotate: boolean, shares: Array<{ recipient: Uint8Array, wrapped: Uint8Array }> } =>
      ({ type: 'keys', keyId: new Uint8Array(32).fill(n), rotate: n === 1, shares: [{ recipient: reader.publicKey, wrapped: new Uint8Array(72).fill(n) }] })
    await g.submit(ctx, admin, share(1))
    await g.submit(ctx, reader, share(2))
    assert.deepEqual(g.keyShares(ctx), [share(1), share(2)])
    // A share changes no membership, but counts as a request (revision, nonce) as on the chain.
    assert.equal(g.state(ctx)?.revision, 4)
    assert.equal(g.state(ctx)?.members.get(toHex(reader.publicKey))?.role, 'reader')
    await g.close()
    await store.close()
  })

  it('after a restart: the stored timeline, then what happened while stopped', async () => {
    const { anchor, store, ctx, admin, g, chain } = await setup(false)
    const bob = generateKeyPair(); const carol = generateKeyPair()
    await g.submit(ctx, admin, { type: 'addMember', identity: bob.publicKey, role: 'member' })
    const bobAt = chain.head()
    await g.close()
    // While stopped, another client changes the membership.
    await anchor.submit(ctx, admin, { type: 'addMember', identity: carol.publicKey, role: 'reader' })
    await anchor.submit(ctx, admin, { type: 'removeMember', identity: bob.publicKey })
    const again = layer(store, anchor)
    await again.attach(ctx, ref)
    assert.equal(at(again, ctx, bobAt, bob), 'member', 'the stored timeline answers at once')
    await until('the changes made while stopped', () => again.state(ctx)?.revision === 4)
    assert.equal(again.state(ctx)?.members.has(toHex(bob.publicKey)), false)
    assert.equal(again.state(ctx)?.members.get(toHex(carol.publicKey))?.role, 'reader')
    assert.equal(at(again, ctx, bobAt, bob), 'member')
    await again.close()
    await store.close()
  })

  it('a reorg while running drops what the dropped positions held; the new branch is read', async () => {
    const { chain, ctx, admin, g, store } = await setup(true)
    const bob = generateKeyPair()
    const fork = chain.head()
    await g.submit(ctx, admin, { type: 'addMember', identity: bob.publicKey, role: 'member' })
    assert.equal(g.state(ctx)?.members.has(toHex(bob.publicKey)), true)
    chain.fork(fork, 3)
    await until('the undo', () => g.state(ctx)?.members.has(toHex(bob.publicKey)) === false && g.changes(ctx).length === 0)
    assert.equal(at(g, ctx, fork + 1, bob), undefined)
    await g.submit(ctx, admin, { type: 'addMember', identity: bob.publicKey, role: 'reader' })
    assert.equal(g.state(ctx)?.members.get(toHex(bob.publicKey))?.role, 'reader')
    assert.deepEqual(g.changes(ctx).map((c) => c.action.type), ['addMember'])
    await g.close()
    await store.close()
  })

  it('a reorg while stopped is found at the next start, and the new branch read from the fork', async () => {
    const { chain, anchor, ctx, admin, g, store } = await setup(false)
    const bob = generateKeyPair(); const carol = generateKeyPair()
    await g.submit(ctx, admin, { type: 'addMember', identity: bob.publicKey, role: 'member' })
    const fork = chain.head()
    await g.submit(ctx, admin, { type: 'addMember', identity: carol.publicKey, role: 'member' })
    await until('the position past carol', () => g.knows(ctx, [encodePoint(chain.head())]))
    await g.close()
    chain.fork(fork, 3)
    const again = layer(store, anchor)
    await again.attach(ctx, ref)
    await until('carol undone', () => again.state(ctx)?.members.has(toHex(carol.publicKey)) === false)
    assert.equal(again.state(ctx)?.members.has(toHex(bob.publicKey)), true, 'what is still on the chain stays')
    assert.deepEqual(again.changes(ctx).map((c) => c.action.type), ['addMember'])
    await again.submit(ctx, admin, { type: 'addMember', identity: carol.publicKey, role: 'reader' })
    assert.equal(again.state(ctx)?.members.get(toHex(carol.publicKey))?.role, 'reader')
    await again.close()
    await store.close()
  })
})
