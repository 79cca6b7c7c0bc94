// The per-context proxy contract beyond the conformance suite: Ethereum-only proposal
// actions (native transfer, external call), failure reasons, the threshold kept
// reachable, and a relayer unable to make a proposal fail by starving it of gas. Also the
// adapter's nonce handling when two processes share a relayer or an identity.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { BrowserProvider, Interface, Wallet, parseEther } from 'ethers'
import { loadArtifacts } from '../../adapters/ethereum/artifacts.ts'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import type { EthereumAnchor } from '../../adapters/ethereum/anchor.ts'
import { generateKeyPair, type KeyPair } from '../../src/crypto/ed25519.ts'
import { evmFixture, RELAYER_C_KEY, type EvmFixture } from './harness.ts'

const id = (): Uint8Array => new Uint8Array(randomBytes(32))

describe('context proxy and nonce handling', () => {
  let evm: EvmFixture
  let anchor: EthereumAnchor
  let provider: BrowserProvider
  before(async () => {
    evm = await evmFixture()
    anchor = evm.anchor()
    provider = new BrowserProvider(evm.devnet.provider, undefined, { cacheTimeout: -1 })
  })
  after(async () => { await evm.close() })

  async function fresh (): Promise<{ ctx: Uint8Array, admin: KeyPair }> {
    const admin = generateKeyPair()
    const { context } = await anchor.createContext({ application: id(), creator: admin })
    return { ctx: context, admin }
  }

  it('a proposal transfers the context\'s ether and calls other contracts', async () => {
    const { ctx, admin } = await fresh()
    const proxy = await anchor.proxyOf(ctx)
    const funder = new Wallet(DEVNET_RELAYER_KEY, provider)
    await (await funder.sendTransaction({ to: proxy, value: parseEther('2') })).wait()
    const payee = Wallet.createRandom().address
    await anchor.submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'transfer', to: payee, amount: parseEther('1.5') }] })
    assert.equal(await provider.getBalance(payee), parseEther('1.5'))
    assert.equal(await provider.getBalance(proxy), parseEther('0.5'))
    // A call that succeeds (a view of the config contract) and one that reverts.
    const config = new Interface((await loadArtifacts()).ContextConfig.abi as never[])
    await anchor.submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'call', target: evm.deployment.contextConfig, data: new Uint8Array(Buffer.from(config.encodeFunctionData('proxyOf', [ctx]).slice(2), 'hex')) }] })
    let v = await anchor.view(ctx)
    assert.equal(v.history.at(-1)!.outcome, 'executed')
    const sneaky = config.encodeFunctionData('setAdmin', [id(), id(), true])
    await anchor.submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'call', target: evm.deployment.contextConfig, data: new Uint8Array(Buffer.from(sneaky.slice(2), 'hex')) }] })
    v = await anchor.view(ctx)
    assert.equal(v.history.at(-1)!.outcome, 'failed')
    assert.match(v.history.at(-1)!.reason!, /the call to 0x[0-9a-fA-F]{40} reverted/)
    // Too much ether: the transfer fails, nothing moves.
    await anchor.submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'transfer', to: payee, amount: parseEther('1') }] })
    v = await anchor.view(ctx)
    assert.match(v.history.at(-1)!.reason!, /transfer of 1000000000000000000 wei/)
    assert.equal(await provider.getBalance(proxy), parseEther('0.5'))
  })

  it('open proposals show their actions, including Ethereum-only ones', async () => {
    const { ctx, admin } = await fresh()
    const b = generateKeyPair()
    await anchor.submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'addAdmin', identity: b.publicKey }, { type: 'setThreshold', threshold: 2 }] })
    const p = id()
    const to = Wallet.createRandom().address
    await anchor.submit(ctx, admin, { type: 'propose', proposal: p, actions: [{ type: 'transfer', to, amount: 5n }, { type: 'setValue', key: new Uint8Array([1]), value: new Uint8Array([2]) }] })
    const v = await anchor.viewAt(ctx)
    assert.equal(v.proposals.length, 1)
    assert.deepEqual(v.proposals[0]!.actions.map((a) => a.type), ['transfer', 'setValue'])
    assert.equal((v.proposals[0]!.actions[0] as { to: string }).to, to)
  })

  it('a view at a past block shows the membership of then', async () => {
    const { ctx, admin } = await fresh()
    const bob = generateKeyPair()
    const before = (await anchor.viewAt(ctx)).position.seq
    await anchor.submit(ctx, admin, { type: 'addMember', identity: bob.publicKey, role: 'member' })
    const then = await anchor.lookup(ctx, { at: before })
    assert.equal(then.found && then.value.members.length, 1)
    assert.equal((await anchor.viewAt(ctx)).members.length, 2)
    // Not found is a declared result: a position past the head, a context not there yet.
    assert.deepEqual(await anchor.lookup(ctx, { at: before + 1_000 }), { found: false, missing: 'no-position' })
    const later = (await fresh()).ctx
    assert.deepEqual(await anchor.lookup(later, { at: (await anchor.viewAt(later)).genesis.seq - 1 }), { found: false, missing: 'no-context' })
  })

  it('an admin leaving keeps the threshold reachable', async () => {
    const { ctx, admin } = await fresh()
    const b = generateKeyPair()
    await anchor.submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'addAdmin', identity: b.publicKey }, { type: 'setThreshold', threshold: 2 }] })
    assert.equal((await anchor.view(ctx)).threshold, 2)
    await anchor.submit(ctx, b, { type: 'leave' })
    assert.equal((await anchor.view(ctx)).threshold, 1)
  })

  it('a relayer cannot make a proposal fail by sending too little gas', async () => {
    const { ctx, admin } = await fresh()
    const relayer = new Wallet(RELAYER_C_KEY, provider)
    // A proposal whose execution is expensive (a 3 KB value: ~100 storage slots).
    const action = { type: 'propose' as const, proposal: id(), actions: [{ type: 'setValue' as const, key: new Uint8Array([7]), value: new Uint8Array(randomBytes(3072)) }] }
    const prepared = await anchor.prepare(ctx, admin, action)
    const proxy = await anchor.proxyOf(ctx)
    const failedTopic = new Interface((await loadArtifacts()).ContextProxy.abi as never[]).getEvent('ProposalFailed')!.topicHash
    let executed = false
    for (const percent of [30n, 50n, 70n, 80n, 90n, 95n, 100n, 110n]) {
      const tx = await relayer.sendTransaction({ to: prepared.to, data: prepared.data, gasLimit: prepared.gas * percent / 100n })
      const receipt = (await tx.wait().catch((err: { receipt?: { status: number | null, logs: Array<{ address: string, topics: readonly string[] }> } }) => err.receipt))!
      const failed = receipt.logs.find((l) => l.address === proxy && l.topics[0] === failedTopic)
      assert.equal(failed !== undefined, false, `${percent}% of the estimate made the proposal fail`)
      if (receipt.status === 1) { executed = true; break }
    }
    assert.ok(executed, 'with enough gas the proposal executes')
    const v = await anchor.view(ctx)
    assert.equal(v.history.at(-1)!.outcome, 'executed')
    assert.equal(v.values[0]!.value.length, 3072)
  })

  it('two processes sharing a relayer account and an identity: nonces are re-read and requests retried', async () => {
    const { ctx, admin } = await fresh()
    // A second adapter with its own caches, same relayer account (as a second node process would).
    const other = evm.anchor()
    const n0 = await anchor.nonce(ctx, admin.publicKey)
    const added: KeyPair[] = []
    const add = async (a: EthereumAnchor): Promise<void> => {
      const k = generateKeyPair()
      added.push(k)
      await a.submit(ctx, admin, { type: 'addMember', identity: k.publicKey, role: 'reader' })
    }
    // Interleaved: each adapter's cached relayer nonce goes stale in turn.
    await add(anchor); await add(other); await add(anchor); await add(other)
    // Concurrent: both sign the same identity nonce; the loser re-reads it and re-signs.
    await Promise.all([add(anchor), add(other), add(anchor), add(other)])
    const v = await anchor.view(ctx)
    assert.equal(v.members.length, 1 + added.length)
    assert.equal(await anchor.nonce(ctx, admin.publicKey), n0 + BigInt(added.length))
  })
})
