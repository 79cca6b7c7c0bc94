// NEAR claims on the devnet with the real contract WASM: a balance, a code hash, a view
// result and a storage value read at a final block through two endpoints that must agree
// on the block and the value (`quorum`, not a proof); a switchable lying endpoint in front
// of the same devnet makes every claim fail, never a value.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { near } from '../../adapters/near/index.ts'
import { verifyNearClaim } from '../../adapters/near/claims/verify.ts'
import { startNearDevnet, type NearDevnet } from '../../adapters/near/devnet/index.ts'
import type { Account } from '../../adapters/near/devnet/store.ts'
import { lyingProxy, type LyingProxy } from '../claims/proxy.ts'
import { nearFixture, type NearFixture } from './harness.ts'

let f: NearFixture
let honest: LyingProxy
let liar: LyingProxy
let endpoints: string[]

before(async () => {
  f = await nearFixture(2)
  honest = await lyingProxy(f.devnet.url)
  liar = await lyingProxy(f.devnet.url)
  endpoints = [honest.url, liar.url]
})
after(async () => { await honest.close(); await liar.close(); await f.close() })

const parse = (s: unknown): Parameters<typeof verifyNearClaim>[0] => near.claims!.parse(s) as unknown as Parameters<typeof verifyNearClaim>[0]

test('a balance, a code hash, a view result and a storage value agreed at a final block', async () => {
  liar.lie = undefined
  const relayer = f.relayers[0]!.account
  const balance = await verifyNearClaim(parse({ kind: 'balance', account: relayer }), { endpoints })
  assert.equal(balance.restsOn, 'quorum')
  assert.deepEqual(balance.agreedBy, endpoints)
  const final = f.devnet.chain.blockByHash(balance.block.hash)!
  assert.ok(final.height <= f.devnet.chain.final.height, 'read at a final block')
  const account = f.devnet.chain.state(final.height).get<Account>(`a:${relayer}`)!
  assert.equal(balance.value, String(account.amount))
  assert.equal((await verifyNearClaim(parse({ kind: 'balance', account: 'nobody.test.near' }), { endpoints })).value, '0')

  const code = await verifyNearClaim(parse({ kind: 'code-hash', account: f.contract }), { endpoints })
  assert.notEqual(code.value, '11111111111111111111111111111111')

  const view = await verifyNearClaim(parse({ kind: 'view', contract: f.contract, method: 'config', args: '{}' }), { endpoints })
  assert.equal((JSON.parse(view.value) as { chain_id: string }).chain_id, f.devnet.chainId)

  // A key the contract stored, read through view_state.
  const all = await (await fetch(f.devnet.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'query', params: { request_type: 'view_state', account_id: f.contract, prefix_base64: '', finality: 'final' } }) })).json() as { result: { values: Array<{ key: string, value: string }> } }
  const entry = all.result.values[0]!
  const storage = await verifyNearClaim(parse({ kind: 'storage', contract: f.contract, key: entry.key }), { endpoints })
  assert.equal(storage.value, entry.value)
  assert.equal((await verifyNearClaim(parse({ kind: 'storage', contract: f.contract, key: Buffer.from('no such key').toString('base64') }), { endpoints })).value, '')
})

test('a lying endpoint (value, view result, block hash, other block) fails the claim with both answers named', async () => {
  const relayer = f.relayers[0]!.account
  try {
    liar.lie = { method: 'query', alter: (r) => ({ ...r, amount: String(BigInt(r.amount) + 1n) }) }
    await assert.rejects(verifyNearClaim(parse({ kind: 'balance', account: relayer }), { endpoints }), (err: Error) => {
      assert.equal(err.name, 'EndpointDisagreementError')
      assert.match(err.message, /disagree on the balance/)
      assert.ok((err as Error & { details: string }).details.includes(liar.url))
      return true
    })
    liar.lie = { method: 'query', alter: (r) => ({ ...r, result: [...Buffer.from('{"chain_id":"mainnet"}')] }) }
    await assert.rejects(verifyNearClaim(parse({ kind: 'view', contract: f.contract, method: 'config', args: '{}' }), { endpoints }), { name: 'EndpointDisagreementError' })
    liar.lie = { method: 'block', alter: (b) => ({ ...b, header: { ...b.header, hash: '8'.repeat(44) } }) }
    await assert.rejects(verifyNearClaim(parse({ kind: 'balance', account: relayer }), { endpoints }), { name: 'EndpointDisagreementError', message: /disagree on the block/ })
    liar.lie = { method: 'query', alter: (r) => ({ ...r, block_height: r.block_height - 1 }) }
    await assert.rejects(verifyNearClaim(parse({ kind: 'balance', account: relayer }), { endpoints }), { name: 'ClaimRejectedError', message: new RegExp(`${liar.url} answered for another block`) })
    liar.lie = { method: 'query', alter: () => 'junk' }
    await assert.rejects(verifyNearClaim(parse({ kind: 'balance', account: relayer }), { endpoints }), { name: 'ClaimRejectedError', message: /malformed query answer/ })
    // Honest again: the same claim holds.
    liar.lie = undefined
    assert.equal((await verifyNearClaim(parse({ kind: 'balance', account: relayer }), { endpoints })).restsOn, 'quorum')
  } finally { liar.lie = undefined }
})

