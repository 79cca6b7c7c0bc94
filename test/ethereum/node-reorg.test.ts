// Reorgs through a real node: an Ethereum-anchored context on a node (LMDB, libp2p on
// loopback, WASM) following an EDR devnet over HTTP. The devnet makes a real fork:
// evm_snapshot before the membership change, evm_revert after it, then a longer
// alternative branch is mined on top. The node must drop what it learnt from the dropped
// branch (membership, audit, invitations), judge deltas by the new branch, keep working on
// it, and come back from a restart with the same view. (A reorg while a node was stopped:
// the chain node conformance suite.)
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { JsonRpcProvider, Wallet } from 'ethers'
import { deployContracts } from '../../adapters/ethereum/deploy.ts'
import { serveDevnet, type DevnetServer } from '../../adapters/ethereum/devnet/index.ts'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { EthereumAnchor } from '../../adapters/ethereum/anchor.ts'
import { toHex, utf8 } from '../../src/crypto/bytes.ts'
import { generateKeyPair, type KeyPair } from '../../src/crypto/ed25519.ts'
import { silentLogger } from '../../src/log/index.ts'
import { defaultConfig } from '../../src/node/config.ts'
import { createNode, type MoorNode } from '../../src/node/index.ts'
import type { Governance } from '../../src/node/governance.ts'
import type { Replicator } from '../../src/node/replication.ts'
import type { ChainSettings } from '../../src/node/chain/registry.ts'
import { decodePoint } from '../../src/node/chain/timeline.ts'
import { OP } from '../../src/state/actions.ts'
import { rootId } from '../../src/state/ids.ts'
import type { DeltaDag } from '../../src/sync/dag.ts'
import { createDelta, type Delta } from '../../src/sync/delta.ts'
import { appWasm, startTestNode, type TestNode } from '../helpers/node.ts'
import { RELAYER_B_KEY } from './harness.ts'
import { until } from '../helpers/until.ts'

const POLL_MS = 50

interface Parts { governance: Governance, replicator: Replicator, dag: DeltaDag }
const partsOf = (node: MoorNode): Parts => (node as unknown as { p: Parts }).p
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'))
const chainsFor = (relayerKey: string): ChainSettings => ({ ethereum: { relayerKey, pollIntervalMs: POLL_MS, confirmations: 1 } })

/** A kv `set` by `author`, on top of the node's heads, written at governance point `anchor`. */
function deltaBy (node: MoorNode, ctx: string, author: KeyPair, anchor: Uint8Array[], key: string): Delta {
  const c = bytes(ctx)
  return createDelta({
    context: c,
    author: author.publicKey,
    parents: partsOf(node).dag.info(c)?.heads ?? [],
    anchor,
    hlc: { ms: Date.now(), c: 0 },
    actions: [[OP.PUT, rootId(c), utf8(key), utf8(`from ${key}`)]]
  }, author.secretKey)
}

const isMember = (node: MoorNode, ctx: string, who: KeyPair): boolean => node.members(ctx).some((m) => m.identity === toHex(who.publicKey))
/** The block the node has read the context's chain up to. */
const position = (node: MoorNode, ctx: string): number => decodePoint(partsOf(node).governance.point(bytes(ctx)))!
const restart = async (t: TestNode, relayerKey: string): Promise<MoorNode> => await createNode({ home: t.home, config: defaultConfig(t.home), logger: silentLogger, chains: chainsFor(relayerKey) })

