// Gas used per operation of the Ethereum anchor, measured on the in-process devnet (EDR,
// the hardfork the contracts target) from transaction receipts: the whole transaction,
// 21,000 base and calldata included. Run with `npm run gas`; prints a JSON document
// (also written to bench-results/ethereum-gas.json) and a table.
import { randomBytes } from 'node:crypto'
import { BrowserProvider, ContractFactory, Wallet, hexlify, parseEther } from 'ethers'
import { EthereumAnchor } from '../adapters/ethereum/anchor.ts'
import { loadArtifacts } from '../adapters/ethereum/artifacts.ts'
import { DEVNET_RELAYER_KEY, EVM_VERSION } from '../adapters/ethereum/constants.ts'
import { deployContracts } from '../adapters/ethereum/deploy.ts'
import { startDevnet } from '../adapters/ethereum/devnet/index.ts'
import { generateKeyPair, keyPairFromSeed, sign } from '../src/crypto/ed25519.ts'
import { sha256 } from '../src/crypto/hash.ts'
import { claimCommitment, claimMessage } from '../src/governance/acl.ts'
import type { Receipt } from '../src/governance/anchor.ts'
import { newGroupKey, shareAction } from '../src/governance/group-keys.ts'
import { report, type Figure } from './bench/report.ts'

const RELAYER = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
const id = (): Uint8Array => new Uint8Array(randomBytes(32))