test('another chain, one endpoint or the same endpoint twice: no value; a checkpoint leaves a state claim on agreement', async () => {
  const other: NearDevnet = await startNearDevnet({ port: 0 })
  try {
    await assert.rejects(verifyNearClaim(parse({ kind: 'balance', account: 'test.near' }), { endpoints: [honest.url, other.url] }), { name: 'EndpointDisagreementError' })
  } finally { await other.close() }
  await assert.rejects(verifyNearClaim(parse({ kind: 'balance', account: 'test.near' }), { endpoints: [honest.url] }), { name: 'ClaimRejectedError', message: /at least 2 endpoints/ })
  await assert.rejects(verifyNearClaim(parse({ kind: 'balance', account: 'test.near' }), { endpoints: [honest.url, honest.url] }), { name: 'InvalidClaimError', message: /named twice/ })
  // A checkpoint (the light client's, for outcome claims) leaves a state claim on agreement.
  await assert.rejects(verifyNearClaim(parse({ kind: 'balance', account: 'test.near' }), { endpoints: [honest.url], checkpoint: { number: 3, hash: '1'.repeat(32) } }), { name: 'ClaimRejectedError', message: /at least 2 endpoints/ })
  assert.equal((await verifyNearClaim(parse({ kind: 'balance', account: 'test.near' }), { endpoints, checkpoint: { number: 3, hash: '1'.repeat(32) } })).restsOn, 'quorum')
  await assert.rejects(verifyNearClaim(parse({ kind: 'balance', account: 'test.near' }), { endpoints, network: 'mainnet' }), { name: 'ClaimRejectedError', message: /serves chain moorage-devnet/ })
})

test('statements are checked field by field before any endpoint is asked', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ kind: 'storage-slot', contract: 'a.near' }, /"kind" must be one of balance, code-hash, view, storage, outcome/],
    [{ kind: 'balance', account: 'A.near' }, /"account" must be a NEAR account id/],
    [{ kind: 'view', contract: 'a.near', method: 'get value', args: '{}' }, /"method" must be a function name/],
    [{ kind: 'view', contract: 'a.near', method: 'get', args: '{nope' }, /"args" must be JSON text/],
    [{ kind: 'view', contract: 'a.near', method: 'get' }, /view needs "args"/],
    [{ kind: 'storage', contract: 'a.near', key: '***' }, /"key" must be a storage key in base64/],
    [{ kind: 'balance', account: 'a.near', slot: 1 }, /unknown field "slot"/],
    [{ kind: 'outcome', type: 'tx', id: '1'.repeat(32), account: 'a.near' }, /"type" must be "transaction" or "receipt"/],
    [{ kind: 'outcome', type: 'receipt', id: '0x12', account: 'a.near' }, /"id" must be the receipt hash in base58/],
    [{ kind: 'outcome', type: 'transaction', id: '1'.repeat(32), account: 'A' }, /"account" must be a NEAR account id/]
  ]
  for (const [s, message] of bad) assert.throws(() => near.claims!.parse(s), (err: Error) => err.name === 'InvalidClaimError' && message.test(err.message), JSON.stringify(s))
  assert.deepEqual(near.claims!.parse({ kind: 'view', contract: 'a.near', method: 'get', args: '{ "a" : 1 }' }), { kind: 'view', contract: 'a.near', method: 'get', args: '{"a":1}' })
})
