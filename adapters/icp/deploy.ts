// Deploys the context config canister through the management canister (aaaaa-aa), as dfx
// does on a local replica: `provisional_create_canister_with_cycles` makes an empty canister
// controlled by the deployer's principal, and `install_code` installs the Motoko WASM
// (contracts/icp/build/). Upgrades keep the main memory (`wasm_memory_persistence: keep`,
// which Motoko's enhanced orthogonal persistence needs). The provisional create exists on
// local replicas only; on the IC a canister is made with cycles first, and the deploy goes
// into it (`canister`): installed when empty, upgraded when it holds a module, its
// controllers read from a certified read_state first (docs/icp.md).
import { readFileSync } from 'node:fs'
import { Actor, CanisterStatus, HttpAgent, type ActorSubclass, type Identity } from '@dfinity/agent'
import { IDL } from '@dfinity/candid'
import { Principal } from '@dfinity/principal'
import { toHex } from '../../src/crypto/bytes.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { ForbiddenError, InvalidInputError } from '../../src/errors/index.ts'
import { ICP_CANISTER_WASM, ICP_LEDGER_WASM, buildIcpCanister } from '../../scripts/build-icp.ts'
import { DEVNET_LEDGER_GRANT, DEVNET_NETWORK } from './constants.ts'
import type { Replica } from './devnet/index.ts'
import { accountOf, icrc1Idl, type Icrc1Ledger } from './funds.ts'
import { IcpEndpointError } from './errors.ts'
import { idlFactory, type ContextConfigService } from './idl.ts'
import { isCanisterId, isLoopback } from './ids.ts'

