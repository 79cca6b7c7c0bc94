// NEP-413 wallet links against the NEAR devnet: near-api-js signs the link payload
// (signMessage with the node's nonce and its domain as recipient), the NEAR verifier checks
// the ed25519 signature and asks the devnet at `final` whether the key is a full-access key
// of the account. Forged messages, other recipients, reused nonces and function-call keys
// are refused; a key deleted after linking stops the link verifying.
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { Account, JsonRpcProvider, KeyPair, KeyPairSigner, actions, type KeyPairString } from 'near-api-js'
import { signMessage } from 'near-api-js/nep413'
import { startNearDevnet, type NearDevnet } from '../../adapters/near/devnet/index.ts'
import { linkPayload } from '../../adapters/near/wallet/message.ts'
import { formatNep413Proof, NearWalletVerifier } from '../../adapters/near/wallet/verifier.ts'
import { near } from '../../adapters/near/index.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { LinkNonces, signIdentity, statementFields, WalletLinkRefusedError, WalletLinks, type SignedWalletLink } from '../../src/wallets/index.ts'

const DOMAIN = 'node-a.example:8080'
const NEAR = 10n ** 24n

async function refused (p: Promise<unknown>, code: string, why?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof WalletLinkRefusedError && err.code === code && (why === undefined || why.test(err.message)))
}

describe('NEP-413 wallet links on the NEAR devnet', () => {
  let devnet: NearDevnet
  let links: WalletLinks
  let alice: Account
  const aliceKey = KeyPair.fromRandom('ed25519')
  const me = generateKeyPair()
  const context = new Uint8Array(randomBytes(32))
  let account: string

  before(async () => {
    devnet = await startNearDevnet({ port: 0 })
    const provider = new JsonRpcProvider({ url: devnet.url })
    const root = new Account(devnet.account, provider, KeyPairSigner.fromSecretKey(devnet.key as KeyPairString))
    await root.createAccount({ newAccountId: `alice.${devnet.account}`, publicKey: aliceKey.getPublicKey(), nearToTransfer: 10n * NEAR })
    alice = new Account(`alice.${devnet.account}`, provider, new KeyPairSigner(aliceKey))
    account = `near:${devnet.chainId}:${alice.accountId}`
    // The verifier as the node makes it: through the chain module's wallet-link slot.
    const verifier = await near.walletLink!.create({ rpc: devnet.url })
    links = new WalletLinks({ domain: DOMAIN, verifiers: [verifier], nonces: new LinkNonces({ ttlMs: 60_000 }) })
  })
  after(async () => { await devnet.close() })

  /** Adds a key to alice and waits until it is in a final block. */
  const addKey = async (action: ReturnType<typeof actions.addFullAccessKey>) => {
    await alice.signAndSendTransaction({ receiverId: alice.accountId, actions: [action], waitUntil: 'FINAL' })
  }

  async function make (over: { key?: KeyPair, recipient?: string, message?: string, nonce?: string, account?: string } = {}): Promise<SignedWalletLink> {
    const statement = statementFields({
      domain: DOMAIN, account: over.account ?? account, context, identity: me.publicKey, nonce: over.nonce ?? links.nonce(), issuedAt: new Date(), expiry: new Date(Date.now() + 3_600_000)
    })
    const payload = linkPayload(statement)
    const signer = new Account(alice.accountId, alice.provider, new KeyPairSigner(over.key ?? aliceKey))
    const signed = await signMessage({
      signerAccount: signer,
      payload: { ...payload, ...(over.recipient !== undefined ? { recipient: over.recipient } : {}), ...(over.message !== undefined ? { message: over.message } : {}) }
    })
    return {
      account: statement.account, context, identity: me.publicKey, statement,
      proof: formatNep413Proof(signed.publicKey.toString(), signed.signature),
      identitySignature: signIdentity(me.secretKey, context, me.publicKey, statement.account)
    }
  }

  it('the chain module renders the link text a NEAR wallet shows, naming account, identity, context and node', async () => {
    const statement = statementFields({ domain: DOMAIN, account, context, identity: me.publicKey, nonce: 'abcdefgh12345678', issuedAt: new Date(), expiry: new Date(Date.now() + 60_000) })
    const text = links.message(statement)
    assert.match(text, new RegExp(`^Link NEAR account ${alice.accountId.replace(/\./g, '\\.')} to context identity [0-9a-f]{64} in context [0-9a-f]{64}\\.`))
    assert.match(text, /Node: node-a\.example:8080/)
    assert.notEqual(links.message({ ...statement, purpose: 'unlink' }), text)
  })

  it('a full-access key is accepted; its nonce cannot be used again', async () => {
    const good = await make()
    await links.check(good, { consumeNonce: true })
    await refused(links.check(good, { consumeNonce: true }), 'UnknownNonce')
    // A replicated copy (no nonce to spend) still verifies.
    await links.check(good)
  })

  it('a forged message, a wrong recipient, another signer and a function-call key are refused', async () => {
    await refused(links.check(await make({ message: 'Link NEAR account alice to something else' }), { consumeNonce: true }), 'BadWalletSignature', /does not verify/)
    await refused(links.check(await make({ recipient: 'evil.example' }), { consumeNonce: true }), 'BadWalletSignature', /does not verify/)
    // A key the account does not hold signs (near-api-js signs with whatever key it is given).
    await refused(links.check(await make({ key: KeyPair.fromRandom('ed25519') }), { consumeNonce: true }), 'BadWalletSignature', /not an access key/)
    const fnKey = KeyPair.fromRandom('ed25519')
    await addKey(actions.addFunctionCallAccessKey(fnKey.getPublicKey(), devnet.account, ['mutate'], NEAR / 4n))
    await refused(links.check(await make({ key: fnKey }), { consumeNonce: true }), 'BadWalletSignature', /function-call key/)
    // The proof must be well formed.
    const good = await make()
    await refused(links.check({ ...good, proof: 'ed25519:xyz' }), 'BadWalletSignature', /public key>:<base64 signature>/)
  })

  it('a key deleted after linking stops the link verifying (checked again at use time)', async () => {
    const second = KeyPair.fromRandom('ed25519')
    await addKey(actions.addFullAccessKey(second.getPublicKey()))
    const link = await make({ key: second })
    await links.check(link, { consumeNonce: true })
    await alice.signAndSendTransaction({ receiverId: alice.accountId, actions: [actions.deleteKey(second.getPublicKey())], waitUntil: 'FINAL' })
    await refused(links.check(link), 'BadWalletSignature', /not an access key/)
  })

  it('an account on another network, or with no RPC configured, is refused', async () => {
    const elsewhere = await make({ account: `near:testnet:${alice.accountId}` })
    await refused(links.check(elsewhere), 'BadWalletSignature', /on network testnet, the node's NEAR RPC serves moorage-devnet/)
    const good = await make()
    await refused(new NearWalletVerifier().verify(good), 'BadWalletSignature', /no NEAR RPC/)
  })
})
