// Starknet claims on the devnet: starknet_getStorageProof walked against the state root of a
// block two endpoints agree on (the devnet keeps real tries: Pedersen contracts and storage
// tries, a Poseidon classes trie), a pinned checkpoint, and agreement alone (`quorum`) where
// endpoints serve no proofs. A switchable lying endpoint in front of the same devnet is
// caught, whatever it alters.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { RpcProvider } from 'starknet'
import { starknet } from '../../adapters/starknet/index.ts'
import { verifyStarknetClaim } from '../../adapters/starknet/claims/verify.ts'
import { CONFIG_CLASS_HASH, PUBLIC_KEY_SLOT, STRK_ADDRESS } from '../../adapters/starknet/devnet/chain.ts'
import { serveDevnet } from '../../adapters/starknet/devnet/index.ts'
import { erc20BalanceKeys, pedersen, stateCommitment, verifyPath } from '../../adapters/starknet/trie.ts'
import { mapAddress, u256 } from '../../adapters/starknet/devnet/storage.ts'
import { bytesToBig } from '../../adapters/starknet/felts.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { lyingProxy, type LyingProxy } from '../claims/proxy.ts'
import { starknetFixture, type StarknetFixture } from './harness.ts'

let f: StarknetFixture
let a: LyingProxy
let b: LyingProxy
let endpoints: string[]
const hx = (v: bigint): string => '0x' + v.toString(16)
const NOT_SUPPORTED = { code: 42, message: 'the node doesn\'t support storage proofs for blocks that are too far in the past' }

before(async () => {
  f = await starknetFixture()
  a = await lyingProxy(f.devnet.url)
  b = await lyingProxy(f.devnet.url)
  endpoints = [a.url, b.url]
})
after(async () => { await a.close(); await b.close(); await f.close() })

const parse = (s: unknown): Parameters<typeof verifyStarknetClaim>[0] => starknet.claims!.parse(s) as unknown as Parameters<typeof verifyStarknetClaim>[0]
const honest = (): void => { a.lie = undefined; b.lie = undefined }

test('starknet.js reads the devnet\'s storage proof; its roots commit to the block\'s new_root', async () => {
  const provider = new RpcProvider({ nodeUrl: f.devnet.url })
  const payer = f.payers[0]!.address
  const block = await provider.getBlockWithTxHashes('latest') as unknown as { block_hash: string, new_root: string }
  const proof = await provider.getStorageProof([], [payer], [{ contract_address: payer, storage_keys: [hx(PUBLIC_KEY_SLOT)] }], block.block_hash)
  assert.equal(BigInt(proof.global_roots.block_hash), BigInt(block.block_hash))
  assert.equal(stateCommitment(BigInt(proof.global_roots.contracts_tree_root), BigInt(proof.global_roots.classes_tree_root)), BigInt(block.new_root))
  const nodes = new Map(proof.contracts_storage_proofs[0]!.map((n) => {
    const x = n.node as { left?: string, right?: string, path?: string, length?: number, child?: string }
    return [BigInt(n.node_hash), x.left !== undefined ? { left: BigInt(x.left), right: BigInt(x.right!) } : { path: BigInt(x.path!), length: x.length!, child: BigInt(x.child!) }]
  }))
  const account = [...f.devnet.chain.accounts.values()][0]!
  assert.equal(verifyPath(pedersen, BigInt(proof.contracts_proof.contract_leaves_data[0]!.storage_root), PUBLIC_KEY_SLOT, nodes), account.publicKey)
  // starknet.js 10 gives a storage read as { value, last_update_block }.
  const read = await provider.getStorageAt(payer, hx(PUBLIC_KEY_SLOT), block.block_hash) as unknown as { value: string }
  assert.equal(BigInt(read.value), account.publicKey)
})

test('balances, a token balance, a nonce, a class hash and a storage key are proven against the agreed root', async () => {
  honest()
  const payer = f.payers[0]!.address
  const account = f.devnet.chain.accounts.get(BigInt(payer))!
  const balance = await verifyStarknetClaim(parse({ kind: 'balance', account: payer }), { endpoints })
  assert.equal(balance.restsOn, 'proof+quorum')
  assert.equal(BigInt(balance.value), account.balance)
  assert.match(balance.assumes!, /ERC20_balances/)
  assert.ok(account.balance < 10n ** 24n, 'fees were paid: the proven balance is the spent one')
  const token = await verifyStarknetClaim(parse({ kind: 'token-balance', token: hx(STRK_ADDRESS), holder: payer }), { endpoints })
  assert.equal(token.value, balance.value)
  assert.equal(BigInt((await verifyStarknetClaim(parse({ kind: 'nonce', contract: payer }), { endpoints })).value), account.nonce)
  assert.equal(BigInt((await verifyStarknetClaim(parse({ kind: 'class-hash', contract: f.contract }), { endpoints })).value), CONFIG_CLASS_HASH)
  const key = await verifyStarknetClaim(parse({ kind: 'storage', contract: payer, key: hx(PUBLIC_KEY_SLOT) }), { endpoints })
  assert.equal(BigInt(key.value), account.publicKey)
  // Absent: a key never written, a contract never deployed.
  assert.equal((await verifyStarknetClaim(parse({ kind: 'storage', contract: payer, key: '0x1234' }), { endpoints })).value, '0x0')
  assert.equal((await verifyStarknetClaim(parse({ kind: 'nonce', contract: '0x777' }), { endpoints })).value, '0x0')
  assert.equal((await verifyStarknetClaim(parse({ kind: 'balance', account: '0x777' }), { endpoints })).value, '0x0')
})