export interface IcpDeploymentRecord {
  anchor: 'icp'
  rpc: string
  contract: string
  deployer: string
  network: string
  moduleHash: string
  deployedAt: string
  /** How the module went in: into a new canister, or into an existing one (`--canister`), empty or already running it. */
  mode: 'create' | 'install' | 'upgrade'
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

async function agentFor (host: string, identity: Identity, rootKey: Uint8Array | undefined): Promise<HttpAgent> {
  return await HttpAgent.create({ host, identity, ...(rootKey !== undefined ? { rootKey } : {}), shouldFetchRootKey: rootKey === undefined && isLoopback(host) })
}

async function management (host: string, identity: Identity, rootKey: Uint8Array | undefined, ecid: Principal): Promise<ActorSubclass<Management>> {
  return Actor.createActor<Management>(managementIdl, { agent: await agentFor(host, identity, rootKey), canisterId: 'aaaaa-aa', effectiveCanisterId: ecid })
}

const UPGRADE: Mode = { upgrade: [{ skip_pre_upgrade: [], wasm_memory_persistence: [{ keep: null }] }] }

/**
 * Whether `id` holds a module, from a certified read_state of its controllers and module
 * hash; refuses (changing nothing) when `deployer` is not one of its controllers.
 */
async function existing (host: string, identity: Identity, rootKey: Uint8Array | undefined, id: Principal): Promise<{ installed: boolean }> {
  const status = await CanisterStatus.request({ canisterId: id, agent: await agentFor(host, identity, rootKey), paths: ['controllers', 'module_hash'] })
  const controllers = status.get('controllers') as Principal[] | null | undefined
  if (controllers === null || controllers === undefined) {
    throw new InvalidInputError(`canister ${id.toText()} does not exist on ${host} (its controllers cannot be read)`, { hint: 'make it first (e.g. `dfx canister create` with cycles), or check --rpc' })
  }
  const deployer = identity.getPrincipal().toText()
  if (!controllers.some((c) => c.toText() === deployer)) {
    throw new ForbiddenError(`${deployer} is not a controller of canister ${id.toText()} (its controllers: ${controllers.map((c) => c.toText()).join(', ') || 'none'})`, {
      hint: `deploy with a controller's key, or have one add this identity: dfx canister update-settings --add-controller ${deployer} ${id.toText()}`
    })
  }
  return { installed: status.get('module_hash') !== null && status.get('module_hash') !== undefined }
}

async function built (wasm = ICP_CANISTER_WASM): Promise<Uint8Array> {
  // Quiet: a deploy's stdout may be one line of JSON.
  const problem = await buildIcpCanister(false, { log: () => {} })
  if (problem !== null) throw new IcpEndpointError(`the ICP canister does not build: ${problem}`)
  return new Uint8Array(readFileSync(wasm))
}

/**
 * Deploys the canister: into a new one made with the provisional create (local replicas),
 * or, with `canister`, into that existing canister, which the identity must control
 * (installed when empty, upgraded keeping its state when it holds a module).
 */
export async function deployIcp (init: { host: string, identity: Identity, rootKey?: Uint8Array, canister?: string, onDeploying?: (info: { network: string, deployer: string }) => void }): Promise<IcpDeploymentRecord> {
  if (init.canister !== undefined && !isCanisterId(init.canister)) throw new InvalidInputError(`--canister must be an ICP canister id (e.g. rrkah-fqaaa-aaaaa-aaaaq-cai), not ${init.canister.slice(0, 80)}`)
  const wasm = await built()
  const deployer = init.identity.getPrincipal().toText()
  const network = isLoopback(init.host) ? DEVNET_NETWORK : 'mainnet'
  init.onDeploying?.({ network, deployer })
  const arg = new Uint8Array(IDL.encode([], []))
  try {
    let id: Principal
    let mode: IcpDeploymentRecord['mode']
    if (init.canister === undefined) {
      id = (await (await management(init.host, init.identity, init.rootKey, FIRST_LOCAL_CANISTER)).provisional_create_canister_with_cycles({ amount: [], settings: [] })).canister_id
      mode = 'create'
    } else {
      id = Principal.fromText(init.canister)
      mode = (await existing(init.host, init.identity, init.rootKey, id)).installed ? 'upgrade' : 'install'
    }
    await (await management(init.host, init.identity, init.rootKey, id)).install_code({ mode: mode === 'upgrade' ? UPGRADE : { install: null }, canister_id: id, wasm_module: wasm, arg })
    return { anchor: 'icp', rpc: init.host, contract: id.toText(), deployer, network, moduleHash: toHex(sha256(wasm)), deployedAt: new Date().toISOString(), mode }
  } catch (e) {
    if (e instanceof ForbiddenError || e instanceof InvalidInputError) throw e
    throw new IcpEndpointError(`deploying the ICP canister${init.canister !== undefined ? ` into ${init.canister}` : ''} through ${init.host} from ${deployer} failed: ${(e as Error).message}`, { cause: e })
  }
}

/** Points the canister at the ICRC-1 ledger its contexts' funds are on (its controller only). */
export async function setLedgerIcp (init: { host: string, identity: Identity, rootKey?: Uint8Array, canister: string, ledger: string }): Promise<void> {
  const actor = Actor.createActor<ContextConfigService>(idlFactory, { agent: await agentFor(init.host, init.identity, init.rootKey), canisterId: init.canister })
  try {
    await actor.setLedger(Principal.fromText(init.ledger))
  } catch (e) {
    throw new IcpEndpointError(`setting the ledger of canister ${init.canister} to ${init.ledger} through ${init.host} failed: ${(e as Error).message}`, { cause: e })
  }
}

/** Upgrades the canister to the current build, keeping its state (its controller only). */
export async function upgradeIcp (init: { host: string, identity: Identity, rootKey?: Uint8Array, canister: string }): Promise<void> {
  const wasm = await built()
  const id = Principal.fromText(init.canister)
  try {
    await (await management(init.host, init.identity, init.rootKey, id)).install_code({ mode: UPGRADE, canister_id: id, wasm_module: wasm, arg: new Uint8Array(IDL.encode([], [])) })
  } catch (e) {
    throw new IcpEndpointError(`upgrading canister ${init.canister} through ${init.host} failed: ${(e as Error).message}`, { cause: e })
  }
}

/** Installs the devnet's ICRC-1 ledger (contracts/icp/ledger/), `owner` its controller and granted DEVNET_LEDGER_GRANT; its id. */
export async function launchLedger (replica: Replica, owner: Identity): Promise<string> {
  const id = await replica.installCanister(await built(ICP_LEDGER_WASM), undefined, owner.getPrincipal().toText())
  const ledger = Actor.createActor<Icrc1Ledger>(icrc1Idl, { agent: await agentFor(replica.url, owner, replica.rootKey), canisterId: id })
  await ledger.mint(accountOf(owner.getPrincipal()), DEVNET_LEDGER_GRANT)
  return id
}
