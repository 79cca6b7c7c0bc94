// Reorgs: a change whose block leaves the chain is undone in the adapter's view, and
// the change feed says so. The devnet makes a real fork: evm_snapshot before the change,
// evm_revert after it, then a longer alternative branch is mined on top.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { toHex } from '../../src/crypto/bytes.ts'
import { generateKeyPair, type KeyPair } from '../../src/crypto/ed25519.ts'
import type { AnchorChange, GovernanceView } from '../../src/governance/anchor.ts'
import type { EthereumAnchor } from '../../adapters/ethereum/anchor.ts'
import { evmFixture, type EvmFixture } from './harness.ts'
import { until } from '../helpers/until.ts'

const has = (v: Pick<GovernanceView, 'members'> | undefined, k: KeyPair): boolean => v?.members.some((m) => toHex(m.identity) === toHex(k.publicKey)) ?? false

describe('reorgs undo changes in the adapter\'s view', () => {
  let evm: EvmFixture
  before(async () => { evm = await evmFixture() })
  after(async () => { await evm.close() })

  /** Waits for the next transaction to be mined, then mines `extra` empty blocks on top. */
  async function mineAfterNextTx (extra: number): Promise<void> {
    const start = Number(await evm.devnet.request<string>('eth_blockNumber', []))
    await until('a transaction to be mined', async () => Number(await evm.devnet.request<string>('eth_blockNumber', [])) > start)
    for (let i = 0; i < extra; i++) await evm.devnet.request('evm_mine', [])
  }

  async function forkAway (snapshot: string, blocks: number): Promise<void> {
    await evm.devnet.request('evm_revert', [snapshot])
    // A different time stamp makes the alternative blocks differ from the dropped ones.
    await evm.devnet.request('evm_increaseTime', [13])
    for (let i = 0; i < blocks; i++) await evm.devnet.request('evm_mine', [])
  }

  it('a reorg that removes an addMember block makes the adapter revert that membership', async () => {
    const anchor: EthereumAnchor = evm.anchor()
    const admin = generateKeyPair(); const bob = generateKeyPair()
    const { context } = await anchor.createContext({ application: new Uint8Array(32).fill(1), creator: admin })
    const seen: AnchorChange[] = []
    anchor.watch(context, (c) => seen.push(c))
    await anchor.sync()
    const snapshot = await evm.devnet.request<string>('evm_snapshot', [])
    const receipt = await anchor.submit(context, admin, { type: 'addMember', identity: bob.publicKey, role: 'member' })
    await until('the addMember change', () => seen.some((c) => c.accepted && c.action.type === 'addMember'))
    assert.equal(has(await anchor.view(context), bob), true)
    assert.equal(has(anchor.cached(context), bob), true)

    await forkAway(snapshot, 2)
    await until('the undo', () => seen.some((c) => !c.accepted))
    const undo = seen.find((c) => !c.accepted)!
    assert.equal(undo.id, receipt.id)
    assert.equal(undo.action.type, 'addMember')
    assert.match(undo.reason!, /reorged out/)
    assert.equal(has(anchor.cached(context), bob), false, 'the feed\'s cached view lost bob')
    assert.equal(has(await anchor.view(context), bob), false, 'a fresh view lost bob')
    // The adapter's own caches (nonces, bound keys) follow the new branch: it can act again.
    await anchor.submit(context, admin, { type: 'addMember', identity: bob.publicKey, role: 'reader' })
    await until('the change on the new branch', () => seen.filter((c) => c.accepted && c.action.type === 'addMember').length === 2)
    assert.equal((await anchor.view(context)).members.find((m) => toHex(m.identity) === toHex(bob.publicKey))?.role, 'reader')
  })

  it('with 2 confirmations, a change reorged out before its second block is never reported', async () => {
    const anchor: EthereumAnchor = evm.anchor({ confirmations: 2 })
    const admin = generateKeyPair(); const bob = generateKeyPair(); const carol = generateKeyPair()
    // Creation waits for a second block; mine it alongside.
    const created = anchor.createContext({ application: new Uint8Array(32).fill(2), creator: admin })
    await mineAfterNextTx(1)
    const { context } = await created
    const seen: AnchorChange[] = []
    anchor.watch(context, (c) => seen.push(c))
    await anchor.sync()
    const snapshot = await evm.devnet.request<string>('evm_snapshot', [])
    // Sent but only mined once: not confirmed.
    const abandon = new AbortController()
    const pending = anchor.submit(context, admin, { type: 'addMember', identity: bob.publicKey, role: 'member' }, { signal: abandon.signal })
    pending.catch(() => {})
    await mineAfterNextTx(0)
    await anchor.sync()
    assert.equal(has(await anchor.view(context), bob), false, 'one block is not enough')
    await forkAway(snapshot, 3)
    await anchor.sync()
    assert.equal(seen.length, 0, 'nothing was ever reported')
    // Its transaction is gone with the dropped block; stop waiting for it.
    abandon.abort()
    await assert.rejects(pending)
    assert.equal(has(await anchor.view(context), bob), false)
    // A change that gets its confirmations is reported once.
    const confirmed = anchor.submit(context, admin, { type: 'addMember', identity: carol.publicKey, role: 'member' })
    await mineAfterNextTx(1)
    await confirmed
    await until('carol\'s change', () => seen.length === 1)
    assert.equal(seen[0]!.action.type, 'addMember')
    assert.equal(has(await anchor.view(context), carol), true)
  })
})