test('a context on the config contract is proven slot by slot: its revision and a member\'s role, in lib.cairo\'s layout', async () => {
  honest()
  const anchor = f.anchor()
  const admin = generateKeyPair(); const bob = generateKeyPair()
  const { context } = await anchor.createContext({ application: new Uint8Array(32).fill(3), creator: admin })
  await anchor.submit(context, admin, { type: 'addMember', identity: bob.publicKey, role: 'reader' })
  const c = u256(bytesToBig(context))
  const slot = async (name: string, key: bigint[]): Promise<bigint> => {
    const v = await verifyStarknetClaim(parse({ kind: 'storage', contract: f.contract, key: hx(mapAddress(name, key)) }), { endpoints })
    assert.equal(v.restsOn, 'proof+quorum')
    return BigInt(v.value)
  }
  assert.equal(await slot('revision', c), 2n)
  // members[(context, bob)] = Member { role, caps, index }: role 3 (reader) in the struct's first slot.
  assert.equal(await slot('members', [...c, ...u256(bytesToBig(bob.publicKey))]), 3n)
  assert.equal(await slot('members', [...c, ...u256(bytesToBig(generateKeyPair().publicKey))]), 0n)
})

test('a pinned checkpoint: one endpoint, the block must hash to it', async () => {
  honest()
  const latest = f.devnet.chain.latest
  const r = await verifyStarknetClaim(parse({ kind: 'balance', account: f.payers[1]!.address }), { endpoints: [a.url], checkpoint: { number: latest.number, hash: hx(latest.hash) } })
  assert.equal(r.restsOn, 'proof+checkpoint')
  await assert.rejects(verifyStarknetClaim(parse({ kind: 'balance', account: f.payers[1]!.address }), { endpoints: [a.url], checkpoint: { number: latest.number, hash: '0x1234' } }), { name: 'ClaimRejectedError', message: /another hash than the pinned checkpoint/ })
})

