import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { serveDevnet, type DevnetServer } from '../../adapters/ethereum/devnet/index.ts'
import { verifyClaim, mappingSlot } from '../../adapters/ethereum/claims/verify.ts'
import { lyingProxy as startProxy, type LyingProxy } from './proxy.ts'

let devnet: DevnetServer
const proxies: LyingProxy[] = []

/** A proxy in front of the devnet that rewrites answers to `method`. */
async function lyingProxy (method: string, alter: (result: any) => any): Promise<string> {
  const p = await startProxy(devnet.url, { method, alter })
  proxies.push(p)
  return p.url
}

const ACCOUNT = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' // a funded devnet account

before(async () => { devnet = await serveDevnet() })
after(async () => { for (const p of proxies) await p.close(); await devnet.close() })

test('a balance proven against a header agreed by two endpoints', async () => {
  const r = await verifyClaim({ kind: 'balance', account: ACCOUNT }, { endpoints: [devnet.url, devnet.url] })
  assert.equal(r.restsOn, 'proof+quorum')
  assert.ok(BigInt(r.value) > 0n)
  const absent = await verifyClaim({ kind: 'balance', account: '0x' + '12'.repeat(20) }, { endpoints: [devnet.url, devnet.url] })
  assert.equal(absent.value, '0x0')
})

test('a storage slot is proven (an empty slot of an EOA is 0)', async () => {
  const r = await verifyClaim({ kind: 'storage', account: ACCOUNT, slot: '0x0' }, { endpoints: [devnet.url, devnet.url] })
  assert.equal(r.value, '0x0')
})

test('a lying endpoint that alters the balance is rejected', async () => {
  const liar = await lyingProxy('eth_getProof', (r) => ({ ...r, balance: '0x1' }))
  await assert.rejects(verifyClaim({ kind: 'balance', account: ACCOUNT }, { endpoints: [liar, devnet.url] }), { name: 'ClaimRejectedError', message: /proof does not support/ })
})

test('a lying endpoint that alters a proof node is rejected', async () => {
  const liar = await lyingProxy('eth_getProof', (r) => {
    const last = r.accountProof.length - 1
    const node: string = r.accountProof[last]
    r.accountProof[last] = node.slice(0, -4) + (node.endsWith('00') ? '0101' : '0000')
    return r
  })
  await assert.rejects(verifyClaim({ kind: 'balance', account: ACCOUNT }, { endpoints: [liar, devnet.url] }), { name: 'ClaimRejectedError', message: /does not verify/ })
})

test('a lying endpoint that alters a block hash or header is rejected, and disagreeing endpoints give an error', async () => {
  const badHash = await lyingProxy('eth_getBlockByNumber', (b) => ({ ...b, hash: '0x' + 'ab'.repeat(32) }))
  await assert.rejects(verifyClaim({ kind: 'balance', account: ACCOUNT }, { endpoints: [devnet.url, badHash] }), { name: 'ClaimRejectedError', message: /hash does not match/ })
  const other = await serveDevnet({ initialDate: new Date('2020-01-01') })
  try {
    await assert.rejects(verifyClaim({ kind: 'balance', account: ACCOUNT }, { endpoints: [devnet.url, other.url] }), { name: 'EndpointDisagreementError' })
  } finally { await other.close() }
})

test('an endpoint that answers junk (header fields, proof shapes) is rejected with the reason, never a TypeError', async () => {
  const junk: Array<[string, (r: any) => any, RegExp]> = [
    ['eth_getBlockByNumber', (b) => ({ ...b, stateRoot: 42 }), /malformed block header field stateRoot/],
    ['eth_getBlockByNumber', (b) => ({ ...b, number: 'soon' }), /malformed block header field number/],
    ['eth_getBlockByNumber', () => 'a block', /malformed block header/],
    ['eth_getBlockByNumber', () => null, /has no such block/],
    ['eth_getProof', (p) => ({ ...p, accountProof: 'nope' }), /malformed account proof/],
    ['eth_getProof', (p) => ({ ...p, accountProof: [...p.accountProof.slice(0, -1), '0xzz'] }), /malformed account proof node/],
    ['eth_getProof', (p) => ({ ...p, balance: { big: true } }), /malformed balance/],
    ['eth_getProof', (p) => ({ ...p, storageProof: [] }), /malformed storage proof list/],
    ['eth_getProof', () => [], /malformed eth_getProof answer/]
  ]
  for (const [method, alter, reason] of junk) {
    const liar = await lyingProxy(method, alter)
    const statement = method === 'eth_getProof' && reason.source.includes('storage') ? { kind: 'storage' as const, account: ACCOUNT, slot: '0x0' } : { kind: 'balance' as const, account: ACCOUNT }
    await assert.rejects(verifyClaim(statement, { endpoints: [devnet.url, liar] }), (err: Error) => {
      assert.equal(err.name, 'ClaimRejectedError', err.stack)
      assert.match(err.message, reason)
      assert.ok(err.message.includes(liar), 'the message names the endpoint')
      return true
    })
  }
})

