// A context's STRK and its calls out, on the devnet through the anchor: `fund` brings STRK in
// for one context, a TRANSFER proposal pays it out only once approved, a transfer beyond
// the context's funds fails the proposal (TransferFailed) and moves nothing, a CALL proposal
// runs against another deployed contract, and a call the contract refuses fails the
// proposal (CallFailed) while a call that panics reverts the approval.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { Account, RpcProvider, ec, hash } from 'starknet'
import type { StarknetAnchor } from '../../adapters/starknet/anchor.ts'
import { deployTo } from '../../adapters/starknet/deploy.ts'
import { CHAIN_ID } from '../../adapters/starknet/devnet/index.ts'
import { context_id_for } from '../../adapters/starknet/devnet/contract.ts'
import { STRK_TOKEN, bindingFelts, bindingMessage, bigToBytes, bytesToBig, hex, u256Felts } from '../../adapters/starknet/felts.ts'
import { generateKeyPair, sign, type KeyPair } from '../../src/crypto/ed25519.ts'
import { GovernanceRejectedError } from '../../src/governance/anchor.ts'
import { starknetFixture, type StarknetFixture } from './harness.ts'

const id = (): Uint8Array => new Uint8Array(randomBytes(32))
const STRK = 10n ** 18n
const u256 = (v: bigint): bigint[] => [v & ((1n << 128n) - 1n), v >> 128n]
/** A call's data: the selector, then the calldata, each felt as a 32-byte word. */
const callData = (entrypoint: string, calldata: bigint[]): Uint8Array => new Uint8Array([BigInt(hash.getSelectorFromName(entrypoint)), ...calldata].flatMap((f) => [...bigToBytes(f)]))

