// Claims through a node: endpoints from config.json (`claims.<chain>`), POST
// /admin/claims/verify (authenticated, body checked, 400/409/422/502 with the reason), and
// `moor claim verify` using the home's configured endpoints when --rpc is absent.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { serveDevnet, type DevnetServer } from '../../adapters/ethereum/devnet/index.ts'
import { createApiServer, type ApiServer } from '../../src/api/index.ts'
import { Claims } from '../../src/claims/service.ts'
import { silentLogger } from '../../src/log/index.ts'
import { CHAIN_MODULES } from '../../src/node/chains.ts'
import { initHome, loadConfig, readToken } from '../../src/node/config.ts'
import { createNode } from '../../src/node/index.ts'
import type { MoorNode } from '../../src/node/types.ts'
import { moor } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'
import { lyingProxy, type LyingProxy } from './proxy.ts'

const ACCOUNT = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' // a funded devnet account
let devnet: DevnetServer
let other: DevnetServer
let proxy: LyingProxy
let home: { path: string, cleanup: () => void }
let node: MoorNode
let server: ApiServer
let url: string
let token: string

function setClaims (dir: string, claims: unknown): void {
  const file = join(dir, 'config.json')
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), claims }))
}

before(async () => {
  devnet = await serveDevnet()
  other = await serveDevnet({ initialDate: new Date('2020-01-01') })
  proxy = await lyingProxy(devnet.url)
  home = tempDir('moor-claims-')
  await initHome(home.path, { apiPort: 0, p2pPort: 0 })
  setClaims(home.path, { ethereum: { rpc: [devnet.url, proxy.url] } })
  const config = await loadConfig(home.path, { logger: silentLogger })
  token = await readToken(home.path)
  node = await createNode({ home: home.path, config, logger: silentLogger })
  server = createApiServer({ node, host: '127.0.0.1', port: 0, token, logger: silentLogger })
  url = (await server.listen()).url
})
after(async () => {
  await server.close()
  await node.stop()
  await proxy.close()
  await other.close()
  await devnet.close()
  home.cleanup()
})

