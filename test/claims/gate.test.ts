// The claim gate every admitting node runs before taking in a reveal of a gated open
// invitation: a real ERC-721 on the EDR devnet, a real EOA wallet link (EIP-191), real
// governance ops. A token holder's reveal passes; a non-holder's, a forged link's or a
// wrong block's is refused with the reason.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Contract, ContractFactory, JsonRpcProvider, Wallet } from 'ethers'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { serveDevnet, type DevnetServer } from '../../adapters/ethereum/devnet/index.ts'
import { linkMessage } from '../../adapters/ethereum/wallet/message.ts'
import { encodeCondition, parseCondition } from '../../src/claims/condition.ts'
import { encodeEvidence, evidenceMismatch } from '../../src/claims/evidence.ts'
import { ClaimGate } from '../../src/claims/gate.ts'
import { Claims } from '../../src/claims/service.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { generateKeyPair, type KeyPair } from '../../src/crypto/ed25519.ts'
import { createOp, type GovOp } from '../../src/governance/offchain/op.ts'
import { silentLogger } from '../../src/log/index.ts'
import { CHAIN_MODULES } from '../../src/node/chains.ts'
import { signIdentity } from '../../src/wallets/links.ts'
import { statementFields } from '../../src/wallets/statement.ts'
import { compileTestToken } from '../fixtures/wallet-contracts.ts'

/** What signs a wallet link here: an EOA (ethers Wallet or HD wallet). */
type LinkSigner = Pick<Wallet, 'address' | 'signMessage'>

let devnet: DevnetServer
let provider: JsonRpcProvider
let nft: Contract
let gate: ClaimGate
let claims: Claims
const holder = Wallet.createRandom()
const stranger = Wallet.createRandom()
const context = new Uint8Array(randomBytes(32))
let condition: string

before(async () => {
  devnet = await serveDevnet()
  provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true })
  const deployer = new Wallet(DEVNET_RELAYER_KEY, provider)
  const art = await compileTestToken('TestERC721')
  nft = await new ContractFactory(art.abi as never, art.bytecode, deployer).deploy('Pass', 'PASS') as Contract
  await nft.waitForDeployment()
  await (await nft.getFunction('mint')(holder.address, 1n)).wait()
  claims = new Claims({ modules: CHAIN_MODULES, endpoints: { ethereum: { rpc: [devnet.url, devnet.url] } }, logger: silentLogger })
  gate = new ClaimGate({ claims, modules: CHAIN_MODULES, logger: silentLogger })
  // "holds ≥ 1 token of the pass collection" (ERC-721 counts: OpenZeppelin's _balances, slot 3)
  condition = encodeCondition(parseCondition({ chain: 'ethereum', network: 'eip155:31337', claim: { kind: 'token-balance', token: await nft.getAddress(), slotIndex: 3, min: '1' } }, CHAIN_MODULES))
})
after(async () => { provider.destroy(); await devnet.close() })

/** A claimant's reveal with evidence: `wallet` links itself to `me`, the claim pinned at the latest block. */
async function reveal (wallet: LinkSigner, me: KeyPair, tweak: { signer?: LinkSigner, block?: { number: number, hash: string } } = {}): Promise<{ op: GovOp, evidence: string }> {
  const account = `eip155:31337:${wallet.address}`
  const now = Date.now()
  const statement = statementFields({ domain: 'node.example', account, context, identity: me.publicKey, nonce: 'n0nce' + toHex(randomBytes(4)), issuedAt: new Date(now - 1000), expiry: new Date(now + 3_600_000) })
  const proof = await (tweak.signer ?? wallet).signMessage(linkMessage(statement))
  const head = await provider.getBlock('latest')
  const evidence = encodeEvidence({
    link: { account, statement, proof, identitySignature: toHex(signIdentity(me.secretKey, context, me.publicKey, account)) },
    block: tweak.block ?? { number: head!.number, hash: head!.hash! }
  })
  const op = createOp({ context, author: me.publicKey, secretKey: me.secretKey, parents: [new Uint8Array(32)], nonce: 1n, hlc: { ms: now, c: 0 }, action: { type: 'revealClaim', invitation: new Uint8Array(32), proof: new Uint8Array(64), evidence } })
  return { op, evidence }
}

test('a token holder\'s reveal passes the gate; a non-holder\'s is refused with the reason', async () => {
  const me = generateKeyPair()
  const ok = await reveal(holder, me)
  assert.equal(evidenceMismatch(ok.evidence, context, me.publicKey), null)
  assert.equal(await gate.check(ok.op, condition, ok.evidence, true), null)
  const other = generateKeyPair()
  const no = await reveal(stranger, other)
  assert.match(await gate.check(no.op, condition, no.evidence, true) ?? '', new RegExp(`${stranger.address} holds 0, the invitation needs ≥ 1`))
})

test('a forged wallet link, another claimant\'s evidence, a block not on the chain and a stale push are refused', async () => {
  const me = generateKeyPair()
  const forged = await reveal(holder, me, { signer: stranger })
  assert.match(await gate.check(forged.op, condition, forged.evidence, true) ?? '', /wallet signature does not verify/)
  const thief = generateKeyPair()
  const stolen = await reveal(holder, me)
  assert.match(evidenceMismatch(stolen.evidence, context, thief.publicKey) ?? '', /names another identity/)
  const fake = await reveal(holder, generateKeyPair(), { block: { number: 1, hash: '0x' + '11'.repeat(32) } })
  assert.match(await gate.check(fake.op, condition, fake.evidence, true) ?? '', /block 1 is 0x[0-9a-f]{64} by this node's endpoints, not 0x1111/)
  const late = await reveal(holder, generateKeyPair())
  const stale = { ...late.op, hlc: { ms: Date.now() - 3 * 3_600_000, c: 0 } }
  assert.match(await gate.check(stale, condition, late.evidence, true) ?? '', /more than 10 minutes from this node's clock/)
})

test('a node without claim endpoints cannot check, and says so (not remembered: it may be configured later)', async () => {
  const blind = new ClaimGate({ claims: new Claims({ modules: CHAIN_MODULES, endpoints: {}, logger: silentLogger }), modules: CHAIN_MODULES, logger: silentLogger })
  const r = await reveal(holder, generateKeyPair())
  assert.match(await blind.check(r.op, condition, r.evidence, false) ?? '', /no claims\.ethereum endpoints/)
  assert.throws(() => claims.condition({ chain: 'ethereum', network: 'eip155:31337', claim: { kind: 'balance', min: '0' } }, false), { name: 'InvalidClaimError', message: /"min" must be at least 1/ })
  assert.throws(() => new Claims({ modules: CHAIN_MODULES, endpoints: {}, logger: silentLogger }).condition(JSON.parse(condition), false), { name: 'NoClaimEndpointsError' })
})
