// Transfer and call proposals on the ICP devnet, with the real Motoko canister and the
// devnet's ICRC-1 ledger (contracts/icp/ledger/), both real WASM talking inter-canister: a
// context's funds are its own subaccount; a transfer moves ICP only once approvals reach the
// threshold; one beyond the funds, or a forbidden call next to it, fails the proposal with
// nothing moved; a call runs as the canister; a rejected call fails the proposal.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { Actor, HttpAgent, type Identity } from '@dfinity/agent'
import { IDL } from '@dfinity/candid'
import { Ed25519KeyIdentity } from '@dfinity/identity'
import { Principal } from '@dfinity/principal'
import { IcpAnchor } from '../../adapters/icp/anchor.ts'
import { callData } from '../../adapters/icp/encoding.ts'
import { accountOf, fundsSubaccount, icrc1Idl, type Icrc1Ledger } from '../../adapters/icp/funds.ts'
import { idlFactory, type ContextConfigService } from '../../adapters/icp/idl.ts'
import { launchReplica, type Replica } from '../../adapters/icp/devnet/index.ts'
import type { ChainGovernanceView } from '../../src/governance/anchor.ts'
import type { ChainProposalAction, ProposalAction } from '../../src/governance/types.ts'
import { toHex, utf8 } from '../../src/crypto/bytes.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { ICP_CANISTER_WASM, ICP_LEDGER_WASM } from '../../scripts/build-icp.ts'

const FEE = 10_000n