test('a lying endpoint is caught: altered proof node, roots, leaf data, block, or a stated value without a proof', async () => {
  const payer = f.payers[0]!.address
  const balance = parse({ kind: 'balance', account: payer })
  const cases: Array<[LyingProxy['lie'], { name: string, message: RegExp }]> = [
    [{ method: 'starknet_getStorageProof', alter: (r) => { const n = r.contracts_storage_proofs[0].at(-1); n.node.child = hx(BigInt(n.node.child ?? n.node.left) + 1n); if ('left' in n.node) n.node.left = n.node.child; return r } }, { name: 'ClaimRejectedError', message: /storage proof that does not verify/ }],
    [{ method: 'starknet_getStorageProof', alter: (r) => ({ ...r, global_roots: { ...r.global_roots, classes_tree_root: '0x1' } }) }, { name: 'ClaimRejectedError', message: /do not commit to the block's state root/ }],
    [{ method: 'starknet_getStorageProof', alter: (r) => { r.contracts_proof.contract_leaves_data[0].nonce = '0x99'; return r } }, { name: 'ClaimRejectedError', message: /does not hash to the proven leaf/ }],
    [{ method: 'starknet_getStorageProof', alter: (r) => { r.contracts_proof.nodes = []; return r } }, { name: 'ClaimRejectedError', message: /contract proof that does not verify/ }],
    [{ method: 'starknet_getStorageProof', alter: (r) => ({ ...r, contracts_proof: 'nope' }) }, { name: 'ClaimRejectedError', message: /malformed storage proof/ }],
    [{ method: 'starknet_getBlockWithTxHashes', alter: (h) => ({ ...h, new_root: '0x5' }) }, { name: 'EndpointDisagreementError', message: /disagree on the block/ }],
    [{ method: 'starknet_getBlockWithTxHashes', alter: (h) => ({ ...h, block_hash: 42 }) }, { name: 'ClaimRejectedError', message: /malformed block header field block_hash/ }]
  ]
  try {
    for (const [lie, expected] of cases) {
      b.lie = lie
      await assert.rejects(verifyStarknetClaim(balance, { endpoints }), (err: Error) => {
        assert.equal(err.name, expected.name, `${err.name}: ${err.message}`)
        assert.match(err.message, expected.message)
        if (err.name === 'ClaimRejectedError') assert.ok(err.message.includes(b.url) || (err as Error & { details?: string }).details?.includes(b.url) === true, 'names the endpoint')
        return true
      })
    }
    // No proofs from b, and it states another balance: the proof from a shows it wrong.
    b.lie = { method: 'starknet_getStorageProof', alter: (r) => r, error: NOT_SUPPORTED }
    assert.equal((await verifyStarknetClaim(balance, { endpoints })).restsOn, 'proof+quorum')
    const liar = await lyingProxy(f.devnet.url, { method: 'starknet_getStorageProof', alter: (r) => r, error: NOT_SUPPORTED })
    try {
      const lying = { ...liar.lie!, method: 'starknet_getStorageAt' as const, error: undefined, alter: () => '0x1' }
      const l2 = await lyingProxy(liar.url, lying)
      try {
        await assert.rejects(verifyStarknetClaim(balance, { endpoints: [a.url, l2.url] }), { name: 'ClaimRejectedError', message: new RegExp(`${l2.url} stated a value the proofs do not support`) })
      } finally { await l2.close() }
    } finally { await liar.close() }
  } finally { honest() }
})

test('endpoints without proofs: agreement alone, labelled quorum; one that disagrees fails the claim', async () => {
  a.lie = { method: 'starknet_getStorageProof', alter: (r) => r, error: NOT_SUPPORTED }
  b.lie = { method: 'starknet_getStorageProof', alter: (r) => r, error: { code: -32601, message: 'Method not found' } }
  try {
    const payer = f.payers[0]!.address
    const r = await verifyStarknetClaim(parse({ kind: 'balance', account: payer }), { endpoints })
    assert.equal(r.restsOn, 'quorum')
    assert.equal(BigInt(r.value), f.devnet.chain.accounts.get(BigInt(payer))!.balance)
    assert.equal(BigInt((await verifyStarknetClaim(parse({ kind: 'nonce', contract: payer }), { endpoints })).value), f.devnet.chain.accounts.get(BigInt(payer))!.nonce)
    const latest = f.devnet.chain.latest
    await assert.rejects(verifyStarknetClaim(parse({ kind: 'nonce', contract: payer }), { endpoints: [a.url], checkpoint: { number: latest.number, hash: hx(latest.hash) } }), { name: 'ClaimRejectedError', message: /no endpoint serves storage proofs/ })
    const c = await lyingProxy(f.devnet.url, { method: 'starknet_getStorageAt', alter: () => '0x1' })
    try {
      c.lie = { method: 'starknet_getStorageProof', alter: (x) => x, error: NOT_SUPPORTED }
      const d = await lyingProxy(c.url, { method: 'starknet_getStorageAt', alter: () => '0x1' })
      try {
        await assert.rejects(verifyStarknetClaim(parse({ kind: 'balance', account: payer }), { endpoints: [a.url, d.url] }), { name: 'EndpointDisagreementError', message: /disagree on the balance/ })
      } finally { await d.close() }
    } finally { await c.close() }
  } finally { honest() }
})

test('another chain, one endpoint, the same endpoint twice, another network: no value', async () => {
  const other = await serveDevnet()
  try {
    await assert.rejects(verifyStarknetClaim(parse({ kind: 'nonce', contract: f.payers[0]!.address }), { endpoints: [a.url, other.url] }), { name: 'EndpointDisagreementError' })
  } finally { await other.close() }
  await assert.rejects(verifyStarknetClaim(parse({ kind: 'nonce', contract: '0x1' }), { endpoints: [a.url] }), { name: 'ClaimRejectedError', message: /at least 2 endpoints/ })
  await assert.rejects(verifyStarknetClaim(parse({ kind: 'nonce', contract: '0x1' }), { endpoints: [a.url, a.url] }), { name: 'InvalidClaimError', message: /named twice/ })
  await assert.rejects(verifyStarknetClaim(parse({ kind: 'nonce', contract: '0x1' }), { endpoints, network: 'SN_MAIN' }), { name: 'ClaimRejectedError', message: /serves chain SN_MOORAGE_DEVNET/ })
  assert.equal((await verifyStarknetClaim(parse({ kind: 'nonce', contract: '0x1' }), { endpoints, network: 'SN_MOORAGE_DEVNET' })).value, '0x0')
})

test('statements are checked field by field', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ kind: 'slot', contract: '0x1' }, /"kind" must be one of storage, nonce, class-hash, token-balance, balance/],
    [{ kind: 'storage', contract: '0x1', key: '0x' + '8'.repeat(63) }, /"key" must be a storage key/],
    [{ kind: 'storage', contract: 'abc', key: '0x1' }, /"contract" must be a Starknet address/],
    [{ kind: 'token-balance', token: '0x1', holder: '0x2', slotIndex: 0 }, /unknown field "slotIndex"/]
  ]
  for (const [s, message] of bad) assert.throws(() => starknet.claims!.parse(s), (err: Error) => err.name === 'InvalidClaimError' && message.test(err.message), JSON.stringify(s))
  const [low, high] = erc20BalanceKeys(1n)
  assert.equal(high, low + 1n)
})
