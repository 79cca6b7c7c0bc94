// ICP wallet links: a principal's own key, or a delegation chain from it (as Internet
// Identity-style logins hand out) to a session key, signs the node's link text. Through a
// node: the statement's request is signed as an agent-js identity signs, the link is
// recorded and re-checks. At the verifier: an expired delegation, a delegation restricted to
// a canister, a broken chain, another principal's key and an altered statement are refused.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { SignIdentity } from '@dfinity/agent'
import { DelegationChain, DelegationIdentity, Ed25519KeyIdentity } from '@dfinity/identity'
import { Secp256k1KeyIdentity } from '@dfinity/identity-secp256k1'
import { Principal } from '@dfinity/principal'
import { formatIcpProof, IcpWalletVerifier } from '../../adapters/icp/wallet/verifier.ts'
import type { WalletLink } from '../../src/chain/module.ts'
import { utf8 } from '../../src/crypto/bytes.ts'
import { WalletLinkRefusedError } from '../../src/wallets/index.ts'
import { appWasm, startTestNode, type TestNode } from '../helpers/node.ts'

const refused = (why: RegExp) => (e: unknown) => e instanceof WalletLinkRefusedError && e.code === 'BadWalletSignature' && why.test(e.message)

function statement (principal: string, issuedAt = new Date()): WalletLink['statement'] {
  return {
    domain: 'node.example',
    account: `icp:local:${principal}`,
    context: 'ab'.repeat(32),
    identity: 'cd'.repeat(32),
    nonce: 'n0nce1234567',
    issuedAt: issuedAt.toISOString(),
    expiry: new Date(issuedAt.getTime() + 3600_000).toISOString()
  }
}

/** A link whose proof `signer` makes over the statement of `root`'s principal, through `chain`. */
async function linkOf (v: IcpWalletVerifier, root: SignIdentity, signer: SignIdentity, chain: DelegationChain | undefined, st = statement(root.getPrincipal().toText())): Promise<WalletLink> {
  const signature = new Uint8Array(await signer.sign(utf8(v.message(st))))
  const json = chain?.toJSON() ?? { publicKey: Buffer.from(root.getPublicKey().toDer()).toString('hex'), delegations: [] }
  return { account: st.account, context: new Uint8Array(32).fill(0xab), identity: new Uint8Array(32).fill(0xcd), statement: st, proof: formatIcpProof(json, signature) }
}

describe('ICP wallet links', () => {
  const v = new IcpWalletVerifier()

  it('a plain ed25519 or secp256k1 key identity links its own principal', async () => {
    for (const id of [Ed25519KeyIdentity.generate(), Secp256k1KeyIdentity.generate()]) {
      const link = await linkOf(v, id, id, undefined)
      assert.deepEqual(await v.verify(link), { account: link.account })
    }
  })

  it('a delegation chain root → session key links the root principal', async () => {
    const root = Ed25519KeyIdentity.generate()
    const middle = Secp256k1KeyIdentity.generate()
    const session = Ed25519KeyIdentity.generate()
    const first = await DelegationChain.create(root, middle.getPublicKey(), new Date(Date.now() + 3600_000))
    const chain = await DelegationChain.create(middle, session.getPublicKey(), new Date(Date.now() + 3600_000), { previous: first })
    const identity = DelegationIdentity.fromDelegation(session, chain)
    assert.equal(identity.getPrincipal().toText(), root.getPrincipal().toText())
    const link = await linkOf(v, root, identity, chain)
    assert.deepEqual(await v.verify(link), { account: link.account })
  })

  it('refuses an expired delegation, a canister-restricted one, a broken chain, another principal and an altered statement', async () => {
    const root = Ed25519KeyIdentity.generate()
    const session = Ed25519KeyIdentity.generate()
    const expired = await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() - 60_000))
    await assert.rejects(v.verify(await linkOf(v, root, session, expired)), refused(/expired/))
    const targeted = await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() + 3600_000), { targets: [Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai')] })
    await assert.rejects(v.verify(await linkOf(v, root, session, targeted)), refused(/restricted to canisters rrkah-fqaaa-aaaaa-aaaaq-cai/))
    // The delegation is signed by another key than the root the proof names.
    const other = Ed25519KeyIdentity.generate()
    const forged = await DelegationChain.create(other, session.getPublicKey(), new Date(Date.now() + 3600_000))
    const broken = DelegationChain.fromJSON({ ...forged.toJSON(), publicKey: Buffer.from(root.getPublicKey().toDer()).toString('hex') })
    await assert.rejects(v.verify(await linkOf(v, root, session, broken)), refused(/delegation 0 has an invalid signature/))
    // A session key not named by the chain signs.
    const good = await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() + 3600_000))
    await assert.rejects(v.verify(await linkOf(v, root, other, good)), refused(/does not verify/))
    // Someone else's key for this principal.
    const st = statement(root.getPrincipal().toText())
    await assert.rejects(v.verify(await linkOf(v, other, other, undefined, st)), refused(/is the key of principal/))
    const link = await linkOf(v, root, root, undefined)
    await assert.rejects(v.verify({ ...link, statement: { ...link.statement, nonce: 'another12345' } }), refused(/does not verify/))
    await assert.rejects(v.verify({ ...link, proof: 'not json' }), refused(/must be JSON/))
  })
})

describe('ICP wallet links through a node', () => {
  let node: TestNode
  let ctx: string
  before(async () => {
    node = await startTestNode({})
    const app = await node.node.installApplication({ wasm: appWasm('kv-store') })
    ctx = (await node.node.createContext({ applicationId: app.id })).id
  })
  after(async () => { await node?.close() })

  it('a delegation identity signs what the node asks; the link is recorded and re-checks', async () => {
    const root = Ed25519KeyIdentity.generate()
    const session = Ed25519KeyIdentity.generate()
    const chain = await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() + 3600_000))
    const wallet = DelegationIdentity.fromDelegation(session, chain)
    const st = await node.node.walletStatement(ctx, { account: `icp:local:${wallet.getPrincipal().toText()}` })
    assert.equal(st.request.method, 'sign')
    const params = st.request.params as { message: string }
    assert.equal(params.message, st.message)
    const signature = new Uint8Array(await wallet.sign(utf8(params.message)))
    const link = await node.node.linkWallet(ctx, { nonce: st.nonce, signature: formatIcpProof(chain.toJSON(), signature) })
    assert.equal(link.account, st.account)
    const listed = await node.node.walletLinks(ctx, { recheck: true })
    assert.deepEqual(listed.filter((l) => l.account === st.account).map((l) => l.verifies), [true])
  })
})