describe('reorgs through the node', () => {
  let devnet: DevnetServer
  let contract: string
  let a: TestNode

  let rpcId = 0
  async function rpc<T = unknown> (method: string, params: unknown[] = []): Promise<T> {
    const res = await fetch(devnet.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }) })
    const body = await res.json() as { result?: T, error?: { message: string } }
    if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`)
    return body.result as T
  }
  const head = async (): Promise<number> => Number(await rpc<string>('eth_blockNumber'))

  before(async () => {
    devnet = await serveDevnet()
    const provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true })
    contract = (await deployContracts(new Wallet(DEVNET_RELAYER_KEY, provider))).contextConfig
    provider.destroy()
    a = await startTestNode({ chains: chainsFor(RELAYER_B_KEY) })
  })
  after(async () => {
    await a?.close()
    await devnet?.close()
  })

  /** A context on the chain, settled: its group key is on the chain and the node has read up to the head. */
  async function settledContext (node: MoorNode): Promise<{ ctx: string, base: number, opsBefore: string[] }> {
    const app = await node.installApplication({ wasm: appWasm('kv-store') })
    const ctx = (await node.createContext({ applicationId: app.id, anchor: { kind: 'ethereum', rpc: devnet.url, contract } })).id
    await until('the first group key', () => node.governance(ctx).ops.some((o) => o.action.type === 'keys'))
    const base = await head()
    await until('the node reads up to the head', () => position(node, ctx) >= base)
    return { ctx, base, opsBefore: node.governance(ctx).ops.map((o) => o.id) }
  }

  /** Through its own client (no node), X claims an invitation the node made for it. */
  async function claim (node: MoorNode, ctx: string, x: KeyPair, role: 'member' | 'reader', keyShares?: number): Promise<{ invitation: string, claim: string }> {
    const client = new EthereumAnchor({ rpc: devnet.url, contract, relayer: DEVNET_RELAYER_KEY, pollIntervalMs: POLL_MS })
    try {
      const inv = await node.invite(ctx, { identity: toHex(x.publicKey), role })
      // The node shares the group key with the invitee through the contract.
      if (keyShares !== undefined) await until('the key share to the invitee', () => node.governance(ctx).ops.filter((o) => o.action.type === 'keys').length >= keyShares)
      const receipt = await client.submit(bytes(ctx), x, { type: 'claim', invitation: bytes(inv.id) })
      return { invitation: inv.id, claim: receipt.id }
    } finally {
      await client.close()
    }
  }

  /**
   * The branch that will be dropped: X is invited, sent the key, claims; the node lists
   * it. Returns the node's point at the branch's head (X a member there) and what it learnt.
   */
  async function branchWithX (node: MoorNode, ctx: string, x: KeyPair, opsBefore: string[]) {
    const { invitation, claim: claimId } = await claim(node, ctx, x, 'member', 2)
    await until('the node lists X', () => isMember(node, ctx, x))
    const dropped = await head()
    await until('the node reads up to the head', () => position(node, ctx) >= dropped)
    const claimOp = node.governance(ctx).ops.find((o) => o.id === claimId)
    assert.ok(claimOp !== undefined, 'the audit lists the claim')
    assert.equal(claimOp.author, toHex(x.publicKey))
    const droppedOps = node.governance(ctx).ops.filter((o) => !opsBefore.includes(o.id)).map((o) => o.id)
    assert.ok(droppedOps.length >= 3, `invite, key share and claim on the branch: ${droppedOps.length}`)
    const gov = partsOf(node).governance
    const point = gov.point(bytes(ctx))
    assert.equal(decodePoint(point), dropped)
    assert.ok(gov.stateAt(bytes(ctx), point)!.members.has(toHex(x.publicKey)), 'X is a member at the branch\'s head')
    return { invitation, dropped, droppedOps, point }
  }

  /** Back to the snapshot, then a longer branch with other time stamps (so other hashes). */
  async function forkAway (snapshot: string, blocks: number): Promise<number> {
    await rpc('evm_revert', [snapshot])
    await rpc('evm_increaseTime', [13])
    for (let i = 0; i < blocks; i++) await rpc('evm_mine')
    return await head()
  }

  /** What the node must say once it follows the new branch, where X never joined. */
  async function assertReverted (node: MoorNode, ctx: string, x: KeyPair, s: { opsBefore: string[], invitation: string, point: Uint8Array[] }, newHead: number): Promise<void> {
    await until('the node drops X', () => !isMember(node, ctx, x))
    await until('the node reads the new branch up to its head', () => position(node, ctx) >= newHead)
    const audit = node.governance(ctx)
    assert.deepEqual(audit.ops.map((o) => o.id), s.opsBefore, 'the audit lost the dropped branch\'s changes, and only them')
    assert.ok(!audit.ops.some((o) => o.author === toHex(x.publicKey)))
    await until('the invitation is gone from the view', () => !node.governance(ctx).invitations.some((i) => i.id === s.invitation))
    assert.deepEqual(node.members(ctx).map((m) => m.role), ['admin'])
    // The same block number now names a block of the new branch, where X was no member:
    // a delta X wrote at it on the dropped branch is refused.
    const gov = partsOf(node).governance
    assert.equal(gov.stateAt(bytes(ctx), s.point)!.members.has(toHex(x.publicKey)), false)
    const verdict = await partsOf(node).replicator.receiveDeltas(bytes(ctx), [deltaBy(node, ctx, x, s.point, 'x-on-dropped-branch')], null)
    assert.deepEqual(verdict, { applied: 0, rejected: 1 })
  }

  it('a reorg that removes an AddMembers block makes the node revert that membership', async (t) => {
    const { ctx, base, opsBefore } = await settledContext(a.node)
    const snapshot = await rpc<string>('evm_snapshot')
    const x = generateKeyPair()
    const s = await branchWithX(a.node, ctx, x, opsBefore)

    const t0 = Date.now()
    const newHead = await forkAway(snapshot, s.dropped - base + 2)
    assert.ok(newHead > s.dropped)
    await assertReverted(a.node, ctx, x, { ...s, opsBefore }, newHead)
    const reverted = Date.now() - t0
    assert.equal(await a.query(ctx, 'get', { key: 'x-on-dropped-branch' }) ?? null, null)

    // The node works on the new branch: X is invited again (as a reader) and claims.
    await claim(a.node, ctx, x, 'reader')
    await until('the node lists X again, on the new branch', () => a.node.members(ctx).some((m) => m.identity === toHex(x.publicKey) && m.role === 'reader'))
    const members = a.node.members(ctx).map((m) => `${m.identity}:${m.role}`).sort()
    const ops = a.node.governance(ctx).ops.map((o) => o.id)
    assert.ok(ops.every((id) => !s.droppedOps.includes(id)))
    await until('the node reads up to the head', async () => position(a.node, ctx) >= await head())
    const through = position(a.node, ctx)

    // A restart reads back the same view from the store.
    await a.node.stop()
    const again = await restart(a, RELAYER_B_KEY)
    try {
      assert.deepEqual(again.members(ctx).map((m) => `${m.identity}:${m.role}`).sort(), members)
      assert.deepEqual(again.governance(ctx).ops.map((o) => o.id), ops)
      assert.ok(position(again, ctx) >= through)
      // Still judged by the new branch: X at the old point is no member; at the head, a reader.
      assert.deepEqual(await partsOf(again).replicator.receiveDeltas(bytes(ctx), [deltaBy(again, ctx, x, s.point, 'x-again')], null), { applied: 0, rejected: 1 })
      const gov = partsOf(again).governance
      assert.equal(gov.stateAt(bytes(ctx), gov.point(bytes(ctx)))!.members.get(toHex(x.publicKey))?.role, 'reader')
    } finally {
      await again.stop()
    }
    t.diagnostic(`reverted ${s.dropped - base} block(s); the node followed in ${reverted} ms (poll interval ${POLL_MS} ms)`)
  })
})
