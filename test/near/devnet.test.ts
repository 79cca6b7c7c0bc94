// The NEAR devnet driven only through near-api-js 7 (Account, JsonRpcProvider,
// KeyPairSigner): accounts, the real context config WASM deployed and initialised, signed
// requests through `mutate`, and the refusals NEAR makes (bad signatures, reused nonces,
// function-call keys used beyond their receiver, methods or allowance).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import {
  Account, JsonRpcProvider, KeyPair, KeyPairSigner, SignedTransaction, Signature, actions, baseDecode, createTransaction, type KeyPairString
} from 'near-api-js'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { startNearDevnet, type NearDevnet } from '../../adapters/near/devnet/index.ts'
import { contextIdFor, signRequest } from '../../adapters/near/request.ts'
import { NEAR_CONTRACT_WASM } from '../../scripts/build-near.ts'

const TGAS = 10n ** 12n
const NEAR = 10n ** 24n

describe('NEAR devnet through near-api-js', () => {
  let devnet: NearDevnet
  let provider: JsonRpcProvider
  let root: Account
  let contract: Account
  const contractKey = KeyPair.fromRandom('ed25519')
  const contractId = 'cfg.test.near'

  before(async () => {
    devnet = await startNearDevnet({ port: 0 })
    provider = new JsonRpcProvider({ url: devnet.url })
    root = new Account(devnet.account, provider, KeyPairSigner.fromSecretKey(devnet.key as KeyPairString))
    await root.createAccount({ newAccountId: contractId, publicKey: contractKey.getPublicKey(), nearToTransfer: 50n * NEAR })
    contract = new Account(contractId, provider, new KeyPairSigner(contractKey))
    // Deploy and initialise in one transaction, as the contract's `new` requires (only the account itself).
    await contract.signAndSendTransaction({
      receiverId: contractId,
      actions: [actions.deployContract(readFileSync(NEAR_CONTRACT_WASM)), actions.functionCall('new', { chain_id: devnet.chainId }, 30n * TGAS, 0n)]
    })
  })
  after(async () => { await devnet.close() })

  const view = async (method: string, args: object): Promise<unknown> =>
    await provider.callFunction({ contractId, method, args, blockQuery: { finality: 'optimistic' } } as never)

  const mutate = async (from: Account, args: object, deposit = NEAR / 10n): Promise<unknown> =>
    await from.callFunction({ contractId, methodName: 'mutate', args, gas: 100n * TGAS, deposit })

  it('the genesis account is funded; final lags optimistic; the contract is deployed and initialised', async () => {
    const state = await root.getState()
    assert.ok(state.balance.total > 1_000_000n * NEAR)
    const optimistic = await provider.viewBlock({ finality: 'optimistic' })
    const final = await provider.viewBlock({ finality: 'final' })
    assert.ok(final.header.height < optimistic.header.height, 'final is behind the head')
    assert.equal((await view('config', {}) as { chain_id: string }).chain_id, devnet.chainId)
    const code = await contract.getState()
    assert.notEqual(code.codeHash, '11111111111111111111111111111111')
    await assert.rejects(contract.callFunction({ contractId, methodName: 'new', args: { chain_id: 'again' }, gas: 30n * TGAS }), /AlreadyInitialized/)
  })

  it('a signed request creates a context; a bad signature and a replayed request are refused and change nothing', async () => {
    const admin = generateKeyPair()
    const app = new Uint8Array(randomBytes(32))
    const salt = new Uint8Array(randomBytes(32))
    const ctx = contextIdFor(admin.publicKey, app, salt)
    const base = { chainId: devnet.chainId, contract: contractId, context: ctx, identity: admin }
    const created = signRequest({ ...base, nonce: 0n, action: { type: 'create', application: toHex(app), salt: toHex(salt) } })
    assert.deepEqual(await mutate(root, created), { context: toHex(ctx), revision: '1' })
    const context = await view('context', { context: toHex(ctx) }) as { creator: string, revision: string, members: number }
    assert.equal(context.creator, toHex(admin.publicKey))
    assert.equal(context.members, 1)

    const bob = generateKeyPair()
    const add = signRequest({ ...base, nonce: 1n, action: { type: 'addMember', identity: toHex(bob.publicKey), role: 'member' } })
    // Signed by someone else than the identity it names.
    const forged = { request: add.request, signature: signRequest({ ...base, identity: bob, nonce: 1n, action: {} }).signature }
    await assert.rejects(mutate(root, forged), /BadSignature/)
    // Signed for another contract: the same text does not verify here.
    const elsewhere = signRequest({ ...base, contract: 'other.test.near', nonce: 1n, action: { type: 'addMember', identity: toHex(bob.publicKey), role: 'member' } })
    await assert.rejects(mutate(root, elsewhere), /BadSignature/)
    assert.equal((await view('member', { context: toHex(ctx), identity: toHex(bob.publicKey) })), null)

    // Any account relays; the same request sent again (by anyone) is stale.
    const relayerKey = KeyPair.fromRandom('ed25519')
    await root.createAccount({ newAccountId: 'relay.test.near', publicKey: relayerKey.getPublicKey(), nearToTransfer: 5n * NEAR })
    const relayer = new Account('relay.test.near', provider, new KeyPairSigner(relayerKey))
    assert.deepEqual(await mutate(relayer, add), { context: toHex(ctx), revision: '2' })
    await assert.rejects(mutate(root, add), /StaleNonce/)
    assert.equal(await view('nonce', { context: toHex(ctx), identity: toHex(admin.publicKey) }), '1')
    assert.equal((await view('context', { context: toHex(ctx) }) as { revision: string }).revision, '2')
  })

  it('transactions: a bad signature, a reused nonce and an unknown block hash are refused as NEAR refuses them', async () => {
    const signer = new KeyPairSigner(KeyPair.fromString(devnet.key as KeyPairString))
    const pk = await signer.getPublicKey()
    const ak = await provider.viewAccessKey({ accountId: devnet.account, publicKey: pk, finalityQuery: { finality: 'optimistic' } } as never)
    const block = await provider.viewBlock({ finality: 'final' })
    const tx = (nonce: bigint, hash = baseDecode(block.header.hash)): ReturnType<typeof createTransaction> =>
      createTransaction(devnet.account, pk, 'relay.test.near', nonce, [actions.transfer(1n)], hash)
    const next = BigInt(ak.nonce) + 1n
    // Signed over other bytes.
    const good = (await signer.signTransaction(tx(next))).signedTransaction
    const other = (await signer.signTransaction(tx(next + 1n))).signedTransaction
    const forged = new SignedTransaction({ transaction: good.transaction, signature: new Signature({ keyType: 0, data: other.signature.ed25519Signature!.data }) })
    await assert.rejects(provider.sendTransaction(forged), { name: 'InvalidSignatureError' })
    await provider.sendTransaction(good)
    // The same nonce again (a different transaction): InvalidNonce.
    const again = (await signer.signTransaction(createTransaction(devnet.account, pk, 'relay.test.near', next, [actions.transfer(2n)], baseDecode(block.header.hash)))).signedTransaction
    await assert.rejects(provider.sendTransaction(again), { name: 'InvalidNonceError' })
    const unknown = (await signer.signTransaction(tx(next + 5n, new Uint8Array(32)))).signedTransaction
    await assert.rejects(provider.sendTransaction(unknown), { name: 'TransactionExpiredError' })
  })

  it('a function-call key calls only its receiver and methods, without deposits, within its allowance', async () => {
    const fcKey = KeyPair.fromRandom('ed25519')
    await root.addFunctionCallAccessKey({ publicKey: fcKey.getPublicKey(), contractId, methodNames: ['mutate'], allowance: NEAR / 100n })
    const limited = new Account(devnet.account, provider, new KeyPairSigner(fcKey))
    await assert.rejects(limited.transfer({ receiverId: 'relay.test.near', amount: 1n }), { name: 'AccessKeyRequiresFullAccessActionError' })
    await assert.rejects(limited.callFunction({ contractId: 'relay.test.near', methodName: 'mutate', args: {}, gas: 10n * TGAS }), { name: 'AccessKeyReceiverMismatchActionError' })
    await assert.rejects(limited.callFunction({ contractId, methodName: 'fund', args: {}, gas: 10n * TGAS }), { name: 'AccessKeyMethodNameMismatchActionError' })
    await assert.rejects(limited.callFunction({ contractId, methodName: 'mutate', args: {}, gas: 10n * TGAS, deposit: 1n }), { name: 'AccessKeyDepositWithFunctionCallActionError' })
    // 300 Tgas costs 0.03 NEAR at the devnet's gas price: beyond the 0.01 NEAR allowance.
    await assert.rejects(limited.callFunction({ contractId, methodName: 'mutate', args: {}, gas: 300n * TGAS }), { name: 'AccessKeyNotEnoughAllowanceActionError' })
    // Within bounds the call goes through to the contract (which refuses the empty request).
    await assert.rejects(limited.callFunction({ contractId, methodName: 'mutate', args: {}, gas: 10n * TGAS }), /BadRequest/)
    const key = await provider.viewAccessKey({ accountId: devnet.account, publicKey: fcKey.getPublicKey(), finalityQuery: { finality: 'optimistic' } } as never) as { permission: { FunctionCall: { allowance: string } } }
    assert.ok(BigInt(key.permission.FunctionCall.allowance) < NEAR / 100n, 'the allowance paid for the gas')
  })

  it('a contract that loops runs out of gas instead of hanging the devnet', async () => {
    // A module whose `spin` export loops forever (no host calls at all).
    const wasm = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 17, 2, 4, 115, 112, 105, 110, 0, 0, 6, 109, 101, 109, 111, 114, 121, 2, 0, 10, 9, 1, 7, 0, 3, 64, 12, 0, 11, 11])
    const key = KeyPair.fromRandom('ed25519')
    await root.createAccount({ newAccountId: 'spin.test.near', publicKey: key.getPublicKey(), nearToTransfer: 5n * NEAR })
    const spin = new Account('spin.test.near', provider, new KeyPairSigner(key))
    await spin.deployContract(wasm)
    await assert.rejects(spin.callFunction({ contractId: 'spin.test.near', methodName: 'spin', args: {}, gas: 5n * TGAS }), /Exceeded the prepaid gas/)
  })
})