test('every endpoint of the quorum proves the value: a liar second in the list is caught too', async () => {
  const liar = await lyingProxy('eth_getProof', (r) => ({ ...r, balance: '0x1' }))
  await assert.rejects(verifyClaim({ kind: 'balance', account: ACCOUNT }, { endpoints: [devnet.url, liar] }), { name: 'ClaimRejectedError', message: new RegExp(`${liar} stated a value its proof does not support`) })
})

test('a pinned checkpoint: the header must hash to it', async () => {
  const head = await (await fetch(devnet.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['latest', false] }) })).json() as { result: { number: string, hash: string } }
  const cp = { number: Number(head.result.number), hash: head.result.hash }
  const r = await verifyClaim({ kind: 'balance', account: ACCOUNT }, { endpoints: [devnet.url], checkpoint: cp })
  assert.equal(r.restsOn, 'proof+checkpoint')
  await assert.rejects(verifyClaim({ kind: 'balance', account: ACCOUNT }, { endpoints: [devnet.url], checkpoint: { ...cp, hash: '0x' + '00'.repeat(32) } }), { name: 'ClaimRejectedError' })
})

test('a token balance read from its mapping slot, and a lie about a storage value', async () => {
  const token = '0x' + '77'.repeat(20)
  const holder = '0x' + '42'.repeat(20)
  const rpc = async (method: string, params: unknown[]): Promise<void> => { await fetch(devnet.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) }) }
  await rpc('hardhat_setCode', [token, '0x00'])
  await rpc('hardhat_setStorageAt', [token, mappingSlot(holder, 0), '0x' + (5n).toString(16).padStart(64, '0')])
  await rpc('evm_mine', [])
  const r = await verifyClaim({ kind: 'token-balance', token, holder, slotIndex: 0 }, { endpoints: [devnet.url, devnet.url] })
  assert.equal(r.value, '0x5')
  assert.equal(r.assumes, 'balances at slot 0')
  const liar = await lyingProxy('eth_getProof', (p) => ({ ...p, storageProof: p.storageProof.map((s: any) => ({ ...s, value: '0x9' })) }))
  await assert.rejects(verifyClaim({ kind: 'token-balance', token, holder, slotIndex: 0 }, { endpoints: [liar, devnet.url] }), { name: 'ClaimRejectedError', message: /proof does not support/ })
})

test('a contract code hash and an NFT owner are proven', async () => {
  const token = '0x' + '78'.repeat(20)
  const owner = '0x' + '43'.repeat(20)
  const rpc = async (method: string, params: unknown[]): Promise<void> => { await fetch(devnet.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) }) }
  await rpc('hardhat_setCode', [token, '0x00'])
  await rpc('hardhat_setStorageAt', [token, mappingSlot('0x' + (7n).toString(16).padStart(64, '0'), 2), '0x' + owner.slice(2).padStart(64, '0')])
  await rpc('evm_mine', [])
  const code = await verifyClaim({ kind: 'code-hash', account: token }, { endpoints: [devnet.url, devnet.url] })
  assert.equal(code.value, '0xbc36789e7a1e281436464229828f817d6612f7b477d66591ff96a9e064bcc98a') // keccak(0x00)
  const nft = await verifyClaim({ kind: 'nft-owner', token, tokenId: '7', slotIndex: 2 }, { endpoints: [devnet.url, devnet.url] })
  assert.equal(nft.value, owner)
  assert.equal(nft.assumes, 'owners at slot 2')
  const liar = await lyingProxy('eth_getProof', (p) => ({ ...p, codeHash: '0x' + '00'.repeat(32) }))
  await assert.rejects(verifyClaim({ kind: 'code-hash', account: token }, { endpoints: [liar, devnet.url] }), { name: 'ClaimRejectedError' })
})

test('moor claim verify --json proves a balance; a lying endpoint gives an error and no value', async () => {
  const { moor } = await import('../helpers/cli.ts')
  const ok = await moor(['claim', 'verify', 'ethereum', JSON.stringify({ kind: 'balance', account: ACCOUNT }), '--rpc', `${devnet.url},${devnet.url}`, '--json'])
  assert.equal(ok.code, 0, ok.stderr)
  const r = JSON.parse(ok.stdout)
  assert.equal(r.restsOn, 'proof+quorum')
  assert.ok(BigInt(r.value) > 0n)
  const liar = await lyingProxy('eth_getProof', (p) => ({ ...p, balance: '0x1' }))
  const bad = await moor(['claim', 'verify', 'ethereum', JSON.stringify({ kind: 'balance', account: ACCOUNT }), '--rpc', `${liar},${devnet.url}`, '--json'])
  assert.notEqual(bad.code, 0)
  assert.match(bad.stdout + bad.stderr, /ClaimRejectedError|proof does not support/)
  const typo = await moor(['claim', 'verify', 'ethereum', '{"kind":"balance","acount":"0x1"}', '--rpc', `${devnet.url},${devnet.url}`])
  assert.notEqual(typo.code, 0)
  assert.match(typo.stderr, /claim statement: balance takes account; unknown field "acount"/)
  assert.doesNotMatch(typo.stderr, /TypeError|SyntaxError|at .*\.ts:/)
})