describe('ICP transfer and call proposals', () => {
  let replica: Replica
  let canister: string
  let ledgerId: string
  let anchor: IcpAnchor
  const controller = Ed25519KeyIdentity.generate()
  const actor = async <T>(idl: IDL.InterfaceFactory, id: string, identity: Identity): Promise<T> =>
    Actor.createActor<T>(idl, { agent: await HttpAgent.create({ host: replica.url, rootKey: replica.rootKey, identity }), canisterId: id }) as T

  before(async () => {
    replica = await launchReplica({})
    const owner = controller.getPrincipal().toText()
    canister = await replica.installCanister(new Uint8Array(readFileSync(ICP_CANISTER_WASM)), undefined, owner)
    ledgerId = await replica.installCanister(new Uint8Array(readFileSync(ICP_LEDGER_WASM)), undefined, owner)
    anchor = new IcpAnchor({ host: replica.url, canister, rootKey: replica.rootKey, identity: Ed25519KeyIdentity.generate(), pollIntervalMs: 20 })
  })
  after(async () => {
    await anchor?.close()
    await replica?.close()
  })

  it('only a controller of the canister sets its ledger', async () => {
    const stranger = await actor<ContextConfigService>(idlFactory, canister, Ed25519KeyIdentity.generate())
    await assert.rejects(stranger.setLedger(Principal.fromText(ledgerId)), /only a controller of the canister sets its ledger/)
    const own = await actor<ContextConfigService>(idlFactory, canister, controller)
    await own.setLedger(Principal.fromText(ledgerId))
    assert.equal((await own.ledgerId())[0]?.toText(), ledgerId)
  })

  it('moves funds from the context\'s own account once approved; refuses what it cannot carry out, moving nothing', async () => {
    const ledger = await actor<Icrc1Ledger>(icrc1Idl, ledgerId, controller)
    const admin = generateKeyPair()
    const second = generateKeyPair()
    const { context } = await anchor.createContext({ application: sha256(utf8('funds-app')), creator: admin })
    const account = await anchor.fundsAccount(context)
    assert.equal(account.owner.toText(), canister)
    assert.deepEqual(account.subaccount[0], fundsSubaccount(context))
    await ledger.mint(account, 1_000_000n)
    const recipient = accountOf(Ed25519KeyIdentity.generate().getPrincipal())
    const balances = async (): Promise<[bigint, bigint]> => [await ledger.icrc1_balance_of(account), await ledger.icrc1_balance_of(recipient)]
    const counts: string[] = []

    let n = 0
    const propose = async (signer: typeof admin, actions: Array<ProposalAction | ChainProposalAction>): Promise<Uint8Array> => {
      const proposal = sha256(utf8(`proposal ${n++}`))
      await anchor.submit(context, signer, { type: 'propose', proposal, actions: actions as ProposalAction[] })
      return proposal
    }
    const outcome = (v: ChainGovernanceView, p: Uint8Array): { outcome: string, reason?: string } | undefined => v.history.find((h) => h.proposal === toHex(p))
    const to = recipient.owner.toText()

    // Threshold 1: an admin's proposal is decided at once.
    await propose(admin, [{ type: 'addAdmin', identity: second.publicKey }])

    // A call to the ledger (it could spend every context's funds) fails the proposal before its transfer runs.
    const forbidden = await propose(admin, [{ type: 'transfer', to, amount: 1000n }, { type: 'call', target: ledgerId, data: callData('icrc1_fee', new Uint8Array(IDL.encode([], []))) }])
    assert.match(outcome(await anchor.viewAt(context), forbidden)?.reason ?? '', /^CallFailed: .*may not call the ledger/)
    assert.deepEqual(await balances(), [1_000_000n, 0n])

    // A call runs as the canister: it controls a second ledger and mints on it.
    const other = await replica.installCanister(new Uint8Array(readFileSync(ICP_LEDGER_WASM)), undefined, canister)
    const minted = await propose(admin, [{ type: 'call', target: other, data: callData('mint', new Uint8Array(IDL.encode([IDL.Record({ owner: IDL.Principal, subaccount: IDL.Opt(IDL.Vec(IDL.Nat8)) }), IDL.Nat], [recipient, 5n]))) }])
    counts.push(`mutate (a proposal deciding a call) ${replica.instructions(canister, 'mutate')}`)
    assert.equal(outcome(await anchor.viewAt(context), minted)?.outcome, 'executed')
    assert.equal(await (await actor<Icrc1Ledger>(icrc1Idl, other, controller)).icrc1_balance_of(recipient), 5n)

    // A call the callee rejects (no such canister) fails the proposal with the rejection.
    const missing = Principal.fromUint8Array(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0x70, 1, 1])).toText()
    const rejected = await propose(admin, [{ type: 'call', target: missing, data: callData('anything', new Uint8Array(0)) }, { type: 'setValue', key: utf8('k'), value: utf8('no') }])
    const afterRejected = await anchor.viewAt(context)
    assert.match(outcome(afterRejected, rejected)?.reason ?? '', /^CallFailed: the call to .* reverted \(.*not found/)
    assert.equal(afterRejected.values.length, 0, 'a failed proposal applies none of its actions')

    // Threshold 2: a transfer moves nothing until the second admin approves.
    await propose(admin, [{ type: 'setThreshold', threshold: 2 }])
    const pay = await propose(admin, [{ type: 'transfer', to, amount: 300_000n }, { type: 'setValue', key: utf8('paid'), value: utf8('yes') }])
    const open = await anchor.viewAt(context)
    assert.deepEqual(open.proposals.find((p) => toHex(p.id) === toHex(pay))?.actions[0], { type: 'transfer', to, amount: 300_000n })
    assert.deepEqual(await balances(), [1_000_000n, 0n])
    await anchor.submit(context, second, { type: 'approve', proposal: pay })
    counts.push(`mutate (an approval deciding a transfer) ${replica.instructions(canister, 'mutate')}`)
    const paid = await anchor.viewAt(context)
    assert.equal(outcome(paid, pay)?.outcome, 'executed')
    assert.deepEqual(paid.values.map((v) => Buffer.from(v.value).toString()), ['yes'])
    assert.deepEqual(await balances(), [1_000_000n - 300_000n - FEE, 300_000n])

    // Two transfers that together overdraw the account: the proposal fails, neither moves.
    const over = await propose(admin, [{ type: 'transfer', to, amount: 200_000n }, { type: 'transfer', to, amount: 600_000n }])
    await anchor.submit(context, second, { type: 'approve', proposal: over })
    assert.match(outcome(await anchor.viewAt(context), over)?.reason ?? '', /^TransferFailed: the transfer of 600000 e8s to .* failed \(beyond the context's funds: 480000 e8s left/)
    assert.deepEqual(await balances(), [1_000_000n - 300_000n - FEE, 300_000n])

    counts.push(...['icrc1_transfer', 'icrc1_balance_of', 'icrc1_fee', 'mint'].map((m) => `ledger ${m} ${replica.instructions(ledgerId, m)}`), `fundsAccount ${replica.instructions(canister, 'fundsAccount')}`)
    console.log(`instructions (last execution): ${counts.join(', ')}`)
  })
})
