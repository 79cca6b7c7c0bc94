// The chain node conformance suite: real nodes (LMDB, libp2p on loopback, WASM) on a
// chain, through the node's own paths: a context created on the chain, an invitee joining
// through it (claim on chain, group key shared through it, state from peers), a removal
// made on the chain by another client enforced by every member node, catch-up after a
// restart, and — where the chain has reorgs — a reorg while a node was stopped. A chain's
// test file hands a setup to `chainNodeConformance`. Scenarios are lean: node suites are
// the slow ones.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fromUtf8, toHex, utf8 } from '../../src/crypto/bytes.ts'
import { generateKeyPair, type KeyPair } from '../../src/crypto/ed25519.ts'
import type { ChainAnchor } from '../../src/governance/anchor.ts'
import { silentLogger } from '../../src/log/index.ts'
import { defaultConfig } from '../../src/node/config.ts'
import { createNode, type MoorNode, type NodeInit } from '../../src/node/index.ts'
import { appWasm } from '../helpers/node.ts'
import { tempDir } from '../helpers/tmp.ts'
import { until } from '../helpers/until.ts'

export interface ChainNodeFixture {
  /** Where new contexts are anchored (as `createContext({ anchor })` takes it). */
  anchor: { kind: string, rpc: string, contract: string }
  /** What node `i` (0, 1, 2) is started with: its chain settings (its own paying account). */
  nodeInit: (i: number) => Partial<NodeInit>
  /** A client of the chain that is no node (another program, a wallet), paying its own way. */
  client: () => Promise<ChainAnchor>
  /** Reorgs, where the chain has them: `mark` the current head, later `reorg` back to it onto a longer other branch. */
  fork?: { mark: () => Promise<number>, reorg: (at: number) => Promise<void> }
  close: () => Promise<void>
}

export interface ChainNodeHarness {
  name: string
  /** Whether the chain reorganises (then the fixture gives `fork`). */
  reorgs: boolean
  /** How long a change may take to reach every node through this chain (default 15 s; a chain whose every message runs ~1 s of WASM needs more). */
  waitMs?: number
  setup: () => Promise<ChainNodeFixture>
}

interface Peer { i: number, home: string, node: MoorNode }