async function verify (body: unknown, auth = true): Promise<{ status: number, json: any }> {
  const res = await fetch(`${url}/admin/claims/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body)
  })
  return { status: res.status, json: await res.json() }
}

test('config.json claims.<chain>: checked field by field', async () => {
  const dir = tempDir('moor-claims-config-')
  try {
    await initHome(dir.path, { apiPort: 0, p2pPort: 0 })
    const cases: Array<[unknown, RegExp]> = [
      [{ ethereum: { rpc: ['http://a'] } }, /"claims\.ethereum\.rpc" needs ≥ 2 independent endpoints/],
      [{ ethereum: { rpc: 'http://a' } }, /"claims\.ethereum\.rpc" must be a list of endpoint URLs/],
      [{ ethereum: { rpc: ['http://a', 'file:///etc'] } }, /"claims\.ethereum\.rpc" endpoint "file:\/\/\/etc" is not an http/],
      [{ ethereum: { rpc: ['http://a'], checkpoint: { number: -1, hash: '0x00' } } }, /"claims\.ethereum\.checkpoint" checkpoint "number" must be a block number/],
      [{ ethereum: { rpc: ['http://a', 'http://b'], extra: 1 } }, /unknown field "claims\.ethereum\.extra"/],
      [{ dogecoin: { rpc: ['http://a', 'http://b'] } }, /unknown field "claims\.dogecoin"/]
    ]
    for (const [claims, message] of cases) {
      setClaims(dir.path, claims)
      await assert.rejects(loadConfig(dir.path, { logger: silentLogger }), { name: 'InvalidInputError', message })
    }
    setClaims(dir.path, { ethereum: { rpc: ['http://a'], checkpoint: { number: 5, hash: '0xAB' } } })
    assert.deepEqual((await loadConfig(dir.path, { logger: silentLogger })).claims, { ethereum: { rpc: ['http://a'], checkpoint: { number: 5, hash: '0xab' } } })
  } finally { dir.cleanup() }
})

test('POST /admin/claims/verify proves a claim through the configured endpoints', async () => {
  const ok = await verify({ chain: 'ethereum', statement: { kind: 'balance', account: ACCOUNT } })
  assert.equal(ok.status, 200, JSON.stringify(ok.json))
  assert.equal(ok.json.restsOn, 'proof+quorum')
  assert.deepEqual(ok.json.agreedBy, [devnet.url, proxy.url])
  assert.ok(BigInt(ok.json.value) > 0n)
  const at = await verify({ chain: 'ethereum', statement: { kind: 'balance', account: ACCOUNT }, block: 0 })
  assert.equal(at.status, 200)
  assert.equal(at.json.block.number, 0)
})

test('POST /admin/claims/verify: a bad request is a 400 naming the field, and needs the token', async () => {
  assert.equal((await verify({ chain: 'ethereum', statement: { kind: 'balance', account: ACCOUNT } }, false)).status, 401)
  const cases: Array<[unknown, RegExp]> = [
    [[], /request body must be a JSON object/],
    [{ chain: 'ethereum', statement: { kind: 'balance', account: ACCOUNT }, rpc: 'http://evil' }, /unknown field body\.rpc/],
    [{ chain: 'solana', statement: { kind: 'balance', account: ACCOUNT } }, /"chain" must be one of ethereum/],
    [{ chain: 'ethereum', statement: '{"kind":"balance"}' }, /claim statement: must be a JSON object/],
    [{ chain: 'ethereum', statement: { kind: 'balance', account: '0x12' } }, /"account" must be an address/],
    [{ chain: 'ethereum', statement: { kind: 'nft-owner', token: ACCOUNT, tokenId: '-1', slotIndex: 2 } }, /"tokenId" must be a uint256/],
    [{ chain: 'ethereum', statement: { kind: 'balance', account: ACCOUNT }, block: 'yesterday' }, /"block" must be "latest" or a block number/]
  ]
  for (const [body, message] of cases) {
    const r = await verify(body)
    assert.equal(r.status, 400, JSON.stringify(r.json))
    assert.match(r.json.error.message, message)
  }
})

test('POST /admin/claims/verify: a lying endpoint is a 422 with the reason, disagreeing endpoints a 502, never a value', async () => {
  try {
    proxy.lie = { method: 'eth_getProof', alter: (p) => ({ ...p, balance: '0x1' }) }
    const lie = await verify({ chain: 'ethereum', statement: { kind: 'balance', account: ACCOUNT } })
    assert.equal(lie.status, 422)
    assert.equal(lie.json.error.name, 'ClaimRejectedError')
    assert.match(lie.json.error.message, /stated a value its proof does not support/)
    assert.equal(lie.json.value, undefined)
    proxy.lie = { method: 'eth_getBlockByNumber', alter: () => ({ number: '0x1', hash: 7 }) }
    const junk = await verify({ chain: 'ethereum', statement: { kind: 'balance', account: ACCOUNT } })
    assert.equal(junk.status, 422)
    assert.match(junk.json.error.message, /sent a malformed block header/)
    proxy.lie = undefined
    proxy.upstream = other.url
    const split = await verify({ chain: 'ethereum', statement: { kind: 'balance', account: ACCOUNT } })
    assert.equal(split.status, 502)
    assert.equal(split.json.error.name, 'EndpointDisagreementError')
  } finally {
    proxy.lie = undefined
    proxy.upstream = devnet.url
  }
})

test('a node without claims.<chain> answers NoClaimEndpointsError (409) with the hint', async () => {
  const claims = new Claims({ modules: CHAIN_MODULES, endpoints: {}, logger: silentLogger })
  await assert.rejects(claims.verify('ethereum', { kind: 'balance', account: ACCOUNT }), (err: Error & { status: number, hint: string }) => {
    assert.equal(err.name, 'NoClaimEndpointsError')
    assert.equal(err.status, 409)
    assert.match(err.hint, /claims\.ethereum\.rpc/)
    return true
  })
})

test('moor claim verify without --rpc uses the home\'s claims.<chain> endpoints', async () => {
  const r = await moor(['claim', 'verify', 'ethereum', JSON.stringify({ kind: 'balance', account: ACCOUNT }), '--home', home.path, '--json'])
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(JSON.parse(r.stdout).agreedBy, [devnet.url, proxy.url])
  const empty = tempDir('moor-claims-none-')
  try {
    await initHome(empty.path, { apiPort: 0, p2pPort: 0 })
    const none = await moor(['claim', 'verify', 'ethereum', JSON.stringify({ kind: 'balance', account: ACCOUNT }), '--home', empty.path])
    assert.notEqual(none.code, 0)
    assert.match(none.stderr, /no --rpc, and .*config\.json has no claims\.ethereum/)
  } finally { empty.cleanup() }
})
