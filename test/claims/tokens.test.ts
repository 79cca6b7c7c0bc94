// Token claims against real contracts compiled with solc and deployed on the EDR devnet:
// an ERC-20 balance and an ERC-721 owner (and NFT count) read from their mapping slots
// (OpenZeppelin's layout) equal what the contracts' own getters return.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Contract, ContractFactory, JsonRpcProvider, Wallet } from 'ethers'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { serveDevnet, type DevnetServer } from '../../adapters/ethereum/devnet/index.ts'
import { verifyClaim } from '../../adapters/ethereum/claims/verify.ts'
import { compileTestToken } from '../fixtures/wallet-contracts.ts'

let devnet: DevnetServer
let provider: JsonRpcProvider
let deployer: Wallet
let erc20: Contract
let erc721: Contract
const alice = Wallet.createRandom().address
const bob = Wallet.createRandom().address

async function deploy (name: 'TestERC20' | 'TestERC721'): Promise<Contract> {
  const art = await compileTestToken(name)
  const c = await new ContractFactory(art.abi as never, art.bytecode, deployer).deploy('Test', 'TST')
  await c.waitForDeployment()
  return c as Contract
}

before(async () => {
  devnet = await serveDevnet()
  provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true })
  deployer = new Wallet(DEVNET_RELAYER_KEY, provider)
  erc20 = await deploy('TestERC20')
  erc721 = await deploy('TestERC721')
})
after(async () => { provider.destroy(); await devnet.close() })

const quorum = (): { endpoints: string[] } => ({ endpoints: [devnet.url, devnet.url] })

test('an ERC-20 balance is proven from its balances mapping (slot 0) and equals balanceOf', async () => {
  await (await erc20.getFunction('mint')(alice, 1234n * 10n ** 18n)).wait()
  const token = await erc20.getAddress()
  const r = await verifyClaim({ kind: 'token-balance', token, holder: alice, slotIndex: 0 }, quorum())
  assert.equal(BigInt(r.value), await erc20.getFunction('balanceOf')(alice))
  assert.equal(BigInt(r.value), 1234n * 10n ** 18n)
  assert.equal(r.assumes, 'balances at slot 0')
  // The layout is what the value rests on: the wrong slot proves another word (here 0).
  const wrong = await verifyClaim({ kind: 'token-balance', token, holder: alice, slotIndex: 1 }, quorum())
  assert.equal(wrong.value, '0x0')
  const none = await verifyClaim({ kind: 'token-balance', token, holder: bob, slotIndex: 0 }, quorum())
  assert.equal(none.value, '0x0')
})

test('an ERC-721 owner (owners mapping, slot 2) and an NFT count (balances, slot 3) are proven, at the latest block and at an earlier one', async () => {
  await (await erc721.getFunction('mint')(deployer.address, 7n)).wait()
  const token = await erc721.getAddress()
  const before = await verifyClaim({ kind: 'nft-owner', token, tokenId: '7', slotIndex: 2 }, quorum())
  assert.equal(before.value, deployer.address.toLowerCase())
  assert.equal(before.value, (await erc721.getFunction('ownerOf')(7n) as string).toLowerCase())
  await (await erc721.getFunction('transferFrom')(deployer.address, bob, 7n)).wait()
  const after = await verifyClaim({ kind: 'nft-owner', token, tokenId: '0x7', slotIndex: 2 }, quorum())
  assert.equal(after.value, bob.toLowerCase())
  assert.ok(after.block.number > before.block.number)
  const count = await verifyClaim({ kind: 'token-balance', token, holder: bob, slotIndex: 3 }, quorum())
  assert.equal(count.value, '0x1')
  // Pinned to the earlier block, the earlier owner is what is proven.
  const then = await verifyClaim({ kind: 'nft-owner', token, tokenId: '7', slotIndex: 2 }, { ...quorum(), block: before.block.number })
  assert.equal(then.value, deployer.address.toLowerCase())
  assert.equal(then.block.hash, before.block.hash)
  // A token never minted has no owner: the zero address.
  const unminted = await verifyClaim({ kind: 'nft-owner', token, tokenId: '8', slotIndex: 2 }, quorum())
  assert.equal(unminted.value, '0x' + '0'.repeat(40))
})

test('the code hash of a deployed token is proven and equals keccak of its runtime code', async () => {
  const { keccak256 } = await import('ethers')
  const token = await erc20.getAddress()
  const r = await verifyClaim({ kind: 'code-hash', account: token }, quorum())
  assert.equal(r.value, keccak256(await provider.getCode(token)))
})
