// Gas per operation of the NEAR anchor, measured on the NEAR devnet (the real contract WASM,
// gas charged per the devnet's fee schedule, adapters/near/devnet/fees.ts) from transaction
// outcomes: the transaction's conversion plus every receipt of its tree (the `mutate` call,
// promises, callbacks and gas refunds), in Tgas. Run with `node scripts/gas-near.ts`;
// prints a JSON document (also written to bench-results/near-gas.json) and a table.
import { randomBytes } from 'node:crypto'
import { Account, JsonRpcProvider, KeyPairSigner, type KeyPairString } from 'near-api-js'
import { NearAnchor } from '../adapters/near/anchor.ts'
import { deployNear } from '../adapters/near/deploy.ts'
import { startNearDevnet } from '../adapters/near/devnet/index.ts'
import { toHex } from '../src/crypto/bytes.ts'
import { generateKeyPair, keyPairFromSeed, sign } from '../src/crypto/ed25519.ts'
import { sha256 } from '../src/crypto/hash.ts'
import { claimCommitment, claimMessage } from '../src/governance/acl.ts'
import type { Receipt } from '../src/governance/anchor.ts'
import { newGroupKey, shareAction } from '../src/governance/group-keys.ts'
import { report, type Figure } from './bench/report.ts'

const NEAR = 10n ** 24n
const TGAS = 10n ** 12n
const id = (): Uint8Array => new Uint8Array(randomBytes(32))

interface Outcome { outcome: { gas_burnt: number } }

async function main (): Promise<void> {
  const devnet = await startNearDevnet({ port: 0 })
  const provider = new JsonRpcProvider({ url: devnet.url })
  const figures: Figure[] = []
  const tgasOf = async (hash: string): Promise<number> => {
    const s = await provider.sendJsonRpc('EXPERIMENTAL_tx_status', { tx_hash: hash, sender_account_id: devnet.account, wait_until: 'FINAL' } as never) as { transaction_outcome: Outcome, receipts_outcome: Outcome[] }
    const burnt = [s.transaction_outcome, ...s.receipts_outcome].reduce((n, o) => n + BigInt(o.outcome.gas_burnt), 0n)
    return Number(burnt) / 1e12
  }
  const record = async (name: string, r: Receipt | Promise<Receipt>, notes?: string): Promise<void> => {
    figures.push({ name, value: await tgasOf((await r).id), unit: 'Tgas', ...(notes !== undefined ? { notes } : {}) })
  }
  try {
    const deployment = await deployNear({ rpc: devnet.url, account: devnet.account, key: devnet.key, name: 'config', funding: 10n * NEAR })
    figures.push({ name: 'deploy (create account, deploy WASM, new)', value: await tgasOf(deployment.transaction), unit: 'Tgas' })
    const anchor = new NearAnchor({ rpc: devnet.url, contract: deployment.contract, relayer: { account: devnet.account, key: devnet.key }, pollIntervalMs: 20 })
    const admin = generateKeyPair()
    const created = await anchor.createContext({ application: id(), creator: admin })
    const ctx = created.context
    await record('createContext', created.receipt, 'one ed25519_verify of the creator\'s request')
    const m = generateKeyPair()
    await record('addMember', anchor.submit(ctx, admin, { type: 'addMember', identity: m.publicKey, role: 'member' }))
    await record('setRole', anchor.submit(ctx, admin, { type: 'setRole', identity: m.publicKey, role: 'reader' }))
    await record('grant', anchor.submit(ctx, admin, { type: 'grant', identity: m.publicKey, capability: 'ManageMembers' }))
    await record('revoke', anchor.submit(ctx, admin, { type: 'revoke', identity: m.publicKey, capability: 'ManageMembers' }))
    await record('updateApplication', anchor.submit(ctx, admin, { type: 'updateApplication', application: id() }))
    const group = newGroupKey(ctx, [admin.publicKey, m.publicKey, generateKeyPair().publicKey])
    await record('keys (rotation, 3 recipients)', anchor.submit(ctx, admin, group.action), 'wrapped shares logged, not stored')
    await record('keys (re-share, 1 recipient)', anchor.submit(ctx, admin, shareAction(ctx, group.key, [generateKeyPair().publicKey], false)))
    const now = Number(devnet.chain.head.timestampNs / 1_000_000n)
    const bob = generateKeyPair()
    const inv = id()
    await record('invite (identity-bound)', anchor.submit(ctx, admin, { type: 'invite', invitation: { id: inv, target: { type: 'identity', identity: bob.publicKey }, role: 'member', expiresAt: now + 3_600_000, maxUses: 1 } }))
    await record('claim', anchor.submit(ctx, bob, { type: 'claim', invitation: inv }))
    const invKey = keyPairFromSeed(sha256(new Uint8Array(randomBytes(32))))
    const open = id()
    await record('invite (open)', anchor.submit(ctx, admin, { type: 'invite', invitation: { id: open, target: { type: 'open', key: invKey.publicKey }, role: 'member', expiresAt: now + 3_600_000, maxUses: 5 } }))
    const carol = generateKeyPair()
    const proof = sign(invKey.secretKey, claimMessage(ctx, open, carol.publicKey))
    await record('commitClaim', anchor.submit(ctx, carol, { type: 'commitClaim', invitation: open, commitment: claimCommitment(open, carol.publicKey, proof) }))
    await record('revealClaim', anchor.submit(ctx, carol, { type: 'revealClaim', invitation: open, proof }), 'two ed25519_verify (request, invitation proof)')
    await record('revokeInvitation', anchor.submit(ctx, admin, { type: 'revokeInvitation', invitation: open }))
    await record('removeMember', anchor.submit(ctx, admin, { type: 'removeMember', identity: m.publicKey }))
    await record('leave', anchor.submit(ctx, carol, { type: 'leave' }))
    const text = (s: string): Uint8Array => new TextEncoder().encode(s)
    await record('propose setValue (threshold 1: executes)', anchor.submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'setValue', key: text('topic'), value: text('launch') }] }))
    const b = generateKeyPair()
    await record('propose addAdmin + setThreshold 2 (executes)', anchor.submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'addAdmin', identity: b.publicKey }, { type: 'setThreshold', threshold: 2 }] }))
    const p = id()
    await record('propose setValue (pending)', anchor.submit(ctx, b, { type: 'propose', proposal: p, actions: [{ type: 'setValue', key: text('topic'), value: text('ship') }] }))
    await record('approve (reaches the threshold: executes)', anchor.submit(ctx, admin, { type: 'approve', proposal: p }))
    const root = new Account(devnet.account, provider, KeyPairSigner.fromSecretKey(devnet.key as KeyPairString))
    await root.callFunction({ contractId: deployment.contract, methodName: 'fund', args: { context: toHex(ctx) }, gas: 30n * TGAS, deposit: 2n * NEAR, waitUntil: 'FINAL' })
    const t = id()
    await anchor.submit(ctx, admin, { type: 'propose', proposal: t, actions: [{ type: 'transfer', to: devnet.account, amount: NEAR }] as never })
    await record('approve a native transfer (executes: promise + callback)', anchor.submit(ctx, b, { type: 'approve', proposal: t }), 'the transfer and the on_promise callback run in later blocks')
    await anchor.close()
    report('near-gas', figures, { note: 'gas burnt by the whole transaction tree (conversion, receipts, refunds), in Tgas, on the devnet\'s fee schedule' })
  } finally {
    await devnet.close()
  }
}

main().catch((err: Error) => {
  process.stderr.write(`error: ${err.stack ?? err.message}\n`)
  process.exitCode = 1
})
