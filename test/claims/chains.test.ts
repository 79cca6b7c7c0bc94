// Claims about NEAR and Starknet through a node and the CLI: config.json names two
// endpoints per chain (`claims.near`, `claims.starknet`), POST /admin/claims/verify answers
// what the value rests on (quorum for NEAR, a storage proof for Starknet), a lying endpoint
// gives an error and no value, and `moor claim verify` does the same from the command line.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startNearDevnet, type NearDevnet } from '../../adapters/near/devnet/index.ts'
import { serveDevnet, type ServedDevnet } from '../../adapters/starknet/devnet/index.ts'
import { createApiServer, type ApiServer } from '../../src/api/index.ts'
import { silentLogger } from '../../src/log/index.ts'
import { initHome, loadConfig, readToken } from '../../src/node/config.ts'
import { createNode } from '../../src/node/index.ts'
import type { MoorNode } from '../../src/node/types.ts'
import { moor } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'
import { lyingProxy, type LyingProxy } from './proxy.ts'

let near: NearDevnet
let stark: ServedDevnet
const proxies: Record<'near' | 'starknet', LyingProxy[]> = { near: [], starknet: [] }
let home: { path: string, cleanup: () => void }
let node: MoorNode
let server: ApiServer
let url: string
let token: string

before(async () => {
  near = await startNearDevnet({ port: 0 })
  stark = await serveDevnet()
  proxies.near = [await lyingProxy(near.url), await lyingProxy(near.url)]
  proxies.starknet = [await lyingProxy(stark.url), await lyingProxy(stark.url)]
  home = tempDir('moor-chain-claims-')
  await initHome(home.path, { apiPort: 0, p2pPort: 0 })
  const file = join(home.path, 'config.json')
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), claims: { near: { rpc: proxies.near.map((p) => p.url) }, starknet: { rpc: proxies.starknet.map((p) => p.url) } } }))
  token = await readToken(home.path)
  node = await createNode({ home: home.path, config: await loadConfig(home.path, { logger: silentLogger }), logger: silentLogger })
  server = createApiServer({ node, host: '127.0.0.1', port: 0, token, logger: silentLogger })
  url = (await server.listen()).url
})
after(async () => {
  await server.close()
  await node.stop()
  for (const p of [...proxies.near, ...proxies.starknet]) await p.close()
  await near.close()
  await stark.close()
  home.cleanup()
})

async function verify (body: unknown): Promise<{ status: number, json: any }> {
  const res = await fetch(`${url}/admin/claims/verify`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) })
  return { status: res.status, json: await res.json() }
}

test('POST /admin/claims/verify: a NEAR balance rests on agreement, a Starknet balance on a storage proof', async () => {
  const n = await verify({ chain: 'near', statement: { kind: 'balance', account: near.account } })
  assert.equal(n.status, 200, JSON.stringify(n.json))
  assert.equal(n.json.restsOn, 'quorum')
  assert.equal(n.json.value, String(1_000_000_000n * 10n ** 24n))
  const payer = stark.accounts[0]!.address
  const s = await verify({ chain: 'starknet', statement: { kind: 'balance', account: payer } })
  assert.equal(s.status, 200, JSON.stringify(s.json))
  assert.equal(s.json.restsOn, 'proof+quorum')
  assert.equal(BigInt(s.json.value), 10n ** 24n)
  // A kind the chain does not prove, named with the chain's own kinds.
  const wrong = await verify({ chain: 'near', statement: { kind: 'nft-owner', token: 'a.near', tokenId: '1', slotIndex: 0 } })
  assert.equal(wrong.status, 400)
  assert.match(wrong.json.error.message, /"kind" must be one of balance, code-hash, view, storage, outcome/)
})

test('POST /admin/claims/verify: a lying endpoint is a 502 (NEAR: disagreement) or a 422 (Starknet: a proof that does not hold), never a value', async () => {
  const [, nearLiar] = proxies.near
  const [, starkLiar] = proxies.starknet
  try {
    nearLiar!.lie = { method: 'query', alter: (r) => ({ ...r, amount: '1' }) }
    const n = await verify({ chain: 'near', statement: { kind: 'balance', account: near.account } })
    assert.equal(n.status, 502)
    assert.equal(n.json.error.name, 'EndpointDisagreementError')
    assert.equal(n.json.value, undefined)
    starkLiar!.lie = { method: 'starknet_getStorageProof', alter: (r) => ({ ...r, global_roots: { ...r.global_roots, contracts_tree_root: '0x2' } }) }
    const s = await verify({ chain: 'starknet', statement: { kind: 'nonce', contract: stark.accounts[0]!.address } })
    assert.equal(s.status, 422)
    assert.equal(s.json.error.name, 'ClaimRejectedError')
    assert.equal(s.json.value, undefined)
  } finally { nearLiar!.lie = undefined; starkLiar!.lie = undefined }
})

test('moor claim verify near|starknet --rpc a,b --json', async () => {
  const n = await moor(['claim', 'verify', 'near', JSON.stringify({ kind: 'code-hash', account: near.account }), '--rpc', proxies.near.map((p) => p.url).join(','), '--json'])
  assert.equal(n.code, 0, n.stderr)
  assert.equal(JSON.parse(n.stdout).restsOn, 'quorum')
  assert.equal(JSON.parse(n.stdout).value, '11111111111111111111111111111111')
  const human = await moor(['claim', 'verify', 'near', JSON.stringify({ kind: 'balance', account: near.account }), '--home', home.path])
  assert.equal(human.code, 0, human.stderr)
  assert.match(human.stdout, /rests on:\s+quorum \(the endpoints agreed; no proof was checked\)/)
  const s = await moor(['claim', 'verify', 'starknet', JSON.stringify({ kind: 'class-hash', contract: stark.accounts[0]!.address }), '--home', home.path])
  assert.equal(s.code, 0, s.stderr)
  assert.match(s.stdout, /rests on:\s+proof\+quorum/)
  const typo = await moor(['claim', 'verify', 'starknet', '{"kind":"storage","contract":"0x1"}', '--rpc', proxies.starknet.map((p) => p.url).join(',')])
  assert.notEqual(typo.code, 0)
  assert.match(typo.stderr, /claim statement: storage needs "key"/)
})

test('gated-invitation conditions: a native balance for NEAR and Starknet; a statement the chain does not prove is refused by name', async () => {
  const { parseCondition } = await import('../../src/claims/condition.ts')
  const { CHAIN_MODULES } = await import('../../src/node/chains.ts')
  assert.deepEqual(parseCondition({ chain: 'near', network: 'near:testnet', claim: { kind: 'balance', min: '5' } }, CHAIN_MODULES).claim, { kind: 'balance', min: '5' })
  assert.equal(parseCondition({ chain: 'starknet', network: 'starknet:SN_MAIN', claim: { kind: 'balance', min: '1' } }, CHAIN_MODULES).chain, 'starknet')
  assert.throws(() => parseCondition({ chain: 'near', network: 'near:testnet', claim: { kind: 'nft-owner', token: 'nft.near', tokenId: '1', slotIndex: 2 } }, CHAIN_MODULES), { name: 'InvalidClaimError', message: /near claims do not prove a nft-owner statement of this shape \(near proves balance, code-hash, view, storage, outcome\)/ })
  assert.throws(() => parseCondition({ chain: 'starknet', network: 'starknet:SN_MAIN', claim: { kind: 'token-balance', token: '0x1', slotIndex: 0, min: '1' } }, CHAIN_MODULES), { name: 'InvalidClaimError', message: /starknet claims do not prove a token-balance statement of this shape/ })
})
