// Wallet links through two real nodes in one process (LMDB, libp2p on loopback, real
// signatures from ethers Wallets): a member links a wallet and the other node lists it;
// a wallet-account invitation admits the identity that presents a link made with that
// wallet, and refuses a link from another wallet, or none, leaving the members as they were.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Wallet } from 'ethers'
import { ethereum } from '../../adapters/ethereum/index.ts'
import { linkMessage } from '../../adapters/ethereum/wallet/message.ts'
import type { ChainModule } from '../../src/chain/module.ts'
import { ChainModules } from '../../src/chain/modules.ts'
import { silentLogger } from '../../src/log/index.ts'
import { defaultConfig } from '../../src/node/config.ts'
import { createNode } from '../../src/node/index.ts'
import { WalletLinkRefusedError } from '../../src/wallets/index.ts'
import { tempDir } from '../helpers/tmp.ts'
import { appWasm, startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

let admin: TestNode
let bob: TestNode
let ctx: string
before(async () => {
  admin = await startTestNode()
  bob = await startTestNode()
  const app = await admin.node.installApplication({ wasm: appWasm('kv-store') })
  ctx = (await admin.node.createContext({ applicationId: app.id })).id
})
after(async () => { await bob?.close(); await admin?.close() })

const account = (w: { address: string }): string => `eip155:1:${w.address}`

test('a member links a wallet; every member node lists it; the identity revokes it', async () => {
  const id = await bob.node.newIdentity()
  await bob.node.join((await admin.node.invite(ctx, { identity: id.publicKey })).invitation)
  const wallet = Wallet.createRandom()
  const st = await bob.node.walletStatement(ctx, { account: account(wallet) })
  assert.equal(st.identity, id.publicKey)
  assert.match(st.message, /wants you to sign in with your Ethereum account/)
  assert.match(st.message, new RegExp(`Nonce: ${st.nonce}`))
  const linked = await bob.node.linkWallet(ctx, { nonce: st.nonce, signature: await wallet.signMessage(st.message) })
  assert.equal(linked.account, st.account)
  assert.equal(linked.expired, false)
  // The same signed statement again: its nonce is spent.
  await assert.rejects(bob.node.linkWallet(ctx, { nonce: st.nonce, signature: '0x00' }), (e: unknown) => e instanceof WalletLinkRefusedError && e.code === 'UnknownNonce')
  await until('the admin node lists the link', async () => (await admin.node.walletLinks(ctx)).some((l) => l.account === st.account && l.identity === id.publicKey), 20_000)
  const [checked] = await admin.node.walletLinks(ctx, { recheck: true })
  assert.equal(checked!.verifies, true)
  await bob.node.unlinkWallet(ctx, st.account)
  await until('the admin node sees it go', async () => (await admin.node.walletLinks(ctx)).length === 0, 20_000)
})

test('a wallet-account invitation admits the identity with that wallet\'s link, and refuses others', async () => {
  const carol = await startTestNode()
  try {
    const invited = Wallet.createRandom()
    const inv = await admin.node.invite(ctx, { wallet: account(invited) })
    assert.equal(inv.kind, 'account')
    const before = admin.node.members(ctx).length
    // No link: refused with what to do.
    await assert.rejects(carol.node.join(inv.invitation), /needs a link made with that wallet/)
    // A link from another wallet: refused, nothing joined.
    const other = Wallet.createRandom()
    const wrong = await carol.node.walletStatement(ctx, { account: account(other) })
    await assert.rejects(carol.node.join(inv.invitation, { wallet: { nonce: wrong.nonce, signature: await other.signMessage(wrong.message) } }), (e: unknown) => e instanceof WalletLinkRefusedError && e.code === 'NotInvited')
    // The invited account's statement signed by another wallet: refused.
    const forged = await carol.node.walletStatement(ctx, { account: account(invited) })
    await assert.rejects(carol.node.join(inv.invitation, { wallet: { nonce: forged.nonce, signature: await other.signMessage(forged.message) } }), (e: unknown) => e instanceof WalletLinkRefusedError && e.code === 'BadWalletSignature')
    assert.equal(admin.node.members(ctx).length, before)
    assert.equal(carol.node.listContexts().length, 0)
    // The invited wallet's signature: admitted, and the link is recorded with the claim.
    const st = await carol.node.walletStatement(ctx, { account: account(invited) })
    const joined = await carol.node.join(inv.invitation, { wallet: { nonce: st.nonce, signature: await invited.signMessage(st.message) } })
    assert.equal(joined.id, ctx)
    await until('the admin node lists carol as a member', () => admin.node.members(ctx).some((m) => m.identity === st.identity), 20_000)
    assert.deepEqual((await admin.node.walletLinks(ctx, { identity: st.identity })).map((l) => l.account), [st.account])
  } finally {
    await carol.close()
  }
})

test('the inviter\'s node checks the wallet itself: a joiner whose node accepts any signature is refused', async () => {
  // A node built with a verifier that takes every signature: its own check lets a forgery through.
  const lenient: ChainModule = { ...ethereum, walletLink: { create: async () => ({ handles: (a: string) => a.startsWith('eip155:'), message: linkMessage, request: (st: Parameters<typeof linkMessage>[0]) => ({ method: 'personal_sign', params: [linkMessage(st)], answer: 'any' }), verify: async (l: { account: string }) => ({ account: l.account }) }) } }
  const dir = tempDir('moor-node-')
  const mallory = await createNode({ home: dir.path, config: defaultConfig(dir.path), logger: silentLogger, chainModules: new ChainModules([lenient]) })
  try {
    const invited = Wallet.createRandom()
    const inv = await admin.node.invite(ctx, { wallet: account(invited) })
    const before = admin.node.members(ctx).length
    const st = await mallory.walletStatement(ctx, { account: account(invited) })
    await assert.rejects(
      mallory.join(inv.invitation, { wallet: { nonce: st.nonce, signature: await Wallet.createRandom().signMessage(st.message) } }),
      (e: unknown) => e instanceof Error && /the invitation was refused: .*BadWalletSignature/.test(e.message)
    )
    assert.equal(admin.node.members(ctx).length, before)
    assert.equal(mallory.listContexts().length, 0)
  } finally {
    await mallory.stop()
    dir.cleanup()
  }
})
