// Wallet links through a node for the chains whose wallets do not sign plain text: the
// statement's `request` is the wallet call (NEP-413 signMessage, SNIP-12 typed data) made
// as a wallet makes it, its answer written as `request.answer` says, submitted to the node,
// listed by it and re-checked against the chain. A proof in another form is refused.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Account as NearAccount, JsonRpcProvider, KeyPair, KeyPairSigner, type KeyPairString } from 'near-api-js'
import { signMessage } from 'near-api-js/nep413'
import { Account as StarkAccount, RpcProvider, type TypedData } from 'starknet'
import { startNearDevnet, type NearDevnet } from '../../adapters/near/devnet/index.ts'
import { serveDevnet, type ServedDevnet } from '../../adapters/starknet/devnet/index.ts'
import { WalletLinkRefusedError } from '../../src/wallets/index.ts'
import { appWasm, startTestNode, type TestNode } from '../helpers/node.ts'

const NEAR = 10n ** 24n

describe('NEAR and Starknet wallet links through a node', () => {
  let near: NearDevnet
  let stark: ServedDevnet
  let node: TestNode
  let ctx: string

  before(async () => {
    ;[near, stark] = await Promise.all([startNearDevnet({ port: 0 }), serveDevnet()])
    node = await startTestNode({ chains: { near: { rpc: near.url }, starknet: { rpc: stark.url } } })
    const app = await node.node.installApplication({ wasm: appWasm('kv-store') })
    ctx = (await node.node.createContext({ applicationId: app.id })).id
  })
  after(async () => {
    await node?.close()
    await Promise.all([near?.close(), stark?.close()])
  })

  it('a NEAR account signs the signMessage call the node asks for; the link is recorded and re-checks', async () => {
    const provider = new JsonRpcProvider({ url: near.url })
    const root = new NearAccount(near.account, provider, KeyPairSigner.fromSecretKey(near.key as KeyPairString))
    const key = KeyPair.fromRandom('ed25519')
    const accountId = `bob.${near.account}`
    await root.createAccount({ newAccountId: accountId, publicKey: key.getPublicKey(), nearToTransfer: 5n * NEAR })
    const st = await node.node.walletStatement(ctx, { account: `near:${near.chainId}:${accountId}` })
    assert.equal(st.request.method, 'signMessage')
    const params = st.request.params as { message: string, recipient: string, nonce: string }
    assert.equal(params.message, st.message)
    // What a wallet does with the call: sign the NEP-413 payload it names.
    const signed = await signMessage({
      signerAccount: new NearAccount(accountId, provider, new KeyPairSigner(key)),
      payload: { message: params.message, recipient: params.recipient, nonce: new Uint8Array(Buffer.from(params.nonce, 'base64')) }
    })
    const signature = `${signed.publicKey.toString()}:${Buffer.from(signed.signature).toString('base64')}`
    const link = await node.node.linkWallet(ctx, { nonce: st.nonce, signature })
    assert.equal(link.account, st.account)
    const listed = await node.node.walletLinks(ctx, { recheck: true })
    assert.deepEqual(listed.filter((l) => l.account === st.account).map((l) => l.verifies), [true])
  })

  it('a Starknet account signs the typed data the node asks for; a proof in another form is refused', async () => {
    const provider = new RpcProvider({ nodeUrl: stark.url })
    const acc = stark.accounts[0]!
    const signer = new StarkAccount({ provider, address: acc.address, signer: acc.privateKey, cairoVersion: '1' })
    const chain = 'SN_MOORAGE_DEVNET'
    const account = `starknet:${chain}:${acc.address}`
    const sign = async (): Promise<{ nonce: string, felts: string[] }> => {
      const st = await node.node.walletStatement(ctx, { account })
      assert.equal(st.request.method, 'wallet_signTypedData')
      const sig = await signer.signMessage(st.request.params as TypedData) as unknown as string[] | { r: bigint, s: bigint }
      const felts = Array.isArray(sig) ? sig.map((x) => '0x' + BigInt(x).toString(16)) : ['0x' + sig.r.toString(16), '0x' + sig.s.toString(16)]
      return { nonce: st.nonce, felts }
    }
    const bad = await sign()
    await assert.rejects(node.node.linkWallet(ctx, { nonce: bad.nonce, signature: JSON.stringify({ signature: bad.felts }) }),
      (e: unknown) => e instanceof WalletLinkRefusedError && e.code === 'BadWalletSignature' && /joined by commas/.test(e.message))
    const good = await sign()
    const link = await node.node.linkWallet(ctx, { nonce: good.nonce, signature: good.felts.join(',') })
    assert.equal(link.account.toLowerCase(), account.toLowerCase())
    const listed = await node.node.walletLinks(ctx, { recheck: true })
    assert.deepEqual(listed.filter((l) => l.account === link.account).map((l) => l.verifies), [true])
  })
})
