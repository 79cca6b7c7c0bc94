// ICP wallet links rooted in a canister signature (Internet Identity style): a Motoko signer
// canister on the devnet certifies the tree of a delegation's signature and hands it out
// with the subnet's data certificate; the delegation chain from that canister key to a
// session key links the principal, through a node that fetches the devnet's root key from
// its endpoint. Refused with reasons: a tampered tree, a certificate by another root key, a
// key of another seed, a signature of another delegation, a certificate too far from the
// statement's time, a network without a known root key, a signature that is not CBOR. The
// devnet takes requests from such a principal (through the same checks) and refuses a
// tampered canister signature.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { Actor, Cbor, HttpAgent, type DerEncodedPublicKey, type HashTree, type Signature } from '@dfinity/agent'
import { Delegation, DelegationChain, DelegationIdentity, Ed25519KeyIdentity } from '@dfinity/identity'
import { IDL } from '@dfinity/candid'
import { Principal } from '@dfinity/principal'
import { canisterSigKey, parseCanisterSigKey } from '../../adapters/icp/canister-signature.ts'
import { certify, newRootKey } from '../../adapters/icp/devnet/certificate.ts'
import { launchReplica, type Replica } from '../../adapters/icp/devnet/index.ts'
import { delegationMessage } from '../../adapters/icp/signatures.ts'
import { formatIcpProof, IcpWalletVerifier } from '../../adapters/icp/wallet/verifier.ts'
import type { WalletLink } from '../../src/chain/module.ts'
import { utf8 } from '../../src/crypto/bytes.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { WalletLinkRefusedError } from '../../src/wallets/index.ts'
import { compileFixture } from '../fixtures/icp/compile.ts'
import { appWasm, startTestNode, type TestNode } from '../helpers/node.ts'

const refused = (why: RegExp) => (e: unknown) => e instanceof WalletLinkRefusedError && e.code === 'BadWalletSignature' && why.test(e.message)

interface SignerService { sign: (seed: Uint8Array, hash: Uint8Array) => Promise<void>, signature: () => Promise<Uint8Array> }
const signerIdl: IDL.InterfaceFactory = () => IDL.Service({
  sign: IDL.Func([IDL.Vec(IDL.Nat8), IDL.Vec(IDL.Nat8)], [], []),
  signature: IDL.Func([], [IDL.Vec(IDL.Nat8)], ['query'])
})

/** The chain an Internet Identity login hands out: the canister key, one delegation with its canister signature. */
const chainOf = (root: Uint8Array, delegation: Delegation, signature: Uint8Array): DelegationChain =>
  DelegationChain.fromDelegations([{ delegation, signature: signature as Signature }], root as DerEncodedPublicKey)

function statement (principal: string, issuedAt = new Date(), network = 'local'): WalletLink['statement'] {
  return {
    domain: 'node.example',
    account: `icp:${network}:${principal}`,
    context: 'ab'.repeat(32),
    identity: 'cd'.repeat(32),
    nonce: 'n0nce1234567',
    issuedAt: issuedAt.toISOString(),
    expiry: new Date(issuedAt.getTime() + 3600_000).toISOString()
  }
}

