// The wallet routes over HTTP: bodies validated (400), refusals 403 with their stable
// code in the error body, never a 5xx; a link made through the API is listed and revoked.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Wallet } from 'ethers'
import { startApi, type TestApi } from '../helpers/api-server.ts'
import { appWasm } from '../helpers/node.ts'

let api: TestApi
let ctx: string
before(async () => {
  api = await startApi()
  const app = await api.node.installApplication({ wasm: appWasm('kv-store') })
  ctx = (await api.node.createContext({ applicationId: app.id })).id
})
after(async () => { await api?.close() })

test('statement, link, list and revoke through the API', async () => {
  const w = Wallet.createRandom()
  const st = await api.call('POST', `/admin/contexts/${ctx}/wallets/statement`, { body: { account: `eip155:1:${w.address}` } })
  assert.equal(st.status, 201, st.text)
  assert.deepEqual([st.json.request.method, st.json.request.params], ['personal_sign', ['0x' + Buffer.from(st.json.message).toString('hex'), w.address]])
  const linked = await api.call('POST', `/admin/contexts/${ctx}/wallets`, { body: { nonce: st.json.nonce, signature: await w.signMessage(st.json.message) } })
  assert.equal(linked.status, 201, linked.text)
  const listed = await api.call('GET', `/admin/contexts/${ctx}/wallets?recheck=true`)
  assert.equal(listed.status, 200)
  assert.deepEqual(listed.json.links.map((l: { account: string, verifies: boolean }) => [l.account, l.verifies]), [[st.json.account, true]])
  const gone = await api.call('DELETE', `/admin/contexts/${ctx}/wallets/${encodeURIComponent(st.json.account)}`)
  assert.equal(gone.status, 200, gone.text)
  assert.equal((await api.call('GET', `/admin/contexts/${ctx}/wallets`)).json.links.length, 0)
})

test('refusals answer 4xx with their code; malformed bodies 400', async () => {
  const w = Wallet.createRandom()
  const refused = async (method: string, path: string, body: unknown, status: number, code?: string) => {
    const r = await api.call(method, path, { body })
    assert.equal(r.status, status, r.text)
    if (code !== undefined) assert.equal(r.json.error.code, code, r.text)
  }
  await refused('POST', `/admin/contexts/${ctx}/wallets/statement`, { account: 'not-an-account' }, 403, 'BadAccount')
  await refused('POST', `/admin/contexts/${ctx}/wallets/statement`, { account: 'cosmos:hub-4:cosmos1abc' }, 403, 'NoVerifier')
  await refused('POST', `/admin/contexts/${ctx}/wallets/statement`, { account: `eip155:1:${w.address}`, extra: 1 }, 400)
  await refused('POST', `/admin/contexts/${ctx}/wallets`, { nonce: 'aaaaaaaaaaaaaaaa', signature: '0x00' }, 403, 'UnknownNonce')
  await refused('POST', `/admin/contexts/${ctx}/wallets`, { nonce: 1 }, 400)
  const st = await api.call('POST', `/admin/contexts/${ctx}/wallets/statement`, { body: { account: `eip155:1:${w.address}` } })
  await refused('POST', `/admin/contexts/${ctx}/wallets`, { nonce: st.json.nonce, signature: await Wallet.createRandom().signMessage(st.json.message) }, 403, 'BadWalletSignature')
  await refused('DELETE', `/admin/contexts/${ctx}/wallets/${encodeURIComponent(`eip155:1:${w.address}`)}`, undefined, 403, 'NoSuchLink')
  await refused('POST', `/admin/contexts/${ctx}/invitations`, { wallet: 'nope' }, 403, 'BadAccount')
  await refused('POST', `/admin/contexts/${ctx}/invitations`, { wallet: `eip155:1:${w.address}`, open: true }, 400)
  assert.equal((await api.call('GET', `/admin/contexts/${ctx}/wallets`)).json.links.length, 0)
})
