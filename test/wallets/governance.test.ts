// Wallet links on the governance log of an offchain context, with real LMDB stores and
// real signatures (an ethers Wallet signs the SIWE text): a link made on one replica is
// checked by another before it takes it (wallet signature included), kept across a
// restart, and revoked by the identity or by the wallet; forged, replayed and strangers'
// links are refused and nothing is stored.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { Wallet } from 'ethers'
import { linkMessage } from '../../adapters/ethereum/wallet/message.ts'
import { EthereumWalletVerifier } from '../../adapters/ethereum/wallet/verifier.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { generateKeyPair, type KeyPair } from '../../src/crypto/ed25519.ts'
import { OffchainAnchor } from '../../src/governance/offchain/index.ts'
import { decodeOp, type GovOp } from '../../src/governance/offchain/op.ts'
import { silentLogger } from '../../src/log/index.ts'
import { HybridClock } from '../../src/state/hlc.ts'
import { key, openStore, prefixRange, type Store } from '../../src/store/index.ts'
import { listLinks, signIdentity, statementFields, vetOps, WalletLinks, type SignedWalletLink } from '../../src/wallets/index.ts'
import { tempDir } from '../helpers/tmp.ts'

const dir = tempDir('moor-wallet-gov-')
after(() => { dir.cleanup() })
let n = 0
const checker = new WalletLinks({ domain: 'node-a.example', verifiers: [new EthereumWalletVerifier()] })

interface Replica { anchor: OffchainAnchor, store: Store, path: string }
function replica (path = `${dir.path}/${n++}`): Replica {
  const store = openStore({ path, noSync: true })
  return { store, path, anchor: new OffchainAnchor({ store, clock: new HybridClock(), logger: silentLogger }) }
}

function opsOf (r: Replica, ctx: Uint8Array): GovOp[] {
  return [...r.store.db.governance.getRange(prefixRange(key(ctx, Uint8Array.of(0))))].map(({ value }) => decodeOp(value as Uint8Array)).sort((a, b) => a.hlc.ms - b.hlc.ms || a.hlc.c - b.hlc.c)
}

/** What a node does with a peer's ops: wallet signatures first, then the log's own judgement. */
async function deliver (to: Replica, ctx: Uint8Array, ops: GovOp[]): Promise<{ refused: string[] }> {
  const vetted = await vetOps(async () => checker, ops, (op) => to.anchor.dag(ctx).has(op.id), silentLogger)
  const r = await to.store.transaction(() => to.anchor.ingestAll(ctx, vetted.ok))
  to.anchor.adopt(r.added)
  return { refused: [...vetted.refused.map((x) => x.reason), ...r.refused.map((x) => x.reason)] }
}

async function makeLink (ctx: Uint8Array, me: KeyPair, wallet: { address: string, signMessage (m: string): Promise<string> }, over: { issuedAt?: number, signer?: { signMessage (m: string): Promise<string> }, purpose?: 'unlink' } = {}): Promise<SignedWalletLink> {
  const account = `eip155:1:${wallet.address.toLowerCase()}`
  const t = over.issuedAt ?? Date.now()
  const statement = statementFields({ domain: 'node-a.example', account, context: ctx, identity: me.publicKey, nonce: checker.nonce(), issuedAt: new Date(t), expiry: new Date(t + 3_600_000), ...(over.purpose !== undefined ? { purpose: over.purpose } : {}) })
  const proof = await (over.signer ?? wallet).signMessage(linkMessage(statement))
  return { account, context: ctx, identity: me.publicKey, statement, proof, identitySignature: signIdentity(me.secretKey, ctx, me.publicKey, account) }
}

async function setup () {
  const a = replica()
  const b = replica()
  const admin = generateKeyPair()
  const bob = generateKeyPair()
  const { context } = await a.anchor.createContext({ application: new Uint8Array(32).fill(1), creator: admin })
  await a.anchor.submit(context, admin, { type: 'addMember', identity: bob.publicKey, role: 'member' })
  assert.deepEqual((await deliver(b, context, opsOf(a, context))).refused, [])
  return { a, b, admin, bob, context }
}

test('a link recorded on one replica is checked, taken and listed by another, and kept across a restart', async () => {
  const { a, b, bob, context } = await setup()
  const wallet = Wallet.createRandom()
  const link = await makeLink(context, bob, wallet)
  await a.anchor.submitOp(context, bob, { type: 'linkWallet', link })
  assert.deepEqual((await deliver(b, context, opsOf(a, context))).refused, [])
  const listed = listLinks(b.anchor.state(context)!.wallets)
  assert.equal(listed.length, 1)
  assert.equal(listed[0]!.link.account, link.account)
  assert.equal(toHex(listed[0]!.link.identity), toHex(bob.publicKey))
  await b.store.close()
  const again = replica(b.path)
  assert.deepEqual(listLinks(again.anchor.state(context)!.wallets).map((l) => l.link.account), [link.account], 'read back from LMDB')
  await again.store.close()
  await a.store.close()
})

