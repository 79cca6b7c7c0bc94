// Contract wallets on the EDR devnet. EIP-1271: a real contract wallet whose owner signs
// the link message is linked; after the owner hands the wallet over, the link no longer
// counts (re-checked at use). EIP-6492: a wallet not deployed yet (a counterfactual CREATE2
// address of a real factory) links with a 6492-wrapped signature, and verifying deploys nothing.
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { AbiCoder, BrowserProvider, Contract, ContractFactory, Interface, Wallet, hexlify } from 'ethers'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { startDevnet, type Devnet } from '../../adapters/ethereum/devnet/index.ts'
import { linkMessage } from '../../adapters/ethereum/wallet/message.ts'
import { EthereumWalletVerifier } from '../../adapters/ethereum/wallet/verifier.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { signIdentity, statementFields, WalletLinkRefusedError, WalletLinks } from '../../src/wallets/index.ts'
import { compileTestWallet } from '../fixtures/wallet-contracts.ts'

const MAGIC = '6492649264926492649264926492649264926492649264926492649264926492'
let devnet: Devnet
let provider: BrowserProvider
before(async () => {
  devnet = await startDevnet()
  provider = new BrowserProvider(devnet.provider, undefined, { cacheTimeout: -1 })
})
after(async () => { await devnet.close() })

test('a contract wallet links through EIP-1271 and stops verifying once its owner changes', async () => {
  const funder = new Wallet(DEVNET_RELAYER_KEY, provider)
  const owner = Wallet.createRandom()
  const art = await compileTestWallet('OwnedWallet')
  const contract = await new ContractFactory(art.abi as never, art.bytecode, funder).deploy(funder.address)
  await contract.waitForDeployment()
  const address = await contract.getAddress()
  // The funder owns it first and hands it to `owner`.
  await (await (contract as Contract).getFunction('setOwner')(owner.address)).wait()

  const chainId = Number((await provider.getNetwork()).chainId)
  const links = new WalletLinks({ domain: 'node.example', verifiers: [new EthereumWalletVerifier({ provider })] })
  const me = generateKeyPair()
  const context = new Uint8Array(randomBytes(32))
  const account = `eip155:${chainId}:${address}`
  const statement = statementFields({
    domain: 'node.example', account, context, identity: me.publicKey, nonce: links.nonce(),
    issuedAt: new Date(), expiry: new Date(Date.now() + 3_600_000)
  })
  const proof = await owner.signMessage(linkMessage(statement))
  const link = { account, context, identity: me.publicKey, statement, proof, identitySignature: signIdentity(me.secretKey, context, me.publicKey, account) }

  // A stranger's signature is refused by the contract.
  const forged = { ...link, statement: { ...statement, nonce: links.nonce() } }
  forged.proof = await Wallet.createRandom().signMessage(linkMessage(forged.statement))
  await assert.rejects(links.check(forged, { consumeNonce: true }), (e: unknown) => e instanceof WalletLinkRefusedError && e.code === 'BadWalletSignature')

  await links.check(link, { consumeNonce: true })

  // The owner hands the wallet back; the old owner's signature no longer verifies at use time.
  const ownerFunded = owner.connect(provider)
  await (await funder.sendTransaction({ to: owner.address, value: 10n ** 17n })).wait()
  await (await (contract.connect(ownerFunded) as Contract).getFunction('setOwner')(funder.address)).wait()
  await assert.rejects(links.check(link), (e: unknown) => e instanceof WalletLinkRefusedError && e.code === 'BadWalletSignature', 'checked again at use time, it no longer holds')
})

test('a counterfactual contract wallet links through EIP-6492', async () => {
  const funder = new Wallet(DEVNET_RELAYER_KEY, provider)
  const art = await compileTestWallet('OwnedWalletFactory')
  const factory = await new ContractFactory(art.abi as never, art.bytecode, funder).deploy()
  await factory.waitForDeployment()
  const factoryAddress = await factory.getAddress()
  const owner = Wallet.createRandom()
  const salt = hexlify(randomBytes(32))
  const address = await (factory as Contract).getFunction('addressOf')(owner.address, salt) as string
  assert.equal(await provider.getCode(address), '0x', 'not deployed yet')
  const deployCall = new Interface(art.abi as never).encodeFunctionData('deploy', [owner.address, salt])

  const chainId = Number((await provider.getNetwork()).chainId)
  const links = new WalletLinks({ domain: 'node.example', verifiers: [new EthereumWalletVerifier({ provider })] })
  const me = generateKeyPair()
  const context = new Uint8Array(randomBytes(32))
  const account = `eip155:${chainId}:${address}`
  const make = async (signer: Wallet | ReturnType<typeof Wallet.createRandom>) => {
    const statement = statementFields({
      domain: 'node.example', account, context, identity: me.publicKey, nonce: links.nonce(),
      issuedAt: new Date(), expiry: new Date(Date.now() + 3_600_000)
    })
    const inner = await signer.signMessage(linkMessage(statement))
    const proof = AbiCoder.defaultAbiCoder().encode(['address', 'bytes', 'bytes'], [factoryAddress, deployCall, inner]) + MAGIC
    return { account, context, identity: me.publicKey, statement, proof, identitySignature: signIdentity(me.secretKey, context, me.publicKey, account) }
  }
  await assert.rejects(links.check(await make(Wallet.createRandom()), { consumeNonce: true }), (e: unknown) => e instanceof WalletLinkRefusedError && e.code === 'BadWalletSignature')
  await links.check(await make(owner), { consumeNonce: true })
  assert.equal(await provider.getCode(address), '0x', 'verifying simulated the deployment only')
})