describe('ICP wallet links by canister signature', () => {
  let replica: Replica
  let signerId: Principal
  let signer: SignerService
  let v: IcpWalletVerifier

  before(async () => {
    replica = await launchReplica({ port: 0 })
    signerId = Principal.fromText(await replica.installCanister(compileFixture('signer.mo', {}, { 'Sha2.mo': new URL('../../contracts/icp/src/Sha2.mo', import.meta.url), 'HashTree.mo': new URL('../../contracts/icp/src/HashTree.mo', import.meta.url) })))
    const agent = await HttpAgent.create({ host: replica.url, rootKey: replica.rootKey, identity: Ed25519KeyIdentity.generate() })
    signer = Actor.createActor<SignerService>(signerIdl, { agent, canisterId: signerId })
    v = new IcpWalletVerifier({ rpc: replica.url })
  })
  after(async () => { await replica?.close() })

  /** What an Internet Identity login hands out: a delegation from the canister key of `seed` to a session key, signed by the canister. */
  async function login (seed: Uint8Array, session = Ed25519KeyIdentity.generate()): Promise<{ root: Uint8Array, session: Ed25519KeyIdentity, delegation: Delegation, signature: Uint8Array }> {
    const root = canisterSigKey(signerId, seed)
    const delegation = new Delegation(new Uint8Array(session.getPublicKey().toDer()), BigInt(Date.now() + 3600_000) * 1_000_000n)
    await signer.sign(seed, sha256(delegationMessage({ pubkey: delegation.pubkey, expiration: delegation.expiration })))
    return { root, session, delegation, signature: new Uint8Array(await signer.signature()) }
  }

  /** The link the session key signs through the chain rooted at `root`. */
  async function linkOf (root: Uint8Array, delegation: Delegation, signature: Uint8Array, session: Ed25519KeyIdentity, st = statement(Principal.selfAuthenticating(root).toText())): Promise<WalletLink> {
    const chain = chainOf(root, delegation, signature)
    const text = utf8(v.message(st))
    return { account: st.account, context: new Uint8Array(32).fill(0xab), identity: new Uint8Array(32).fill(0xcd), statement: st, proof: formatIcpProof(chain.toJSON(), new Uint8Array(await session.sign(text))) }
  }

  it('the canister-signature key names the canister and the seed', () => {
    const seed = randomBytes(32)
    const key = parseCanisterSigKey(canisterSigKey(signerId, seed))
    assert.equal(key?.canister.toText(), signerId.toText())
    assert.deepEqual(key?.seed, new Uint8Array(seed))
    assert.equal(parseCanisterSigKey(new Uint8Array(Ed25519KeyIdentity.generate().getPublicKey().toDer())), undefined)
  })

  it('a delegation chain rooted in the signer canister\'s signature links its principal', async () => {
    const { root, session, delegation, signature } = await login(randomBytes(32))
    const chain = chainOf(root, delegation, signature)
    const identity = DelegationIdentity.fromDelegation(session, chain)
    assert.equal(identity.getPrincipal().toText(), Principal.selfAuthenticating(root).toText())
    const link = await linkOf(root, delegation, signature, session)
    assert.deepEqual(await v.verify(link), { account: link.account })
  })

  it('the canister key may sign the link text itself, without a delegation', async () => {
    const seed = randomBytes(32)
    const root = canisterSigKey(signerId, seed)
    const st = statement(Principal.selfAuthenticating(root).toText())
    await signer.sign(seed, sha256(utf8(v.message(st))))
    const signature = new Uint8Array(await signer.signature())
    const link: WalletLink = { account: st.account, context: new Uint8Array(32).fill(0xab), identity: new Uint8Array(32).fill(0xcd), statement: st, proof: formatIcpProof({ publicKey: Buffer.from(root).toString('hex'), delegations: [] }, signature) }
    assert.deepEqual(await v.verify(link), { account: link.account })
    // The same signature does not hold for another statement.
    const other = { ...st, nonce: 'another12345' }
    await assert.rejects(v.verify({ ...link, statement: other }), refused(/holds no signature of this message/))
  })

  it('refuses a tampered tree, another root key\'s certificate, another seed, another message, a stale certificate, an unknown network', async () => {
    const seed = randomBytes(32)
    const { root, session, delegation, signature } = await login(seed)
    const { certificate, tree } = Cbor.decode<{ certificate: Uint8Array, tree: HashTree }>(signature)
    // The tree names another message hash: its root is not the certified data.
    const altered = structuredClone(tree) as unknown as [2, Uint8Array, [2, Uint8Array, [2, Uint8Array, HashTree]]]
    altered[2][2][1] = sha256(utf8('another message'))
    const tampered = new Uint8Array(Cbor.encode({ certificate, tree: altered }))
    await assert.rejects(v.verify(await linkOf(root, delegation, tampered, session)), refused(/tree is not the one canister .* certified/))
    // The same state certified by a root key that is not the devnet's.
    const foreign = Cbor.decode<{ tree: HashTree }>(certificate).tree
    const byOther = new Uint8Array(Cbor.encode({ certificate: certify(foreign, newRootKey()), tree }))
    await assert.rejects(v.verify(await linkOf(root, delegation, byOther, session)), refused(/certificate does not verify under the root key/))
    // The key of another seed of the same canister (another user), with this signature.
    const otherRoot = canisterSigKey(signerId, randomBytes(32))
    await assert.rejects(v.verify(await linkOf(otherRoot, delegation, signature, session)), refused(/holds no signature of this message under this key's seed/))
    // The signature of this delegation, put on a delegation to another session key.
    const thief = Ed25519KeyIdentity.generate()
    const stolen = new Delegation(new Uint8Array(thief.getPublicKey().toDer()), delegation.expiration)
    await assert.rejects(v.verify(await linkOf(root, stolen, signature, thief)), refused(/holds no signature of this message/))
    // A statement issued 10 minutes after the certificate.
    const principal = Principal.selfAuthenticating(root).toText()
    await assert.rejects(v.verify(await linkOf(root, delegation, signature, session, statement(principal, new Date(Date.now() + 600_000)))), refused(/more than 5 minutes from/))
    // No root key is known for the network the account names.
    await assert.rejects(v.verify(await linkOf(root, delegation, signature, session, statement(principal, new Date(), 'elsewhere'))), refused(/no root key is known for ICP network elsewhere/))
    // Mainnet's root key is the IC's: the devnet's certificate does not verify under it.
    await assert.rejects(v.verify(await linkOf(root, delegation, signature, session, statement(principal, new Date(), 'mainnet'))), refused(/does not verify under the root key/))
    await assert.rejects(v.verify(await linkOf(root, delegation, new Uint8Array([1, 2, 3]), session)), refused(/not CBOR \{certificate, tree\}/))
    // And the untampered signature still links.
    assert.ok(await v.verify(await linkOf(root, delegation, signature, session)))
  })

  it('the devnet takes requests from a principal rooted in a canister signature, and refuses a tampered one', async () => {
    const seed = randomBytes(32)
    const { root, session, delegation, signature } = await login(seed)
    const as = async (sig: Uint8Array): Promise<SignerService> => {
      const identity = DelegationIdentity.fromDelegation(session, chainOf(root, delegation, sig))
      const agent = await HttpAgent.create({ host: replica.url, rootKey: replica.rootKey, identity })
      return Actor.createActor<SignerService>(signerIdl, { agent, canisterId: signerId })
    }
    const user = await as(signature)
    // A query, then an update call (and agent-js's read_state of its status), all sent by the chain's principal.
    const { certificate, tree } = Cbor.decode<{ certificate: Uint8Array, tree: HashTree }>(signature)
    assert.deepEqual(Cbor.decode<{ tree: HashTree }>(await user.signature()).tree, tree)
    await user.sign(seed, sha256(utf8('signed as the canister-signature principal')))
    const altered = structuredClone(tree) as unknown as [2, Uint8Array, [2, Uint8Array, [2, Uint8Array, HashTree]]]
    altered[2][2][1] = sha256(utf8('another message'))
    // (An update call: a query would first have agent-js read the subnet's node keys, refused the same way.)
    await assert.rejects((await as(new Uint8Array(Cbor.encode({ certificate, tree: altered })))).sign(seed, sha256(utf8('not signed'))), /canister signature does not hold: .*tree is not the one canister .* certified/)
  })

  describe('through a node', () => {
    let node: TestNode
    let ctx: string
    before(async () => {
      node = await startTestNode({ chains: { icp: { rpc: replica.url } } })
      const app = await node.node.installApplication({ wasm: appWasm('kv-store') })
      ctx = (await node.node.createContext({ applicationId: app.id })).id
    })
    after(async () => { await node?.close() })

    it('an Internet Identity-style delegation identity signs what the node asks; the link is recorded and re-checks', async () => {
      const { root, session, delegation, signature } = await login(randomBytes(32))
      const chain = chainOf(root, delegation, signature)
      const wallet = DelegationIdentity.fromDelegation(session, chain)
      const st = await node.node.walletStatement(ctx, { account: `icp:local:${wallet.getPrincipal().toText()}` })
      const params = st.request.params as { message: string }
      const signed = new Uint8Array(await wallet.sign(utf8(params.message)))
      const link = await node.node.linkWallet(ctx, { nonce: st.nonce, signature: formatIcpProof(chain.toJSON(), signed) })
      assert.equal(link.account, st.account)
      const listed = await node.node.walletLinks(ctx, { recheck: true })
      assert.deepEqual(listed.filter((l) => l.account === st.account).map((l) => l.verifies), [true])
    })
  })
})