test('a forged wallet signature, a stranger\'s link and a link for someone else are refused, and nothing is stored', async () => {
  const { a, b, admin, bob, context } = await setup()
  const wallet = Wallet.createRandom()
  // Made on a node that skips its own check: every other node still refuses it.
  const forged = await makeLink(context, bob, wallet, { signer: Wallet.createRandom() })
  await a.anchor.submitOp(context, bob, { type: 'linkWallet', link: forged })
  const { refused } = await deliver(b, context, opsOf(a, context))
  assert.equal(refused.length, 1)
  assert.match(refused[0]!, /BadWalletSignature/)
  assert.equal(listLinks(b.anchor.state(context)!.wallets).length, 0)
  // The log itself refuses what needs no chain to judge.
  const stranger = generateKeyPair()
  assert.throws(() => a.anchor.build(context, stranger, { type: 'linkWallet', link: { ...forged } }), /made by the identity it links|only members/)
  const bobs = await makeLink(context, bob, wallet)
  assert.throws(() => a.anchor.build(context, admin, { type: 'linkWallet', link: bobs }), /made by the identity it links/)
  const cross = await makeLink(new Uint8Array(32).fill(9), bob, wallet)
  assert.throws(() => a.anchor.build(context, bob, { type: 'linkWallet', link: cross }), /another context/)
  await a.store.close(); await b.store.close()
})

test('revoked by the identity, or by the wallet relayed by any member; an old statement cannot bring it back', async () => {
  const { a, b, admin, bob, context } = await setup()
  const wallet = Wallet.createRandom()
  const first = await makeLink(context, bob, wallet, { issuedAt: Date.now() - 10_000 })
  await a.anchor.submitOp(context, bob, { type: 'linkWallet', link: first })
  await a.anchor.submitOp(context, bob, { type: 'unlinkWallet', identity: bob.publicKey, account: first.account })
  assert.equal(listLinks(a.anchor.state(context)!.wallets).length, 0)
  // Replaying the signed statement from before the revocation is refused.
  assert.throws(() => a.anchor.build(context, bob, { type: 'linkWallet', link: first }), /unlinked after this statement/)
  // A fresh statement links again; the wallet revokes it itself, the admin's node relays it.
  const second = await makeLink(context, bob, wallet)
  await a.anchor.submitOp(context, bob, { type: 'linkWallet', link: second })
  assert.throws(() => a.anchor.build(context, admin, { type: 'unlinkWallet', identity: bob.publicKey, account: second.account }), /only the linked identity, or the wallet/)
  const un = await makeLink(context, bob, wallet, { purpose: 'unlink', issuedAt: Date.now() + 1 })
  await a.anchor.submitOp(context, admin, { type: 'unlinkWallet', identity: bob.publicKey, account: second.account, revocation: { statement: un.statement, proof: un.proof } })
  assert.equal(listLinks(a.anchor.state(context)!.wallets).length, 0)
  assert.deepEqual((await deliver(b, context, opsOf(a, context))).refused, [])
  assert.equal(listLinks(b.anchor.state(context)!.wallets).length, 0)
  assert.equal(b.anchor.state(context)!.revision, a.anchor.state(context)!.revision, 'both replicas took every op')
  // A link's own signature does not pass for a revocation.
  const third = await makeLink(context, bob, wallet, { issuedAt: Date.now() + 2 })
  await a.anchor.submitOp(context, bob, { type: 'linkWallet', link: third })
  const fake = { statement: { ...third.statement, purpose: 'unlink' as const, issuedAt: new Date(Date.now() + 3).toISOString() }, proof: third.proof }
  await assert.rejects(checker.checkRevocation(fake), /BadWalletSignature/)
  await a.store.close(); await b.store.close()
})

test('a removed member\'s links go with it', async () => {
  const { a, admin, bob, context } = await setup()
  await a.anchor.submitOp(context, bob, { type: 'linkWallet', link: await makeLink(context, bob, Wallet.createRandom()) })
  assert.equal(listLinks(a.anchor.state(context)!.wallets).length, 1)
  await a.anchor.submit(context, admin, { type: 'removeMember', identity: bob.publicKey })
  assert.equal(listLinks(a.anchor.state(context)!.wallets).length, 0)
  assert.equal(a.anchor.state(context)!.wallets.count, 0)
  await a.store.close()
})
