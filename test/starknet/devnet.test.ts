// The Starknet devnet through starknet.js only: a transaction signed by another key, a
// reused nonce and resource bounds below the block's prices are refused and change
// nothing; the hash the devnet gives a transaction is the one starknet.js computes.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Account, RpcProvider, hash, type Call } from 'starknet'
import { CHAIN_ID, serveDevnet, type ServedDevnet } from '../../adapters/starknet/devnet/index.ts'
import { UDC, DEVNET_CONFIG_CLASS_HASH } from '../../adapters/starknet/deploy.ts'

const deployCall = (salt: number): Call => ({ contractAddress: UDC, entrypoint: 'deployContract', calldata: [DEVNET_CONFIG_CLASS_HASH, salt, 1, 1, 0] })
const bounds = { l1_gas: { max_amount: 0n, max_price_per_unit: 0n }, l2_gas: { max_amount: 10n ** 7n, max_price_per_unit: 10n ** 8n }, l1_data_gas: { max_amount: 10n ** 4n, max_price_per_unit: 10n ** 7n } }

describe('starknet devnet', () => {
  let d: ServedDevnet
  let provider: RpcProvider
  let account: Account
  before(async () => {
    d = await serveDevnet()
    provider = new RpcProvider({ nodeUrl: d.url })
    account = new Account({ provider, address: d.accounts[0]!.address, signer: d.accounts[0]!.privateKey, cairoVersion: '1' })
  })
  after(async () => { await d.close() })

  it('the transaction hash is starknet.js\'s own; the receipt moves to ACCEPTED_ON_L1', async () => {
    const nonce = await account.getNonce()
    const sent = await account.execute([deployCall(1)], { tip: 0n, resourceBounds: bounds, nonce })
    const ours = hash.calculateInvokeTransactionHash({
      senderAddress: d.accounts[0]!.address, version: '0x3', compiledCalldata: (await provider.getTransactionByHash(sent.transaction_hash) as unknown as { calldata: string[] }).calldata,
      chainId: ('0x' + CHAIN_ID.toString(16)) as never, nonce, accountDeploymentData: [], nonceDataAvailabilityMode: 0 as never, feeDataAvailabilityMode: 0 as never, resourceBounds: bounds as never, tip: 0n, paymasterData: []
    })
    assert.equal(BigInt(sent.transaction_hash), BigInt(ours))
    const r = await provider.waitForTransaction(sent.transaction_hash, { retryInterval: 20, successStates: ['ACCEPTED_ON_L1'] as never })
    assert.equal((r as unknown as { finality_status: string }).finality_status, 'ACCEPTED_ON_L1')
    assert.equal(BigInt(await account.getNonce()), BigInt(nonce) + 1n)
  })

  it('a bad signature is refused and changes nothing', async () => {
    const before = await account.getNonce()
    const forger = new Account({ provider, address: d.accounts[0]!.address, signer: d.accounts[1]!.privateKey, cairoVersion: '1' })
    await assert.rejects(forger.execute([deployCall(2)], { tip: 0n, resourceBounds: bounds }), /Account validation failed|55/)
    assert.equal(await account.getNonce(), before)
  })

  it('a reused nonce is refused', async () => {
    const nonce = BigInt(await account.getNonce())
    await provider.waitForTransaction((await account.execute([deployCall(3)], { tip: 0n, resourceBounds: bounds, nonce })).transaction_hash, { retryInterval: 20 })
    await assert.rejects(account.execute([deployCall(4)], { tip: 0n, resourceBounds: bounds, nonce }), /nonce|52/i)
    assert.equal(BigInt(await account.getNonce()), nonce + 1n)
  })

  it('resource bounds below what the transaction needs are refused', async () => {
    const before = await account.getNonce()
    const low = { ...bounds, l2_gas: { max_amount: 1000n, max_price_per_unit: 10n ** 8n } }
    await assert.rejects(account.execute([deployCall(5)], { tip: 0n, resourceBounds: low }), /resources|53/i)
    const cheap = { ...bounds, l2_gas: { max_amount: 10n ** 7n, max_price_per_unit: 1n } }
    await assert.rejects(account.execute([deployCall(6)], { tip: 0n, resourceBounds: cheap }), /resources|53/i)
    assert.equal(await account.getNonce(), before)
  })
})
