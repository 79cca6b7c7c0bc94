// A relayer (any funded account) carries requests to the contract but cannot forge,
// change or replay them: every attempt below is refused by the contract itself.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { BrowserProvider, ContractFactory, Interface, Wallet, hexlify, type JsonRpcApiProvider } from 'ethers'
import { loadArtifacts, type Artifacts } from '../../adapters/ethereum/artifacts.ts'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { REQUEST_TYPES, bindingMessage, eip712Domain, encodeRequest, type EthereumGovAction } from '../../adapters/ethereum/encoding.ts'
import { evmKeyFor } from '../../adapters/ethereum/keys.ts'
import { Reasons } from '../../adapters/ethereum/reasons.ts'
import { revertData } from '../../adapters/ethereum/rpc.ts'
import type { EthereumAnchor } from '../../adapters/ethereum/anchor.ts'
import { generateKeyPair, sign, type KeyPair } from '../../src/crypto/ed25519.ts'
import { evmFixture, RELAYER_C_KEY, type EvmFixture } from './harness.ts'

const randomWallet = (): Wallet => new Wallet(Wallet.createRandom().privateKey)

interface Signed { request: { context: string, identity: string, nonce: bigint, kind: number, payload: string }, signature: string, binding: string }

describe('a relayer cannot forge or replay requests', () => {
  let evm: EvmFixture
  let anchor: EthereumAnchor
  let artifacts: Artifacts
  let config: Interface
  let reasons: Reasons
  let provider: JsonRpcApiProvider
  let relayer: Wallet
  let chainId: bigint
  let ctx: Uint8Array
  let admin: KeyPair

  before(async () => {
    evm = await evmFixture()
    anchor = evm.anchor()
    artifacts = await loadArtifacts()
    config = new Interface(artifacts.ContextConfig.abi as never[])
    reasons = new Reasons(artifacts.ContextConfig.abi, artifacts.ContextProxy.abi)
    provider = new BrowserProvider(evm.devnet.provider, undefined, { cacheTimeout: -1 })
    relayer = new Wallet(RELAYER_C_KEY, provider)
    chainId = await anchor.chainId()
    admin = generateKeyPair()
    ctx = (await anchor.createContext({ application: new Uint8Array(32).fill(7), creator: admin })).context
  })
  after(async () => { await evm.close() })

  /** Builds a request the way the adapter does, with any key and nonce. */
  function build (contract: string, identity: KeyPair, action: EthereumGovAction, nonce: bigint, opts: { evmKey?: Wallet, binding?: 'none' | 'valid' | Uint8Array } = {}): Promise<Signed> {
    const key = opts.evmKey ?? evmKeyFor(identity, ctx)
    const { kind, payload } = encodeRequest(action)
    const request = { context: hexlify(ctx), identity: hexlify(identity.publicKey), nonce, kind, payload }
    const binding = opts.binding === undefined || opts.binding === 'none'
      ? '0x'
      : opts.binding === 'valid' ? hexlify(sign(identity.secretKey, bindingMessage(chainId, contract, ctx, key.address))) : hexlify(opts.binding)
    return key.signTypedData(eip712Domain(chainId, contract), REQUEST_TYPES, request).then((signature) => ({ request, signature, binding }))
  }

  /** The contract's verdict on `signed`, without sending it: 'ok' or the custom error's name. */
  async function verdict (contract: string, signed: Signed): Promise<string> {
    const data = config.encodeFunctionData('execute', [signed.request, signed.signature, signed.binding])
    try {
      await provider.estimateGas({ from: relayer.address, to: contract, data })
      return 'ok'
    } catch (err) {
      return reasons.errorName(revertData(err)) ?? (err as Error).message
    }
  }

  async function send (contract: string, signed: Signed): Promise<number> {
    const data = config.encodeFunctionData('execute', [signed.request, signed.signature, signed.binding])
    const tx = await relayer.sendTransaction({ to: contract, data, gasLimit: 2_000_000n })
    return (await tx.wait().catch((err: { receipt?: { status: number } }) => err.receipt))?.status ?? 0
  }

  const nextNonce = async (who: KeyPair): Promise<bigint> => await anchor.nonce(ctx, who.publicKey)
  const members = async (): Promise<number> => (await anchor.view(ctx)).members.length

  it('a request signed by any key but the one bound to the identity is refused', async () => {
    const before = await members()
    const forged = await build(evm.deployment.contextConfig, admin, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' }, await nextNonce(admin), { evmKey: randomWallet() })
    assert.equal(await verdict(evm.deployment.contextConfig, forged), 'WrongKey')
    assert.equal(await send(evm.deployment.contextConfig, forged), 0)
    assert.equal(await members(), before)
  })

  it('changing any field of a signed request breaks its signature', async () => {
    const genuine = await build(evm.deployment.contextConfig, admin, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'reader' }, await nextNonce(admin))
    assert.equal(await verdict(evm.deployment.contextConfig, genuine), 'ok')
    const other = encodeRequest({ type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' })
    const tampered: Signed[] = [
      { ...genuine, request: { ...genuine.request, payload: other.payload } },
      { ...genuine, request: { ...genuine.request, kind: 1 } },
      { ...genuine, request: { ...genuine.request, nonce: genuine.request.nonce + 5n } }
    ]
    for (const t of tampered) assert.equal(await verdict(evm.deployment.contextConfig, t), 'WrongKey')
  })

  it('a relayer cannot bind its own key to an identity', async () => {
    // bob is a member who has never acted: no key bound yet.
    const bob = generateKeyPair()
    await anchor.submit(ctx, admin, { type: 'addMember', identity: bob.publicKey, role: 'member' })
    const mine = randomWallet()
    const leave: EthereumGovAction = { type: 'leave' }
    // No binding, a random one, one by another identity, and bob's genuine binding of *his* key.
    const bobsBinding = sign(bob.secretKey, bindingMessage(chainId, evm.deployment.contextConfig, ctx, evmKeyFor(bob, ctx).address))
    for (const binding of ['none', new Uint8Array(64).fill(1), sign(generateKeyPair().secretKey, bindingMessage(chainId, evm.deployment.contextConfig, ctx, mine.address)), bobsBinding] as const) {
      const forged = await build(evm.deployment.contextConfig, bob, leave, 1n, { evmKey: mine, binding })
      assert.equal(await verdict(evm.deployment.contextConfig, forged), 'BadBinding')
    }
    assert.equal((await anchor.view(ctx)).members.some((m) => hexlify(m.identity) === hexlify(bob.publicKey)), true)
    // Bob's own first request (binding his derived key) goes through.
    const genuine = await build(evm.deployment.contextConfig, bob, leave, 1n, { binding: 'valid' })
    assert.equal(await verdict(evm.deployment.contextConfig, genuine), 'ok')
  })

  it('a request sent twice, by any relayer, is applied once', async () => {
    const signed = await build(evm.deployment.contextConfig, admin, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' }, await nextNonce(admin))
    const before = await anchor.view(ctx)
    assert.equal(await send(evm.deployment.contextConfig, signed), 1)
    assert.equal(await verdict(evm.deployment.contextConfig, signed), 'StaleNonce')
    assert.equal(await send(evm.deployment.contextConfig, signed), 0)
    const afterwards = await anchor.view(ctx)
    assert.equal(afterwards.members.length, before.members.length + 1)
    assert.equal(afterwards.revision, before.revision + 1)
  })

  it('a request for one contract (or chain) is refused by another', async () => {
    // A second deployment where the same creator made the same context legitimately.
    const deployer = new Wallet(DEVNET_RELAYER_KEY, provider)
    const factory = new ContractFactory(artifacts.ContextConfig.abi as never[], artifacts.ContextConfig.bytecode, deployer)
    const second = await factory.deploy()
    await second.waitForDeployment()
    const secondAddress = await second.getAddress()
    const other = evm.anchor({ contract: secondAddress })
    const salt = new Uint8Array(32).fill(9)
    const creator = generateKeyPair()
    const app = new Uint8Array(32).fill(3)
    const a = await anchor.createContext({ application: app, creator, salt })
    const b = await other.createContext({ application: app, creator, salt })
    assert.equal(hexlify(a.context), hexlify(b.context))
    ctx = a.context
    const signed = await build(evm.deployment.contextConfig, creator, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' }, 1n)
    assert.equal(await verdict(evm.deployment.contextConfig, signed), 'ok')
    // The EIP-712 domain names the contract: the signature recovers to another address there.
    assert.equal(await verdict(secondAddress, signed), 'WrongKey')
  })
})
