// A proposal's native transfer on the NEAR devnet runs as a promise: the `mutate` receipt
// that executes the proposal runs in one block, the transfer receipt it creates in a later
// block, then the contract's callback later still; the recipient is credited only then.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { Account as DevnetAccount } from '../../adapters/near/devnet/store.ts'
import { Account, JsonRpcProvider, KeyPairSigner, type KeyPairString } from 'near-api-js'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { nearFixture, type NearFixture } from './harness.ts'

const TGAS = 10n ** 12n
const NEAR = 10n ** 24n
let f: NearFixture

before(async () => { f = await nearFixture(2) })
after(async () => { await f.close() })

interface Outcome { id: string, block_hash: string, outcome: { executor_id: string, receipt_ids: string[], status: Record<string, unknown> } }

test('a proposal\'s transfer executes in a later block than the call that made it', async () => {
  const provider = new JsonRpcProvider({ url: f.devnet.url })
  const anchor = f.anchor()
  const admin = generateKeyPair()
  const { context } = await anchor.createContext({ application: new Uint8Array(randomBytes(32)), creator: admin })
  const relayer = new Account(f.relayers[1]!.account, provider, KeyPairSigner.fromSecretKey(f.relayers[1]!.key as KeyPairString))
  await relayer.callFunction({ contractId: f.contract, methodName: 'fund', args: { context: toHex(context) }, gas: 30n * TGAS, deposit: 2n * NEAR, waitUntil: 'FINAL' })
  const to = f.relayers[1]!.account
  const before = f.devnet.chain.state(f.devnet.chain.head.height).get<DevnetAccount>(`a:${to}`)!.amount
  const receipt = await anchor.submit(context, admin, { type: 'propose', proposal: new Uint8Array(randomBytes(32)), actions: [{ type: 'transfer', to, amount: NEAR }] as never })
  const status = await provider.sendJsonRpc('EXPERIMENTAL_tx_status', { tx_hash: receipt.id, sender_account_id: f.relayers[0]!.account, wait_until: 'FINAL' } as never) as { receipts_outcome: Outcome[] }
  const height = async (hash: string): Promise<number> => ((await provider.viewBlock({ blockId: hash })).header.height)
  const call = status.receipts_outcome.find((o) => o.outcome.executor_id === f.contract && o.outcome.receipt_ids.length > 0)!
  const transfer = status.receipts_outcome.find((o) => o.outcome.executor_id === to && call.outcome.receipt_ids.includes(o.id))
  assert.ok(transfer !== undefined, 'the call created a transfer receipt to the recipient')
  assert.ok(await height(transfer.block_hash) > await height(call.block_hash), 'the transfer ran in a later block than the call')
  const callback = status.receipts_outcome.find((o) => o.outcome.executor_id === f.contract && o !== call && call.outcome.receipt_ids.includes(o.id))
  assert.ok(callback !== undefined, 'the contract\'s callback ran')
  assert.ok(await height(callback.block_hash) > await height(transfer.block_hash), 'the callback ran after the transfer')
  const after = f.devnet.chain.state(f.devnet.chain.head.height).get<DevnetAccount>(`a:${to}`)!.amount
  assert.equal(after - before, NEAR)
})