async function main (): Promise<void> {
  const devnet = await startDevnet()
  const provider = new BrowserProvider(devnet.provider, undefined, { cacheTimeout: -1 })
  const figures: Figure[] = []
  const gasOf = async (hash: string): Promise<number> => Number((await provider.getTransactionReceipt(hash))!.gasUsed)
  const record = async (name: string, r: Receipt | Promise<Receipt>, notes?: string): Promise<void> => {
    figures.push({ name, value: await gasOf((await r).id), unit: 'gas', ...(notes !== undefined ? { notes } : {}) })
  }
  try {
    const deployment = await deployContracts(new Wallet(DEVNET_RELAYER_KEY, provider))
    figures.push({ name: 'deploy (config + verifier + proxy implementation)', value: Number(deployment.gasUsed), unit: 'gas' })

    // The verifier alone, by estimate (a call, not a transaction of the contracts).
    const artifacts = await loadArtifacts()
    const verifier = await new ContractFactory(artifacts.Ed25519Verifier.abi as never[], artifacts.Ed25519Verifier.bytecode, new Wallet(DEVNET_RELAYER_KEY, provider)).deploy()
    await verifier.waitForDeployment()
    const k = generateKeyPair()
    const msg = new Uint8Array(119)
    const sig = sign(k.secretKey, msg)
    const est = await verifier.getFunction('verify').estimateGas(hexlify(k.publicKey), hexlify(sig.subarray(0, 32)), hexlify(sig.subarray(32)), hexlify(msg))
    figures.push({ name: 'Ed25519 verify (119-byte message)', value: Number(est) - 21_000, unit: 'gas', notes: 'estimate minus the 21,000 base; calldata included' })

    const anchor = new EthereumAnchor({ rpc: devnet.provider, contract: deployment.contextConfig, relayer: RELAYER, pollIntervalMs: 20 })
    const admin = generateKeyPair()
    const created = await anchor.createContext({ application: id(), creator: admin })
    const ctx = created.context
    await record('createContext', created.receipt, 'verifies the creator\'s ed25519 key binding; clones the proxy')
    const m = generateKeyPair()
    await record('addMember', anchor.submit(ctx, admin, { type: 'addMember', identity: m.publicKey, role: 'member' }))
    await record('setRole', anchor.submit(ctx, admin, { type: 'setRole', identity: m.publicKey, role: 'reader' }))
    await record('grant', anchor.submit(ctx, admin, { type: 'grant', identity: m.publicKey, capability: 'ManageMembers' }))
    await record('revoke', anchor.submit(ctx, admin, { type: 'revoke', identity: m.publicKey, capability: 'ManageMembers' }))
    await record('updateApplication', anchor.submit(ctx, admin, { type: 'updateApplication', application: id() }))
    const group = newGroupKey(ctx, [admin.publicKey, m.publicKey, generateKeyPair().publicKey])
    const wrapped = group.action.shares[0]!.wrapped.byteLength
    await record('keys (rotation, 3 recipients)', anchor.submit(ctx, admin, group.action), `${wrapped}-byte wrapped shares (shareAction); not stored, read back from the Applied event`)
    await record('keys (re-share, 1 recipient)', anchor.submit(ctx, admin, shareAction(ctx, group.key, [generateKeyPair().publicKey], false)), `${wrapped}-byte wrapped share`)
    const now = Number((await provider.getBlock('latest'))!.timestamp) * 1000
    const bob = generateKeyPair()
    const inv = id()
    await record('invite (identity-bound)', anchor.submit(ctx, admin, { type: 'invite', invitation: { id: inv, target: { type: 'identity', identity: bob.publicKey }, role: 'member', expiresAt: now + 3_600_000, maxUses: 1 } }))
    await record('claim (first request: binds the key)', anchor.submit(ctx, bob, { type: 'claim', invitation: inv }), 'includes one on-chain ed25519 verification')
    const secret = new Uint8Array(randomBytes(32))
    const invKey = keyPairFromSeed(sha256(secret))
    const open = id()
    await record('invite (open)', anchor.submit(ctx, admin, { type: 'invite', invitation: { id: open, target: { type: 'open', key: invKey.publicKey }, role: 'member', expiresAt: now + 3_600_000, maxUses: 5 } }))
    const carol = generateKeyPair()
    const proof = sign(invKey.secretKey, claimMessage(ctx, open, carol.publicKey))
    await record('commitClaim (first request: binds the key)', anchor.submit(ctx, carol, { type: 'commitClaim', invitation: open, commitment: claimCommitment(open, carol.publicKey, proof) }), 'includes one on-chain ed25519 verification')
    await record('revealClaim', anchor.submit(ctx, carol, { type: 'revealClaim', invitation: open, proof }), 'verifies the invitation key\'s ed25519 proof')
    await record('revokeInvitation', anchor.submit(ctx, admin, { type: 'revokeInvitation', invitation: open }))
    await record('removeMember', anchor.submit(ctx, admin, { type: 'removeMember', identity: m.publicKey }))
    await record('leave', anchor.submit(ctx, carol, { type: 'leave' }))
    await record('propose setValue (threshold 1: executes)', anchor.submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'setValue', key: new TextEncoder().encode('topic'), value: new TextEncoder().encode('launch') }] }))
    const b = generateKeyPair()
    await record('propose addAdmin + setThreshold 2 (executes)', anchor.submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'addAdmin', identity: b.publicKey }, { type: 'setThreshold', threshold: 2 }] }))
    const p = id()
    await record('propose setValue (pending, first request of an admin)', anchor.submit(ctx, b, { type: 'propose', proposal: p, actions: [{ type: 'setValue', key: new TextEncoder().encode('topic'), value: new TextEncoder().encode('ship') }] }), 'includes one on-chain ed25519 verification')
    await record('approve (reaches the threshold: executes)', anchor.submit(ctx, admin, { type: 'approve', proposal: p }))
    const q = id()
    await record('propose setValue (pending)', anchor.submit(ctx, admin, { type: 'propose', proposal: q, actions: [{ type: 'setValue', key: new TextEncoder().encode('k'), value: new TextEncoder().encode('v') }] }))
    await record('approve (executes)', anchor.submit(ctx, b, { type: 'approve', proposal: q }))
    const proxy = await anchor.proxyOf(ctx)
    await (await new Wallet(DEVNET_RELAYER_KEY, provider).sendTransaction({ to: proxy, value: parseEther('1') })).wait()
    const t = id()
    await anchor.submit(ctx, admin, { type: 'propose', proposal: t, actions: [{ type: 'transfer', to: Wallet.createRandom().address, amount: parseEther('0.5') }] })
    await record('approve a native transfer (executes)', anchor.submit(ctx, b, { type: 'approve', proposal: t }))
    await anchor.close()
    report('ethereum-gas', figures, { evm: EVM_VERSION, solc: deployment.solc, note: 'gasUsed of whole transactions (21,000 base and calldata included) unless noted' })
  } finally {
    await devnet.close()
  }
}

main().catch((err: Error) => {
  process.stderr.write(`error: ${err.stack ?? err.message}\n`)
  process.exitCode = 1
})
