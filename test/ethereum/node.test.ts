// Ethereum-anchored contexts through the node, on real nodes (LMDB, libp2p on loopback,
// WASM) and a real EVM (EDR behind JSON-RPC on 127.0.0.1): create on chain, invite by
// identity and open invitation, join (claim on chain, group key shared through the
// contract, state from peers), write and converge, proposals that move funds, revoked
// invitations. The scenarios every chain shares (a removal made on the chain by another
// client, catch-up after a restart, a reorg while stopped) are in the chain node
// conformance suite (test/conformance/chain-node-suite.ts).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { JsonRpcProvider, Wallet } from 'ethers'
import { deployContracts } from '../../adapters/ethereum/deploy.ts'
import { serveDevnet, type DevnetServer } from '../../adapters/ethereum/devnet/index.ts'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { EthereumAnchor } from '../../adapters/ethereum/anchor.ts'
import { fromUtf8, utf8 } from '../../src/crypto/bytes.ts'
import { appWasm, fixtureWasm, startTestNode, type TestNode } from '../helpers/node.ts'
import { RELAYER_B_KEY, RELAYER_C_KEY, RELAYER_D_KEY, RELAYER_E_KEY } from './harness.ts'
import { until } from '../helpers/until.ts'

const POLL_MS = 100