export function chainNodeConformance (h: ChainNodeHarness): void {
  const waitFor = async (what: string, fn: () => boolean | Promise<boolean>): Promise<void> => { await until(what, fn, h.waitMs ?? 15_000) }
  describe(`chain node conformance: ${h.name}`, () => {
    let f: ChainNodeFixture
    const homes: Array<{ cleanup: () => void }> = []
    const peers: Peer[] = []
    let a: Peer, b: Peer, c: Peer
    let ctx: string
    let idC: string

    /** Node `i`; a restarted one (`home` given) is told the others' addresses, as a real one would be by its config. */
    async function start (i: number, home?: string): Promise<Peer> {
      const dir = home ?? (() => { const d = tempDir('moor-chain-node-'); homes.push(d); return d.path })()
      const config = defaultConfig(dir)
      if (home !== undefined) config.p2p.bootstrap = peers.flatMap((p) => p.node.status().p2p.addresses)
      const node = await createNode({ home: dir, config, logger: silentLogger, ...f.nodeInit(i) })
      const p = { i, home: dir, node }
      peers.push(p)
      return p
    }
    async function stop (p: Peer): Promise<void> {
      await p.node.stop()
      peers.splice(peers.indexOf(p), 1)
    }
    const call = async (p: Peer, method: string, args: unknown): Promise<unknown> => {
      const out = (await p.node.execute({ contextId: ctx, method, args: utf8(JSON.stringify(args)) })).output
      return out === null ? undefined : JSON.parse(fromUtf8(out))
    }
    const get = async (p: Peer, key: string): Promise<unknown> => {
      const out = (await p.node.execute({ contextId: ctx, method: 'get', args: utf8(JSON.stringify({ key })), readOnly: true })).output
      return out === null ? undefined : JSON.parse(fromUtf8(out))
    }
    const lists = (p: Peer, who: string): boolean => p.node.members(ctx).some((m) => m.identity === who)
    /** Through the client (no node), `x` claims an identity-bound invitation `p` made for it. */
    async function claimAsClient (p: Peer, x: KeyPair, role: 'member' | 'reader'): Promise<void> {
      const inv = await p.node.invite(ctx, { identity: toHex(x.publicKey), role })
      const client = await f.client()
      try {
        await client.submit(Buffer.from(ctx, 'hex'), x, { type: 'claim', invitation: Buffer.from(inv.id, 'hex') })
      } finally {
        await client.close()
      }
    }

    before(async () => {
      f = await h.setup()
      ;[a, b, c] = await Promise.all([start(0), start(1), start(2)])
    })
    after(async () => {
      await Promise.allSettled(peers.map(async (p) => { await p.node.stop() }))
      await f?.close()
      for (const d of homes) d.cleanup()
    })

    it('creates a context on the chain; invitees join through it, get the group key and the state', async () => {
      const app = await a.node.installApplication({ wasm: appWasm('kv-store') })
      const created = await a.node.createContext({ applicationId: app.id, anchor: f.anchor })
      ctx = created.id
      assert.equal(created.anchor.kind, f.anchor.kind)
      assert.deepEqual(created.members.map((m) => m.role), ['admin'])
      await call(a, 'set', { key: 'k', value: 'from a' })
      // The chain agrees: a client that is no node reads the same membership.
      const client = await f.client()
      try {
        assert.deepEqual((await client.viewAt(Buffer.from(ctx, 'hex'))).members.map((m) => toHex(m.identity)), [created.identity])
      } finally {
        await client.close()
      }
      for (const p of [b, c]) {
        const me = (await p.node.newIdentity()).publicKey
        const inv = await a.node.invite(ctx, { identity: me, role: 'member' })
        const joined = await p.node.join(inv.invitation, { rpc: f.anchor.rpc })
        assert.equal(joined.id, ctx)
        if (p === c) idC = joined.identity
        assert.equal(await get(p, 'k'), 'from a', 'the state came from peers, readable with the group key')
      }
      await call(b, 'set', { key: 'k2', value: 'from b' })
      await waitFor('a and c see b\'s write', async () => await get(a, 'k2') === 'from b' && await get(c, 'k2') === 'from b')
      const types = a.node.governance(ctx).ops.map((o) => o.action.type)
      assert.ok(types.includes('invite') && types.includes('claim') && types.includes('keys'), types.join())
    })

    it('a removal made on the chain by another client is enforced by every member node', async () => {
      // An identity no node holds joins and is given ManageMembers; through its own client
      // it removes c. The nodes learn of it from the chain only.
      const outsider = generateKeyPair()
      await claimAsClient(a, outsider, 'member')
      await waitFor('a lists the outsider', () => lists(a, toHex(outsider.publicKey)))
      await a.node.grant(ctx, toHex(outsider.publicKey), 'ManageMembers')
      const client = await f.client()
      try {
        await client.submit(Buffer.from(ctx, 'hex'), outsider, { type: 'removeMember', identity: Buffer.from(idC, 'hex') })
      } finally {
        await client.close()
      }
      await waitFor('every node drops c', () => [a, b, c].every((p) => !lists(p, idC)))
      await assert.rejects(call(c, 'set', { key: 'late', value: 'from c' }), { name: 'ForbiddenError' })
      // The group key rotates: a and b write on under a key c does not hold.
      await call(a, 'set', { key: 'after', value: 'removal' })
      await waitFor('b sees the write after the removal', async () => await get(b, 'after') === 'removal')
      assert.equal(await get(c, 'after').catch(() => null) ?? null, null)
    })

    it('a node catches up after a restart with what the chain did while it was stopped', async () => {
      await stop(b)
      const x = generateKeyPair()
      await claimAsClient(a, x, 'reader')
      await waitFor('a lists x', () => lists(a, toHex(x.publicKey)))
      b = await start(1, b.home)
      await waitFor('b, restarted, lists x', () => lists(b, toHex(x.publicKey)))
      assert.deepEqual(b.node.members(ctx).map((m) => `${m.identity}:${m.role}`).sort(), a.node.members(ctx).map((m) => `${m.identity}:${m.role}`).sort())
      await call(b, 'set', { key: 'k3', value: 'from b again' })
      await waitFor('a sees b\'s write', async () => await get(a, 'k3') === 'from b again')
    })

    if (h.reorgs) {
      it('a reorg while a node was stopped is found when it starts again', async () => {
        assert.ok(f.fork !== undefined, 'a chain with reorgs gives the fork hook')
        const mark = await f.fork.mark()
        const y = generateKeyPair()
        await claimAsClient(a, y, 'member')
        await waitFor('a and b list y', () => lists(a, toHex(y.publicKey)) && lists(b, toHex(y.publicKey)))
        await stop(b)
        await f.fork.reorg(mark)
        await waitFor('a drops y', () => !lists(a, toHex(y.publicKey)))
        b = await start(1, b.home)
        await waitFor('b, restarted, drops y', () => !lists(b, toHex(y.publicKey)))
        assert.ok(!b.node.governance(ctx).ops.some((o) => o.author === toHex(y.publicKey)), 'the audit lost the dropped claim')
        // It follows the new branch on: y joins there, as a reader.
        await claimAsClient(a, y, 'reader')
        await waitFor('b lists y on the new branch', () => b.node.members(ctx).some((m) => m.identity === toHex(y.publicKey) && m.role === 'reader'))
      })
    }
  })
}
