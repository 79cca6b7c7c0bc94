// Invite by wallet across two `moor node` processes, driven by the CLI as a user would
// (an ethers Wallet stands in for the user's wallet app and signs the printed text):
// no link, or a link from another wallet, is refused with the reason and the members stay
// as they were; the invited wallet's link admits. A member then links a second wallet,
// the inviter's node lists it (also after a restart), and the wallet revokes it itself.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Wallet } from 'ethers'
import { KV_WASM_PATH } from '../helpers/api-server.ts'
import { freePort, moor } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'
import { until } from '../helpers/until.ts'
import { MoorNode } from '../cli/node-cli.ts'

const dir = tempDir('moor-wallet-cli-')
const nodes: MoorNode[] = []
after(() => {
  for (const n of nodes) n.kill()
  dir.cleanup()
})

async function start (name: string, home?: string): Promise<MoorNode> {
  if (home === undefined) {
    home = join(dir.path, name)
    const res = await moor(['init', '--home', home, '--api-port', String(await freePort())])
    assert.equal(res.code, 0, res.stderr)
  }
  const n = await MoorNode.start(home)
  nodes.push(n)
  return n
}

const caip = (w: { address: string }): string => `eip155:1:${w.address}`
const members = async (n: MoorNode, ctx: string): Promise<string[]> => ((await n.json('context', 'members', ctx)) as Array<{ identity: string }>).map((m) => m.identity).sort()

test('a wallet-account invitation is claimed with that wallet\'s link; other wallets and no link are refused', async () => {
  let a = await start('a')
  const b = await start('b')
  const app = await a.json('app', 'install', fileURLToPath(KV_WASM_PATH))
  const ctx = (await a.json('context', 'create', '--app', app.id)).id as string
  await a.json('call', ctx, 'set', '{"key":"k","value":"v"}')
  const invited = Wallet.createRandom()
  const inv = await a.json('context', 'invite', ctx, '--wallet', caip(invited))
  assert.equal(inv.kind, 'account')
  const before = await members(a, ctx)

  const none = await b.run('context', 'join', inv.invitation)
  assert.notEqual(none.code, 0)
  assert.match(none.stderr, /needs a link made with that wallet/)

  const other = Wallet.createRandom()
  const wrong = await b.json('wallet', 'link', ctx, caip(other))
  assert.equal(wrong.joining, true)
  const refused = await b.run('context', 'join', inv.invitation, '--nonce', wrong.nonce, '--signature', await other.signMessage(wrong.message))
  assert.notEqual(refused.code, 0)
  assert.match(refused.stderr, /NotInvited/)
  const forged = await b.json('wallet', 'link', ctx, caip(invited))
  const bad = await b.run('context', 'join', inv.invitation, '--nonce', forged.nonce, '--signature', await other.signMessage(forged.message))
  assert.notEqual(bad.code, 0)
  assert.match(bad.stderr, /BadWalletSignature/)
  assert.deepEqual(await members(a, ctx), before, 'refused joins changed no membership')

  // The text to sign is printed alone on stdout; the next command on stderr.
  const printed = await b.run('wallet', 'link', ctx, caip(invited))
  assert.equal(printed.code, 0, printed.stderr)
  const nonce = /--nonce ([0-9a-f]+)/.exec(printed.stderr)![1]!
  assert.match(printed.stderr, /moor context join <invitation> --nonce/)
  const joined = await b.json('context', 'join', inv.invitation, '--nonce', nonce, '--signature', await invited.signMessage(printed.stdout.replace(/\n$/, '')))
  assert.equal(joined.id, ctx)
  await until('the inviter lists the new member', async () => (await members(a, ctx)).includes(joined.identity), 30_000)
  assert.equal((await b.json('call', ctx, 'get', '{"key":"k"}', '--query')).output, 'v')
  const links = await a.json('wallet', 'list', ctx)
  assert.deepEqual(links.map((l: { account: string, identity: string }) => [l.account, l.identity]), [[caip(invited).toLowerCase(), joined.identity]])

  // A second wallet, linked by the member and listed by the inviter's node; the wallet then
  // revokes it itself; what is left is kept across the inviter's restart.
  const second = Wallet.createRandom()
  const st = await b.json('wallet', 'link', ctx, caip(second))
  assert.equal(st.joining, false)
  const linked = await b.json('wallet', 'link', ctx, caip(second), '--nonce', st.nonce, '--signature', await second.signMessage(st.message))
  assert.equal(linked.identity, joined.identity)
  await until('the inviter lists the second link', async () => (await a.json('wallet', 'list', ctx)).length === 2, 30_000)
  // The wallet revokes its own link; the member's node records it.
  const un = await b.json('wallet', 'revoke', ctx, caip(second), '--by-wallet')
  await b.json('wallet', 'revoke', ctx, caip(second), '--nonce', un.nonce, '--signature', await second.signMessage(un.message))
  await until('the inviter sees the revocation', async () => (await a.json('wallet', 'list', ctx)).length === 1, 30_000)
  await a.stop()
  a = await start('a', a.home)
  assert.equal((await a.json('wallet', 'list', ctx, '--identity', joined.identity, '--recheck')).filter((l: { verifies?: boolean }) => l.verifies === true).length, 1)

  await Promise.all([a.stop(), b.stop()])
})