describe('Ethereum-anchored contexts through the node', () => {
  let devnet: DevnetServer
  let contract: string
  let a: TestNode, b: TestNode, c: TestNode, d: TestNode
  let ctx: string
  let idB: string, idC: string

  before(async () => {
    devnet = await serveDevnet()
    const provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true })
    contract = (await deployContracts(new Wallet(DEVNET_RELAYER_KEY, provider))).contextConfig
    provider.destroy()
    // Invitations name no endpoint: the joiners have their own (a has none, to be told so).
    const chains = (relayerKey: string, rpc?: string) => ({ ethereum: { relayerKey, pollIntervalMs: POLL_MS, ...(rpc !== undefined ? { rpc } : {}) } })
    ;[a, b, c, d] = await Promise.all([RELAYER_B_KEY, RELAYER_C_KEY, RELAYER_D_KEY, RELAYER_E_KEY].map(async (k, i) => await startTestNode({ chains: chains(k, i > 0 ? devnet.url : undefined) })))
  })
  after(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close(), d?.close()])
    await devnet?.close()
  })

  it('creates a context on the chain; its record names the anchor', async () => {
    const app = await a.node.installApplication({ wasm: appWasm('kv-store') })
    const created = await a.node.createContext({ applicationId: app.id, anchor: { kind: 'ethereum', rpc: devnet.url, contract } })
    ctx = created.id
    assert.deepEqual(created.anchor, { kind: 'ethereum', network: String(devnet.chainId), contract: created.anchor.kind === 'ethereum' ? created.anchor.contract : '', rpc: devnet.url })
    assert.equal((created.anchor as { contract: string }).contract.toLowerCase(), contract.toLowerCase())
    assert.deepEqual(created.members.map((m) => m.role), ['admin'])
    await a.call(ctx, 'set', { key: 'k', value: 'from a' })
    assert.equal(await a.query(ctx, 'get', { key: 'k' }), 'from a')
    // The chain agrees: another client reads the same membership from the contract.
    const reader = new EthereumAnchor({ rpc: devnet.url, contract, relayer: DEVNET_RELAYER_KEY })
    try {
      const view = await reader.viewAt(Buffer.from(ctx, 'hex'))
      assert.deepEqual(view.members.map((m) => Buffer.from(m.identity).toString('hex')), [created.identity])
    } finally {
      await reader.close()
    }
  })

  it('refuses a chain anchor without endpoint or contract, or with a bad one, and creates nothing', async () => {
    const app = a.node.listApplications()[0]!
    const before = a.node.listContexts().length
    await assert.rejects(a.node.createContext({ applicationId: app.id, anchor: { kind: 'ethereum' } }), (e: Error) => e.name === 'InvalidInputError' && /no RPC endpoint/.test(e.message))
    await assert.rejects(a.node.createContext({ applicationId: app.id, anchor: { kind: 'ethereum', rpc: devnet.url, contract: '0x1234' } }), (e: Error) => e.name === 'InvalidInputError' && /address/.test(e.message))
    await assert.rejects(a.node.createContext({ applicationId: app.id, anchor: { kind: 'solana', rpc: devnet.url, contract } }), (e: Error) => e.name === 'UnknownAnchorError' && /unknown anchor "solana"\nDetails: known anchors: offchain, ethereum/.test(e.message))
    assert.equal(a.node.listContexts().length, before)
  })

  it('an identity-bound invitee joins: claim on chain, key shared through the contract, state from peers', async () => {
    idB = (await b.node.newIdentity()).publicKey
    const inv = await a.node.invite(ctx, { identity: idB, role: 'member' })
    const phases = new Set<string>()
    const joined = await b.node.join(inv.invitation, { onProgress: (p) => { phases.add(p.phase) } })
    assert.equal(joined.id, ctx)
    assert.equal(joined.identity, idB)
    assert.equal(joined.anchor.kind, 'ethereum')
    assert.equal(await b.query(ctx, 'get', { key: 'k' }), 'from a')
    await b.call(ctx, 'set', { key: 'k2', value: 'from b' })
    await until('a sees b\'s write', async () => await a.query(ctx, 'get', { key: 'k2' }) === 'from b')
    assert.ok(phases.has('governance'))
    // The audit lists the chain's changes: the invitation, the claim, key shares.
    const types = a.node.governance(ctx).ops.map((o) => o.action.type)
    assert.ok(types.includes('invite') && types.includes('claim') && types.includes('keys'), types.join())
  })

  it('an open invitation is claimed by commit and reveal on the chain', async () => {
    const inv = await a.node.invite(ctx, { open: true, role: 'member' })
    // Through an endpoint that is not there: refused before anything is claimed or kept.
    await assert.rejects(c.node.join(inv.invitation, { rpc: 'http://127.0.0.1:9' }))
    assert.deepEqual(c.node.listContexts(), [])
    // A plainly wrong endpoint is refused as such; an off-chain invitation takes no endpoint.
    await assert.rejects(c.node.join(inv.invitation, { rpc: 'ftp://x' }), { name: 'InvalidInputError' })
    const joined = await c.node.join(inv.invitation, { rpc: devnet.url })
    idC = joined.identity
    assert.equal(await c.query(ctx, 'get', { key: 'k2' }), 'from b')
    const claims = a.node.governance(ctx).ops.filter((o) => o.author === idC).map((o) => o.action.type)
    assert.deepEqual(claims.filter((t) => t.endsWith('Claim')), ['commitClaim', 'revealClaim'])
    await c.call(ctx, 'set', { key: 'k3', value: 'from c' })
    await until('a and b see c\'s write', async () => await a.query(ctx, 'get', { key: 'k3' }) === 'from c' && await b.query(ctx, 'get', { key: 'k3' }) === 'from c')
    // A second holder of the spent single-use string is refused by the contract, and
    // its node keeps nothing of the context.
    await assert.rejects(d.node.join(inv.invitation), (e: Error) => e.name === 'GovernanceRejectedError' && /no uses left|used up|uses/i.test(e.message))
    assert.deepEqual(d.node.listContexts(), [])
  })

  it('a proposal moves funds held by the context\'s proxy contract; an off-chain context refuses such actions', async () => {
    const client = new EthereumAnchor({ rpc: devnet.url, contract, relayer: DEVNET_RELAYER_KEY })
    const provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true })
    try {
      const proxy = await client.proxyOf(Buffer.from(ctx, 'hex'))
      await (await new Wallet(DEVNET_RELAYER_KEY, provider).sendTransaction({ to: proxy, value: 1000n })).wait()
      const to = Wallet.createRandom().address
      const p = await a.node.propose(ctx, [{ type: 'transfer', to, amount: '600' }])
      assert.equal(p.status, 'executed')
      assert.deepEqual(p.actions, [{ type: 'transfer', to, amount: '600', unit: 'wei' }])
      assert.equal(await provider.getBalance(to), 600n)
      assert.equal(await provider.getBalance(proxy), 400n)
      // Amounts are decimal strings; a bad one is refused before anything is sent.
      await assert.rejects(a.node.propose(ctx, [{ type: 'transfer', to, amount: 5 as unknown as string }]), { name: 'InvalidInputError' })
      await assert.rejects(a.node.propose(ctx, [{ type: 'call', target: '0x12', value: '0', data: '' }]), { name: 'InvalidInputError' })
      // Off-chain there is nothing to pay from or call.
      const app = a.node.listApplications()[0]!
      const local = await a.node.createContext({ applicationId: app.id })
      await assert.rejects(a.node.propose(local.id, [{ type: 'transfer', to, amount: '1' }]), (e: Error) => e.name === 'InvalidInputError' && /chain-anchored/.test(e.message))
      await a.node.deleteContext(local.id)
    } finally {
      provider.destroy()
      await client.close()
    }
  })

  it('an application\'s governance hooks go to the chain: a proposal made inside a call executes on the contract', async () => {
    const app = await a.node.installApplication({ wasm: fixtureWasm('governed') })
    const chained = await a.node.createContext({ applicationId: app.id, anchor: { kind: 'ethereum', rpc: devnet.url, contract } })
    const r = await a.node.execute({ contextId: chained.id, method: 'set_value', args: utf8(JSON.stringify({ key: 'topic', value: 'on chain' })) })
    const { proposal } = JSON.parse(fromUtf8(r.output!)) as { proposal: string }
    assert.deepEqual(r.governance, [{ type: 'propose', contextId: chained.id, identity: chained.identity, proposal, status: 'executed', reason: null, error: null }])
    assert.deepEqual(a.node.governance(chained.id).values, [{ key: 'topic', value: 'on chain' }])
    // The contract holds it: another client reads the value from the proxy.
    const client = new EthereumAnchor({ rpc: devnet.url, contract, relayer: DEVNET_RELAYER_KEY })
    try {
      const view = await client.viewAt(Buffer.from(chained.id, 'hex'))
      assert.deepEqual(view.values.map((v) => [fromUtf8(v.key), fromUtf8(v.value)]), [['topic', 'on chain']])
    } finally {
      await client.close()
    }
    await a.node.deleteContext(chained.id).catch(() => {})
  })

  it('an invitation revoked on the chain cannot be claimed', async () => {
    const inv = await a.node.invite(ctx, { open: true, role: 'member', maxUses: 3 })
    const revoked = await a.node.revokeInvitation(ctx, inv.id)
    assert.equal(revoked.revoked, true)
    await assert.rejects(d.node.join(inv.invitation), (e: Error) => /revoked/.test(e.message))
    assert.deepEqual(d.node.listContexts(), [])
  })
})
