// Group-key shares on chain (request kind 14, `keys`): any member publishes shares of a
// context group key through the contract, which orders and authenticates them without
// storing them; members read them back from the change feed or from `changes()`.
// Also `changes()` itself: a context's whole history of accepted requests, in chain order.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { decodeRequest, encodeRequest } from '../../adapters/ethereum/encoding.ts'
import type { EthereumAnchor } from '../../adapters/ethereum/anchor.ts'
import type { EthereumChange } from '../../adapters/ethereum/feed.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { generateKeyPair, type KeyPair } from '../../src/crypto/ed25519.ts'
import { unwrapKey } from '../../src/crypto/keywrap.ts'
import { InvalidInputError, NotFoundError } from '../../src/errors/index.ts'
import type { AnchorChange } from '../../src/governance/anchor.ts'
import { newGroupKey, shareAad } from '../../src/governance/group-keys.ts'
import type { KeyShareAction } from '../../src/governance/offchain/op.ts'
import { evmFixture, type EvmFixture } from './harness.ts'
import { until } from '../helpers/until.ts'

const keysOf = (changes: AnchorChange[]): EthereumChange[] => changes.filter((c) => c.accepted && c.action.type === 'keys') as EthereumChange[]

describe('group-key shares on chain', () => {
  let evm: EvmFixture
  let anchor: EthereumAnchor
  let ctx: Uint8Array
  let admin: KeyPair
  let alice: KeyPair
  let rita: KeyPair

  before(async () => {
    evm = await evmFixture()
    anchor = evm.anchor()
    admin = generateKeyPair(); alice = generateKeyPair(); rita = generateKeyPair()
    ctx = (await anchor.createContext({ application: new Uint8Array(32).fill(4), creator: admin })).context
    await anchor.submit(ctx, admin, { type: 'addMember', identity: alice.publicKey, role: 'member' })
    await anchor.submit(ctx, admin, { type: 'addMember', identity: rita.publicKey, role: 'reader' })
  })
  after(async () => { await evm.close() })

  it('encodes and decodes a share exactly, and refuses malformed ones before signing', () => {
    const { action } = newGroupKey(ctx, [admin.publicKey, alice.publicKey])
    const { kind, payload } = encodeRequest(action)
    assert.equal(kind, 14)
    assert.deepEqual(decodeRequest(kind, payload), action)
    const empty: KeyShareAction = { type: 'keys', keyId: action.keyId, rotate: false, shares: [] }
    assert.deepEqual(decodeRequest(14, encodeRequest(empty).payload), empty)
    assert.throws(() => encodeRequest({ ...action, keyId: new Uint8Array(31) }), InvalidInputError)
    assert.throws(() => encodeRequest({ ...action, shares: [{ recipient: new Uint8Array(33), wrapped: new Uint8Array(104) }] }), InvalidInputError)
    assert.throws(() => encodeRequest({ ...action, rotate: 'yes' as unknown as boolean }), InvalidInputError)
  })

  it('a member\'s share is accepted and comes back, byte for byte, through watch and changes()', async () => {
    const seen: AnchorChange[] = []
    const stop = anchor.watch(ctx, (c) => seen.push(c))
    await anchor.sync()
    const before = (await anchor.view(ctx)).revision
    const { key, action } = newGroupKey(ctx, [admin.publicKey, alice.publicKey, rita.publicKey])
    // Alice's first request: it also binds her EVM key.
    const receipt = await anchor.submit(ctx, alice, action)
    assert.equal(receipt.revision, before + 1)
    assert.equal((await anchor.view(ctx)).revision, before + 1)
    await until('the key share in the feed', () => keysOf(seen).length === 1)
    stop()
    const fed = keysOf(seen)[0]!
    assert.deepEqual(fed.action, action)
    assert.equal(fed.id, receipt.id)
    assert.equal(toHex(fed.author), toHex(alice.publicKey))
    assert.equal(fed.revision, receipt.revision)

    // Another node (another adapter on the same chain) reads the history.
    const other = evm.anchor()
    const listed = keysOf(await other.changes(ctx))
    assert.equal(listed.length, 1)
    const got = listed[0]!
    assert.deepEqual(got.action, action)
    assert.deepEqual({ id: got.id, revision: got.revision, position: got.position, index: got.index, nonce: got.nonce, at: got.at },
      { id: fed.id, revision: fed.revision, position: fed.position, index: fed.index, nonce: fed.nonce, at: fed.at })
    assert.equal(got.nonce, 1n)
    // The reader opens its share to the very key.
    const share = (got.action as KeyShareAction).shares.find((s) => toHex(s.recipient) === toHex(rita.publicKey))!
    assert.deepEqual(unwrapKey(share.wrapped, rita.publicKey, rita.secretKey, shareAad(ctx, key.id)), key.key)
  })
  // A non-member's share and a reader's rotation are refused: the chain conformance suite.
})