describe('a context\'s STRK funds and calls', () => {
  let f: StarknetFixture
  let anchor: StarknetAnchor
  let provider: RpcProvider
  let ctx: Uint8Array
  let admin: KeyPair
  let second: KeyPair
  const recipient = hex(bytesToBig(randomBytes(31)))

  const balance = async (holder: string): Promise<bigint> => {
    const [low, high] = await provider.callContract({ contractAddress: hex(STRK_TOKEN), entrypoint: 'balance_of', calldata: [holder] })
    return BigInt(low!) + (BigInt(high!) << 128n)
  }
  const funds = async (): Promise<bigint> => {
    const [low, high] = await provider.callContract({ contractAddress: f.contract, entrypoint: 'funds_of', calldata: u256Felts(ctx).map(String) })
    return BigInt(low!) + (BigInt(high!) << 128n)
  }
  const last = async (): Promise<{ outcome: string, reason?: string }> => (await anchor.view(ctx)).history.at(-1)!
  /** The events of `name` the contract emitted in the devnet's blocks so far. */
  const events = (name: string): Array<{ keys: bigint[], data: bigint[] }> => f.devnet.chain.blocks.flatMap((b) => b.txs.flatMap((t) => t.events))
    .filter((e) => e.from === BigInt(f.contract) && e.keys[0] === BigInt(hash.getSelectorFromName(name)))

  before(async () => {
    f = await starknetFixture()
    anchor = f.anchor()
    provider = new RpcProvider({ nodeUrl: f.devnet.url })
    admin = generateKeyPair()
    second = generateKeyPair()
    ctx = (await anchor.createContext({ application: id(), creator: admin })).context
    // Two admins, both needed: a proposal runs only once the second approves.
    await anchor.submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'addAdmin', identity: second.publicKey }] })
    await anchor.submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'setThreshold', threshold: 2 }] })
    // An account funds the context: approve the contract, then fund (one multicall).
    const funder = new Account({ provider, address: f.payers[1]!.address, signer: f.payers[1]!.privateKey, cairoVersion: '1' })
    const sent = await funder.execute([
      { contractAddress: hex(STRK_TOKEN), entrypoint: 'approve', calldata: [f.contract, ...u256(5n * STRK)].map(String) },
      { contractAddress: f.contract, entrypoint: 'fund', calldata: [...u256Felts(ctx), ...u256(5n * STRK)].map(String) }
    ], { tip: 0n })
    const r = await provider.waitForTransaction(sent.transaction_hash, { retryInterval: 20 }) as unknown as { execution_status: string }
    assert.equal(r.execution_status, 'SUCCEEDED')
  })
  after(async () => { await f.close() })

  it('fund brings STRK in for that context only', async () => {
    assert.equal(await funds(), 5n * STRK)
    assert.equal(await balance(f.contract), 5n * STRK)
    const other = (await anchor.createContext({ application: id(), creator: generateKeyPair() })).context
    const [low] = await provider.callContract({ contractAddress: f.contract, entrypoint: 'funds_of', calldata: u256Felts(other).map(String) })
    assert.equal(BigInt(low!), 0n)
  })

  it('a transfer proposal credits the recipient only once approved', async () => {
    const proposal = id()
    await anchor.submit(ctx, admin, { type: 'propose', proposal, actions: [{ type: 'transfer', to: recipient, amount: 2n * STRK }] })
    assert.equal(await balance(recipient), 0n, 'one approval of two: nothing moved')
    const open = (await anchor.view(ctx)).proposals.find((p) => Buffer.from(p.id).equals(Buffer.from(proposal)))!
    assert.deepEqual(open.actions, [{ type: 'transfer', to: '0x' + BigInt(recipient).toString(16).padStart(64, '0'), amount: 2n * STRK }])
    await anchor.submit(ctx, second, { type: 'approve', proposal })
    assert.equal(await balance(recipient), 2n * STRK)
    assert.equal(await funds(), 3n * STRK)
    assert.equal((await last()).outcome, 'executed')
    const t = events('Transferred').at(-1)!
    assert.deepEqual(t.data, [BigInt(recipient), ...u256(2n * STRK)])
  })

  it('a transfer beyond the context\'s funds fails the proposal and moves nothing', async () => {
    const proposal = id()
    await anchor.submit(ctx, admin, { type: 'propose', proposal, actions: [{ type: 'setValue', key: Buffer.from('k'), value: Buffer.from('v') }, { type: 'transfer', to: recipient, amount: 3n * STRK + 1n }] })
    await anchor.submit(ctx, second, { type: 'approve', proposal })
    const h = await last()
    assert.equal(h.outcome, 'failed')
    assert.match(h.reason!, /the transfer of .* failed/)
    assert.equal(await balance(recipient), 2n * STRK)
    assert.equal(await funds(), 3n * STRK)
    assert.equal(await balance(f.contract), 3n * STRK)
    assert.equal((await anchor.view(ctx)).values.length, 0, 'the setValue before it did not run either')
  })

  it('a call proposal runs against another contract, as the config contract', async () => {
    // The call creates a context on a second config contract: its effect is visible there.
    const other = BigInt((await deployTo({ rpc: f.devnet.url, payer: f.payers[2]!, salt: 7n })).contract)
    const creator = generateKeyPair()
    const app = bytesToBig(randomBytes(32)); const salt = 1n
    const created = context_id_for(bytesToBig(creator.publicKey), app, salt)
    const starkKey = BigInt(ec.starkCurve.getStarkKey(ec.starkCurve.utils.randomPrivateKey()))
    const binding = (key: bigint): bigint[] => bindingFelts(sign(creator.secretKey, bindingMessage(CHAIN_ID, other, bigToBytes(created), key)))
    const create = (b: bigint[]): Uint8Array => callData('create_context', [...u256(bytesToBig(creator.publicKey)), ...u256(app), ...u256(salt), starkKey, BigInt(b.length), ...b])
    const revision = async (): Promise<bigint> => BigInt((await provider.callContract({ contractAddress: hex(other), entrypoint: 'revision_of', calldata: u256(created).map(String) }))[0]!)

    // A call that panics (a binding for another key): the approval reverts, the proposal stays open.
    const failing = id()
    await anchor.submit(ctx, admin, { type: 'propose', proposal: failing, actions: [{ type: 'call', target: hex(other), data: create(binding(starkKey + 1n)) }] })
    await assert.rejects(anchor.submit(ctx, second, { type: 'approve', proposal: failing }), (err: unknown) => err instanceof GovernanceRejectedError && err.code === 'CallFailed')
    assert.ok((await anchor.view(ctx)).proposals.some((p) => Buffer.from(p.id).equals(Buffer.from(failing))))
    assert.equal(await revision(), 0n)

    const proposal = id()
    await anchor.submit(ctx, admin, { type: 'propose', proposal, actions: [{ type: 'call', target: hex(other), data: create(binding(starkKey)) }] })
    assert.equal(await revision(), 0n, 'not before the approval')
    await anchor.submit(ctx, second, { type: 'approve', proposal })
    assert.equal((await last()).outcome, 'executed')
    assert.equal(await revision(), 1n)
    const called = events('Called').at(-1)!
    assert.deepEqual(called.data.slice(0, 2), [other, BigInt(hash.getSelectorFromName('create_context'))])
    assert.deepEqual(called.data.slice(2), [2n, ...u256(created)], 'the result: the new context id')
  })

  it('a call to the token or to the contract itself fails the proposal', async () => {
    for (const target of [hex(STRK_TOKEN), f.contract]) {
      const proposal = id()
      await anchor.submit(ctx, admin, { type: 'propose', proposal, actions: [{ type: 'call', target, data: callData('transfer', [BigInt(recipient), ...u256(1n)]) }] })
      await anchor.submit(ctx, second, { type: 'approve', proposal })
      const h = await last()
      assert.equal(h.outcome, 'failed', target)
      assert.match(h.reason!, /the call to .* reverted/)
    }
    assert.equal(await balance(recipient), 2n * STRK)
    assert.equal(await funds(), 3n * STRK)
  })
})
