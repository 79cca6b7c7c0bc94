// Deploys the context config canister through the management canister (aaaaa-aa), as dfx
// does on a local replica: `provisional_create_canister_with_cycles` makes an empty canister
// controlled by the deployer's principal, and `install_code` installs the Motoko WASM
// (contracts/icp/build/). Upgrades keep the main memory (`wasm_memory_persistence: keep`,
// which Motoko's enhanced orthogonal persistence needs). The provisional create exists on
// local replicas only; on the IC a canister is made with cycles first (docs/icp.md).
import { readFileSync } from 'node:fs'
import { Actor, HttpAgent, type ActorSubclass, type Identity } from '@dfinity/agent'
import { IDL } from '@dfinity/candid'
import { Principal } from '@dfinity/principal'
import { toHex } from '../../src/crypto/bytes.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { ICP_CANISTER_WASM, buildIcpCanister } from '../../scripts/build-icp.ts'
import { DEVNET_NETWORK } from './constants.ts'
import { IcpEndpointError } from './errors.ts'
import { isLoopback } from './ids.ts'

export interface IcpDeploymentRecord {
  anchor: 'icp'
  rpc: string
  contract: string
  deployer: string
  network: string
  moduleHash: string
  deployedAt: string
  [field: string]: unknown
}

type Mode = { install: null } | { upgrade: [] | [{ skip_pre_upgrade: [] | [boolean], wasm_memory_persistence: [] | [{ keep: null } | { replace: null }] }] }
interface Management {
  provisional_create_canister_with_cycles: (a: { amount: [] | [bigint], settings: [] }) => Promise<{ canister_id: Principal }>
  install_code: (a: { mode: Mode, canister_id: Principal, wasm_module: Uint8Array, arg: Uint8Array }) => Promise<void>
}

const managementIdl: IDL.InterfaceFactory = ({ IDL }) => {
  const settings = IDL.Record({ controllers: IDL.Opt(IDL.Vec(IDL.Principal)) })
  const upgrade = IDL.Record({ skip_pre_upgrade: IDL.Opt(IDL.Bool), wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })) })
  return IDL.Service({
    provisional_create_canister_with_cycles: IDL.Func([IDL.Record({ amount: IDL.Opt(IDL.Nat), settings: IDL.Opt(settings) })], [IDL.Record({ canister_id: IDL.Principal })], []),
    install_code: IDL.Func([IDL.Record({
      mode: IDL.Variant({ install: IDL.Null, upgrade: IDL.Opt(upgrade) }),
      canister_id: IDL.Principal,
      wasm_module: IDL.Vec(IDL.Nat8),
      arg: IDL.Vec(IDL.Nat8)
    })], [], [])
  })
}

/** The first canister id of the usual local subnet range: the effective id of a create. */
const FIRST_LOCAL_CANISTER = Principal.fromUint8Array(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]))

async function management (host: string, identity: Identity, rootKey: Uint8Array | undefined, ecid: Principal): Promise<ActorSubclass<Management>> {
  const agent = await HttpAgent.create({ host, identity, ...(rootKey !== undefined ? { rootKey } : {}), shouldFetchRootKey: rootKey === undefined && isLoopback(host) })
  return Actor.createActor<Management>(managementIdl, { agent, canisterId: 'aaaaa-aa', effectiveCanisterId: ecid })
}

async function canisterWasm (): Promise<Uint8Array> {
  // Quiet: a deploy's stdout may be one line of JSON.
  const problem = await buildIcpCanister(false, { log: () => {} })
  if (problem !== null) throw new IcpEndpointError(`the ICP canister does not build: ${problem}`)
  return new Uint8Array(readFileSync(ICP_CANISTER_WASM))
}

export async function deployIcp (init: { host: string, identity: Identity, rootKey?: Uint8Array, onDeploying?: (info: { network: string, deployer: string }) => void }): Promise<IcpDeploymentRecord> {
  const wasm = await canisterWasm()
  const deployer = init.identity.getPrincipal().toText()
  const network = isLoopback(init.host) ? DEVNET_NETWORK : 'mainnet'
  init.onDeploying?.({ network, deployer })
  try {
    const { canister_id: id } = await (await management(init.host, init.identity, init.rootKey, FIRST_LOCAL_CANISTER)).provisional_create_canister_with_cycles({ amount: [], settings: [] })
    await (await management(init.host, init.identity, init.rootKey, id)).install_code({ mode: { install: null }, canister_id: id, wasm_module: wasm, arg: new Uint8Array(IDL.encode([], [])) })
    return { anchor: 'icp', rpc: init.host, contract: id.toText(), deployer, network, moduleHash: toHex(sha256(wasm)), deployedAt: new Date().toISOString() }
  } catch (e) {
    throw new IcpEndpointError(`deploying the ICP canister through ${init.host} from ${deployer} failed: ${(e as Error).message}`, { cause: e })
  }
}

/** Upgrades the canister to the current build, keeping its state (its controller only). */
export async function upgradeIcp (init: { host: string, identity: Identity, rootKey?: Uint8Array, canister: string }): Promise<void> {
  const wasm = await canisterWasm()
  const id = Principal.fromText(init.canister)
  try {
    await (await management(init.host, init.identity, init.rootKey, id)).install_code({
      mode: { upgrade: [{ skip_pre_upgrade: [], wasm_memory_persistence: [{ keep: null }] }] }, canister_id: id, wasm_module: wasm, arg: new Uint8Array(IDL.encode([], []))
    })
  } catch (e) {
    throw new IcpEndpointError(`upgrading canister ${init.canister} through ${init.host} failed: ${(e as Error).message}`, { cause: e })
  }
}
