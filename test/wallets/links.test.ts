// Wallet links with real signatures: an Ethereum EOA signs the SIWE link message
// (ethers), the context identity signs the account (ed25519), and the node refuses
// forged, replayed, expired, cross-context, wrong-domain and stale-nonce links by code.
// (Storing, listing and revoking are the governance log's: see governance.test.ts.)
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { Wallet } from 'ethers'
import { linkMessage } from '../../adapters/ethereum/wallet/message.ts'
import { EthereumWalletVerifier } from '../../adapters/ethereum/wallet/verifier.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { LinkNonces, signIdentity, statementFields, WalletLinkRefusedError, WalletLinks, type SignedWalletLink } from '../../src/wallets/index.ts'

const DOMAIN = 'node-a.example:8080'

function setup (now = { t: Date.now() }) {
  const nowFn = () => now.t
  const links = new WalletLinks({ domain: DOMAIN, verifiers: [new EthereumWalletVerifier()], now: nowFn, nonces: new LinkNonces({ now: nowFn, ttlMs: 60_000 }) })
  const link = async (l: SignedWalletLink) => { await links.check(l, { consumeNonce: true }) }
  const me = generateKeyPair()
  const wallet = Wallet.createRandom()
  const context = new Uint8Array(randomBytes(32))
  const account = `eip155:1:${wallet.address}`
  async function make (over: { domain?: string, context?: Uint8Array, expiryMs?: number, nonce?: string, signer?: { signMessage (m: string): Promise<string> } } = {}): Promise<SignedWalletLink> {
    const statement = statementFields({
      domain: over.domain ?? DOMAIN, account, context: over.context ?? context, identity: me.publicKey,
      nonce: over.nonce ?? links.nonce(), issuedAt: new Date(now.t), expiry: new Date(now.t + (over.expiryMs ?? 3_600_000))
    })
    const proof = await (over.signer ?? wallet).signMessage(linkMessage(statement))
    return { account, context, identity: me.publicKey, statement, proof, identitySignature: signIdentity(me.secretKey, context, me.publicKey, account) }
  }
  return { links, link, me, wallet, context, account, make, now }
}

async function refused (p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof WalletLinkRefusedError && err.code === code && err.status === 403)
}

test('an EOA link is accepted; its nonce is spent', async () => {
  const s = setup()
  const good = await s.make()
  await s.link(good)
  await refused(s.link(good), 'UnknownNonce')
  // A replicated copy is checked on everything but the nonce and domain.
  await s.links.check(good)
})

test('forged, replayed, cross-context, wrong-domain, stale-nonce and expired links are refused with their code', async () => {
  const s = setup()
  await refused(s.link(await s.make({ signer: Wallet.createRandom() })), 'BadWalletSignature')
  const good = await s.make()
  await s.link(good)
  await refused(s.link(good), 'UnknownNonce') // replay
  const other = await s.make({ context: new Uint8Array(randomBytes(32)) })
  await refused(s.link({ ...other, context: s.context }), 'WrongContext')
  await refused(s.link(await s.make({ domain: 'evil.example' })), 'WrongDomain')
  await refused(s.link(await s.make({ nonce: 'aaaaaaaaaaaaaaaa' })), 'UnknownNonce')
  const forgedIdentity = await s.make()
  forgedIdentity.identitySignature = new Uint8Array(64)
  await refused(s.link(forgedIdentity), 'BadIdentitySignature')
  const stale = await s.make()
  s.now.t += 120_000 // past the nonce's ttl
  await refused(s.link(stale), 'UnknownNonce')
  const short = await s.make({ expiryMs: 1_000 })
  s.now.t += 2_000
  await refused(s.link(short), 'Expired')
})

test('a link is judged at the time given: a replicated link at its op\'s time', async () => {
  const s = setup()
  const l = await s.make({ expiryMs: 10_000 })
  s.now.t += 10_001
  await refused(s.links.check(l), 'Expired')
  await s.links.check(l, { at: s.now.t - 5_000 })
})

test('malformed links are refused with their code and store nothing', async () => {
  const s = setup()
  const good = await s.make()
  await refused(s.link({ ...good, account: 'not-caip10' }), 'BadAccount')
  const cosmos = 'cosmos:hub-4:cosmos1abc'
  const identitySignature = signIdentity(s.me.secretKey, s.context, s.me.publicKey, cosmos)
  await refused(s.link({ ...good, account: cosmos, identitySignature, statement: { ...good.statement, account: cosmos } }), 'NoVerifier')
  await refused(s.link({ ...good, statement: { ...good.statement, expiry: 'tomorrow' } }), 'BadStatement')
  await refused(s.link({ ...good, statement: { ...good.statement, nonce: 'x' } }), 'BadStatement')
  await refused(s.link({ ...good, proof: 42 as unknown as string }), 'BadWalletSignature')
  await refused(s.link({ ...(await s.make()), proof: '0x1234' }), 'BadWalletSignature')
})

test('the Ethereum module\'s walletLink slot gives a verifier that handles eip155 accounts only', async () => {
  const { ethereum } = await import('../../adapters/ethereum/index.ts')
  const verifier = await ethereum.walletLink!.create({})
  assert.equal(verifier.handles('eip155:1:0x0000000000000000000000000000000000000001'), true)
  assert.equal(verifier.handles('cosmos:hub-4:cosmos1abc'), false)
})
