// SNIP-12 wallet links on the devnet: a valid one is accepted through the account's
// is_valid_signature; a forged one, one signed for another domain and one for another chain are refused.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Account, RpcProvider, type TypedData } from 'starknet'
import { StarknetWalletVerifier, formatStarknetProof, linkTypedData } from '../../adapters/starknet/wallet/verifier.ts'
import { serveDevnet, type ServedDevnet } from '../../adapters/starknet/devnet/index.ts'
import type { WalletLink } from '../../src/chain/module.ts'

describe('starknet wallet links (SNIP-12 revision 1)', () => {
  let d: ServedDevnet
  let v: StarknetWalletVerifier
  let account: Account
  let forger: Account
  let caip: string
  const statement = (acc: string): WalletLink['statement'] => ({ domain: 'node.example', account: acc, context: 'aa'.repeat(32), identity: 'bb'.repeat(32), nonce: 'n1', issuedAt: '2026-01-01T00:00:00Z', expiry: '2027-01-01T00:00:00Z' })
  const link = async (signer: Account, td: TypedData): Promise<WalletLink> => {
    const sig = await signer.signMessage(td) as unknown as string[] | { r: bigint, s: bigint }
    const signature = Array.isArray(sig) ? sig.map((x) => '0x' + BigInt(x).toString(16)) : ['0x' + sig.r.toString(16), '0x' + sig.s.toString(16)]
    return { account: caip, context: new Uint8Array(32), identity: new Uint8Array(32), statement: statement(caip), proof: formatStarknetProof(signature) }
  }
  before(async () => {
    d = await serveDevnet()
    const provider = new RpcProvider({ nodeUrl: d.url })
    account = new Account({ provider, address: d.accounts[0]!.address, signer: d.accounts[0]!.privateKey, cairoVersion: '1' })
    forger = new Account({ provider, address: d.accounts[0]!.address, signer: d.accounts[1]!.privateKey, cairoVersion: '1' })
    caip = `starknet:SN_MOORAGE_DEVNET:${d.accounts[0]!.address}`
    v = new StarknetWalletVerifier({ rpcUrl: d.url })
  })
  after(async () => { await d.close() })

  it('a valid link is accepted', async () => {
    assert.deepEqual(await v.verify(await link(account, linkTypedData('SN_MOORAGE_DEVNET', statement(caip)))), { account: caip })
  })
  it('a forged signature is refused', async () => {
    await assert.rejects(v.verify(await link(forger, linkTypedData('SN_MOORAGE_DEVNET', statement(caip)))), { name: 'WalletLinkRefusedError' })
  })
  it('a signature for another domain is refused', async () => {
    const td = linkTypedData('SN_MOORAGE_DEVNET', statement(caip))
    await assert.rejects(v.verify(await link(account, { ...td, domain: { ...td.domain, name: 'Other' } })), { name: 'WalletLinkRefusedError' })
  })
  it('a signature for another chain is refused, and an account on another chain too', async () => {
    await assert.rejects(v.verify(await link(account, linkTypedData('SN_MAIN', statement(caip)))), { name: 'WalletLinkRefusedError' })
    const l = await link(account, linkTypedData('SN_MAIN', statement(caip)))
    l.account = `starknet:SN_MAIN:${d.accounts[0]!.address}`
    await assert.rejects(v.verify(l), /RPC is on SN_MOORAGE_DEVNET/)
  })
})
