// A claim-gated open invitation across in-process nodes (real libp2p on loopback, LMDB,
// the EDR devnet, a real ERC-721): a token holder joins with a wallet link; a non-holder
// is refused with the reason and the inviter's members do not change.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Contract, ContractFactory, JsonRpcProvider, Wallet } from 'ethers'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { serveDevnet, type DevnetServer } from '../../adapters/ethereum/devnet/index.ts'
import { linkMessage } from '../../adapters/ethereum/wallet/message.ts'
import { parseHex } from '../../src/crypto/bytes.ts'
import { silentLogger } from '../../src/log/index.ts'
import { defaultConfig } from '../../src/node/config.ts'
import { createNode } from '../../src/node/index.ts'
import type { MoorNode } from '../../src/node/types.ts'
import { statementFields } from '../../src/wallets/statement.ts'
import { compileTestToken } from '../fixtures/wallet-contracts.ts'
import { appWasm } from '../helpers/node.ts'
import { tempDir } from '../helpers/tmp.ts'

/** What signs a wallet link here: an EOA (ethers Wallet or HD wallet). */
type LinkSigner = Pick<Wallet, 'address' | 'signMessage'>

let devnet: DevnetServer
let provider: JsonRpcProvider
let token: string
const nodes: Array<{ node: MoorNode, cleanup: () => void }> = []
const holder = Wallet.createRandom()
const stranger = Wallet.createRandom()

async function startNode (): Promise<MoorNode> {
  const dir = tempDir('moor-gated-')
  const config = defaultConfig(dir.path)
  config.claims = { ethereum: { rpc: [devnet.url, devnet.url] } }
  const node = await createNode({ home: dir.path, config, logger: silentLogger })
  nodes.push({ node, cleanup: dir.cleanup })
  return node
}

before(async () => {
  devnet = await serveDevnet()
  provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true })
  const art = await compileTestToken('TestERC721')
  const nft = await new ContractFactory(art.abi as never, art.bytecode, new Wallet(DEVNET_RELAYER_KEY, provider)).deploy('Pass', 'PASS') as Contract
  await nft.waitForDeployment()
  await (await nft.getFunction('mint')(holder.address, 1n)).wait()
  token = await nft.getAddress()
})
after(async () => {
  for (const n of nodes) { await n.node.stop(); n.cleanup() }
  provider.destroy()
  await devnet.close()
})

/** The wallet's part of a link naming `context` and `identity`, signed by `wallet` (EIP-191). */
async function walletLink (wallet: LinkSigner, context: string, identity: string): Promise<{ account: string, statement: unknown, proof: string }> {
  const account = `eip155:31337:${wallet.address}`
  const now = Date.now()
  const statement = statementFields({ domain: 'node.example', account, context: parseHex(context, 32)!, identity: parseHex(identity, 32)!, nonce: 'gatedjoin1', issuedAt: new Date(now - 1000), expiry: new Date(now + 3_600_000) })
  return { account, statement, proof: await wallet.signMessage(linkMessage(statement)) }
}

test('a gated open invitation admits a token holder and refuses a non-holder', { timeout: 120_000 }, async () => {
  const admin = await startNode()
  const app = await admin.installApplication({ wasm: appWasm('kv-store') })
  const ctx = (await admin.createContext({ applicationId: app.id })).id
  const inv = await admin.invite(ctx, { open: true, role: 'member', maxUses: 2, condition: { chain: 'ethereum', network: 'eip155:31337', claim: { kind: 'token-balance', token, slotIndex: 3, min: '1' } } })

  const other = await startNode()
  const outsider = (await other.newIdentity()).publicKey
  await assert.rejects(other.join(inv.invitation, { identity: outsider, walletLink: await walletLink(stranger, ctx, outsider) }), (err: Error) => {
    assert.equal(err.name, 'ClaimRefusedError')
    assert.match(err.message, new RegExp(`${stranger.address} holds 0, the invitation needs ≥ 1`))
    return true
  })
  assert.equal(admin.members(ctx).length, 1, 'the refusal changed nothing')
  assert.ok(other.listIdentities().some((i) => i.publicKey === outsider), 'the identity is still unbound on the joiner')

  const joiner = await startNode()
  const me = (await joiner.newIdentity()).publicKey
  await assert.rejects(joiner.join(inv.invitation, { identity: me }), { name: 'ClaimRefusedError', message: /admits only a wallet holding ≥ 1 of token/ })
  const joined = await joiner.join(inv.invitation, { identity: me, walletLink: await walletLink(holder, ctx, me) })
  assert.equal(joined.identity, me)
  assert.ok(admin.members(ctx).some((m) => m.identity === me && m.role === 'member'), 'the inviter admitted the holder')
})
