// Deploying to the ICP devnet over HTTP through the management canister (aaaaa-aa), as a
// deploy script with agent-js does: create an empty canister, install code, call it,
// upgrade with and without the memory-persistence option Motoko needs, and the refusals
// for callers that are not controllers.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Actor, HttpAgent, type ActorSubclass, type Identity } from '@dfinity/agent'
import { IDL } from '@dfinity/candid'
import { Ed25519KeyIdentity } from '@dfinity/identity'
import { Principal } from '@dfinity/principal'
import { launchReplica, type Replica } from '../../adapters/icp/devnet/index.ts'
import { compileFixture } from '../fixtures/icp/compile.ts'

const managementIdl: IDL.InterfaceFactory = ({ IDL }) => {
  const settings = IDL.Record({ controllers: IDL.Opt(IDL.Vec(IDL.Principal)) })
  const upgrade = IDL.Record({ skip_pre_upgrade: IDL.Opt(IDL.Bool), wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })) })
  return IDL.Service({
    provisional_create_canister_with_cycles: IDL.Func([IDL.Record({ amount: IDL.Opt(IDL.Nat), settings: IDL.Opt(settings) })], [IDL.Record({ canister_id: IDL.Principal })], []),
    install_code: IDL.Func([IDL.Record({
      mode: IDL.Variant({ install: IDL.Null, reinstall: IDL.Null, upgrade: IDL.Opt(upgrade) }),
      canister_id: IDL.Principal,
      wasm_module: IDL.Vec(IDL.Nat8),
      arg: IDL.Vec(IDL.Nat8)
    })], [], [])
  })
}
type Mode = { install: null } | { reinstall: null } | { upgrade: [] | [{ skip_pre_upgrade: [] | [boolean], wasm_memory_persistence: [] | [{ keep: null } | { replace: null }] }] }
interface Management {
  provisional_create_canister_with_cycles: (a: { amount: [] | [bigint], settings: [] }) => Promise<{ canister_id: Principal }>
  install_code: (a: { mode: Mode, canister_id: Principal, wasm_module: Uint8Array, arg: Uint8Array }) => Promise<void>
}
const counterIdl: IDL.InterfaceFactory = ({ IDL }) => IDL.Service({ inc: IDL.Func([], [IDL.Nat], []), greet: IDL.Func([IDL.Text], [IDL.Text], ['query']) })

describe('ICP devnet management canister through agent-js', () => {
  let replica: Replica
  let wasm: Uint8Array
  const owner = Ed25519KeyIdentity.generate()
  const agentFor = async (identity: Identity): Promise<HttpAgent> => await HttpAgent.create({ host: replica.url, rootKey: replica.rootKey, identity, retryTimes: 0 })
  const management = async (identity: Identity, ecid: Principal): Promise<ActorSubclass<Management>> =>
    Actor.createActor<Management>(managementIdl, { agent: await agentFor(identity), canisterId: 'aaaaa-aa', effectiveCanisterId: ecid })

  before(async () => {
    wasm = compileFixture('counter.mo')
    replica = await launchReplica({})
  })
  after(async () => { await replica.close() })

  it('creates, installs, upgrades with keep and refuses the rest', async () => {
    // Any canister id on the subnet will do as the effective id of a create.
    const anyOnSubnet = Principal.fromUint8Array(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]))
    const { canister_id: id } = await (await management(owner, anyOnSubnet)).provisional_create_canister_with_cycles({ amount: [], settings: [] })
    const mgmt = await management(owner, id)
    const counter = Actor.createActor<{ inc: () => Promise<bigint>, greet: (n: string) => Promise<string> }>(counterIdl, { agent: await agentFor(owner), canisterId: id })
    await assert.rejects(counter.inc(), /empty/)
    await mgmt.install_code({ mode: { install: null }, canister_id: id, wasm_module: wasm, arg: IDL.encode([], []) })
    assert.equal(await counter.inc(), 1n)
    await assert.rejects(mgmt.install_code({ mode: { install: null }, canister_id: id, wasm_module: wasm, arg: IDL.encode([], []) }), /not empty/)
    const v2 = compileFixture('counter.mo', { '"Hello, "': '"Hi, "' })
    await assert.rejects(mgmt.install_code({ mode: { upgrade: [] }, canister_id: id, wasm_module: v2, arg: IDL.encode([], []) }), /wasm_memory_persistence/)
    assert.equal(await counter.greet('a'), 'Hello, a!')
    await mgmt.install_code({ mode: { upgrade: [{ skip_pre_upgrade: [], wasm_memory_persistence: [{ keep: null }] }] }, canister_id: id, wasm_module: v2, arg: IDL.encode([], []) })
    assert.equal(await counter.greet('a'), 'Hi, a!')
    assert.equal(await counter.inc(), 2n)
    const stranger = await management(Ed25519KeyIdentity.generate(), id)
    await assert.rejects(stranger.install_code({ mode: { reinstall: null }, canister_id: id, wasm_module: wasm, arg: IDL.encode([], []) }), /Only controllers/)
    assert.equal(await counter.inc(), 3n)
    await mgmt.install_code({ mode: { reinstall: null }, canister_id: id, wasm_module: wasm, arg: IDL.encode([], []) })
    assert.equal(await counter.inc(), 1n)
  })
})
