// Which endpoint a joiner claims through: an invitation names the chain's network, not the
// inviter's endpoint, unless the inviter opted in; a joiner with no endpoint of its own is
// told what to do. On real nodes and a real EVM (EDR on 127.0.0.1, a chain id no module
// knows an endpoint for).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { JsonRpcProvider, Wallet } from 'ethers'
import { deployContracts } from '../../adapters/ethereum/deploy.ts'
import { serveDevnet, type DevnetServer } from '../../adapters/ethereum/devnet/index.ts'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { decodeTicket } from '../../src/node/invitation.ts'
import { appWasm, startTestNode, type TestNode } from '../helpers/node.ts'
import { RELAYER_B_KEY, RELAYER_C_KEY } from '../ethereum/harness.ts'

const CHAIN_ID = 4_242

describe('the endpoint a joiner uses', () => {
  let devnet: DevnetServer
  let a: TestNode, b: TestNode
  let ctx: string

  before(async () => {
    devnet = await serveDevnet({ chainId: CHAIN_ID })
    const provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true })
    const contract = (await deployContracts(new Wallet(DEVNET_RELAYER_KEY, provider))).contextConfig
    provider.destroy()
    // b has a paying account but no endpoint of its own.
    ;[a, b] = await Promise.all([RELAYER_B_KEY, RELAYER_C_KEY].map(async (relayerKey) => await startTestNode({ chains: { ethereum: { relayerKey, pollIntervalMs: 100 } } })))
    const app = await a.node.installApplication({ wasm: appWasm('kv-store') })
    ctx = (await a.node.createContext({ applicationId: app.id, anchor: { kind: 'ethereum', rpc: devnet.url, contract } })).id
  })
  after(async () => {
    await Promise.allSettled([a, b].map(async (n) => { await n?.close() }))
    await devnet?.close()
  })

  it('by default the string names the network (CAIP-2), not the endpoint; the joiner without one is told what to do', async () => {
    const inv = await a.node.invite(ctx, { open: true })
    const t = decodeTicket(inv.invitation)
    assert.equal(t.anchor?.network, String(CHAIN_ID))
    assert.equal(t.anchor?.rpc, undefined)
    assert.ok(!inv.invitation.includes(Buffer.from(devnet.url).toString('base64url').slice(0, 16)))
    await assert.rejects(b.node.join(inv.invitation), (e: Error) => e.name === 'InvalidInputError' &&
      e.message === `no RPC endpoint for Ethereum network eip155:${CHAIN_ID}\nHint: pass --rpc <url>, or set chains.ethereum.rpc in config.json (the invitation names none)`)
    assert.deepEqual(b.node.listContexts(), [], 'nothing written')
  })

  it('with includeRpc the inviter\'s endpoint comes along, and the joiner claims through it', async () => {
    const inv = await a.node.invite(ctx, { open: true, includeRpc: true })
    assert.equal(decodeTicket(inv.invitation).anchor?.rpc, devnet.url)
    const joined = await b.node.join(inv.invitation)
    assert.equal(joined.id, ctx)
    assert.deepEqual(joined.anchor, { kind: 'ethereum', network: String(CHAIN_ID), contract: joined.anchor.kind === 'ethereum' ? joined.anchor.contract : '', rpc: devnet.url })
  })
})