describe('a context\'s change history: changes()', () => {
  let evm: EvmFixture
  before(async () => { evm = await evmFixture() })
  after(async () => { await evm.close() })

  it('returns every change in chain order, from creation or fromBlock up to toBlock', async () => {
    const anchor = evm.anchor()
    const admin = generateKeyPair(); const bob = generateKeyPair()
    // Another context on the same contract: its changes must not show up.
    const noise = (await anchor.createContext({ application: new Uint8Array(32).fill(8), creator: admin })).context
    const { context } = await anchor.createContext({ application: new Uint8Array(32).fill(9), creator: admin })
    assert.deepEqual(await anchor.changes(context), [])
    const { action: keys } = newGroupKey(context, [admin.publicKey, bob.publicKey])
    const receipts = [
      await anchor.submit(context, admin, { type: 'addMember', identity: bob.publicKey, role: 'member' }),
      await anchor.submit(noise, admin, { type: 'addMember', identity: bob.publicKey, role: 'reader' }),
      await anchor.submit(context, admin, keys),
      await anchor.submit(context, admin, { type: 'removeMember', identity: bob.publicKey })
    ].filter((_r, i) => i !== 1)

    const all = await anchor.changes(context)
    assert.deepEqual(all.map((c) => c.action.type), ['addMember', 'keys', 'removeMember'])
    assert.deepEqual(all.map((c) => c.id), receipts.map((r) => r.id))
    assert.deepEqual(all.map((c) => c.revision), [2, 3, 4])
    assert.deepEqual(all.map((c) => c.nonce), [1n, 2n, 3n])
    assert.ok(all.every((c) => c.accepted && toHex(c.context) === toHex(context) && toHex(c.author) === toHex(admin.publicKey)))
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [all[i - 1]!, all[i]!]
      assert.ok(a.position.seq < b.position.seq || (a.position.seq === b.position.seq && a.index < b.index), 'chain order')
    }
    assert.deepEqual(all[1]!.action, keys)

    // Bounds.
    const keysBlock = all[1]!.position.seq
    assert.deepEqual((await anchor.changes(context, { fromBlock: keysBlock })).map((c) => c.action.type), ['keys', 'removeMember'])
    assert.deepEqual((await anchor.changes(context, { toBlock: keysBlock })).map((c) => c.action.type), ['addMember', 'keys'])
    assert.deepEqual((await anchor.changes(context, { fromBlock: keysBlock, toBlock: keysBlock })).map((c) => c.revision), [3])
    assert.deepEqual(await anchor.changes(context, { fromBlock: all[2]!.position.seq + 1 }), [])

    // Read one block per eth_getLogs: the same list.
    const narrow = evm.anchor({ logRange: 1 })
    assert.deepEqual(await narrow.changes(context), all)

    // The confirmed head is where the default toBlock stops.
    const head = await anchor.confirmedHead()
    assert.ok(head.seq >= all[2]!.position.seq)
    assert.equal(head.id, (await evm.devnet.request<{ hash: string }>('eth_getBlockByNumber', [`0x${head.seq.toString(16)}`, false])).hash)
    assert.deepEqual(await anchor.changes(context, { toBlock: head.seq }), all)

    const aborted = new AbortController()
    aborted.abort()
    await assert.rejects(anchor.changes(context, { signal: aborted.signal }), { name: 'AbortError' })
    await assert.rejects(anchor.changes(new Uint8Array(32).fill(1)), NotFoundError)
    await assert.rejects(anchor.changes(context, { fromBlock: -1 }), InvalidInputError)
  })

  it('with 2 confirmations, a change in the newest block is not listed until confirmed', async () => {
    const anchor = evm.anchor({ confirmations: 2 })
    const admin = generateKeyPair()
    const mineOne = async (): Promise<void> => {
      const start = Number(await evm.devnet.request<string>('eth_blockNumber', []))
      await until('a transaction to be mined', async () => Number(await evm.devnet.request<string>('eth_blockNumber', [])) > start)
      await evm.devnet.request('evm_mine', [])
    }
    const created = anchor.createContext({ application: new Uint8Array(32).fill(5), creator: admin })
    await mineOne()
    const { context } = await created
    const submitted = anchor.submit(context, admin, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' })
    const start = Number(await evm.devnet.request<string>('eth_blockNumber', []))
    await until('the addMember to be mined', async () => Number(await evm.devnet.request<string>('eth_blockNumber', [])) > start)
    assert.deepEqual(await anchor.changes(context), [], 'one block deep: not confirmed yet')
    await evm.devnet.request('evm_mine', [])
    await submitted
    assert.deepEqual((await anchor.changes(context)).map((c) => c.action.type), ['addMember'])
  })
})
