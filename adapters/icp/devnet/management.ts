// The management canister (aaaaa-aa) as far as deploying needs it over HTTP, the way dfx
// and agent-js scripts use a local replica: provisional_create_canister_with_cycles and
// create_canister (empty canisters, the caller or the given controllers in charge),
// install_code in install, reinstall and upgrade mode (with skip_pre_upgrade and
// wasm_memory_persistence; gzipped modules are taken), and update_settings for controllers.
// Only controllers may change a canister. Nothing else of the management API is served.
import { gunzipSync } from 'node:zlib'
import { IDL } from '@dfinity/candid'
import { Principal } from '@dfinity/principal'
import type { Subnet } from './subnet.ts'
import type { Outcome } from './vm.ts'

const Settings = IDL.Record({ controllers: IDL.Opt(IDL.Vec(IDL.Principal)) })
const CreateArgs = IDL.Record({ settings: IDL.Opt(Settings), specified_id: IDL.Opt(IDL.Principal) })
const CreateResult = IDL.Record({ canister_id: IDL.Principal })
const UpgradeOptions = IDL.Record({
  skip_pre_upgrade: IDL.Opt(IDL.Bool),
  wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null }))
})
const InstallArgs = IDL.Record({
  mode: IDL.Variant({ install: IDL.Null, reinstall: IDL.Null, upgrade: IDL.Opt(UpgradeOptions) }),
  canister_id: IDL.Principal,
  wasm_module: IDL.Vec(IDL.Nat8),
  arg: IDL.Vec(IDL.Nat8)
})
const UpdateSettingsArgs = IDL.Record({ canister_id: IDL.Principal, settings: Settings })

interface InstallArgsValue {
  mode: { install: null } | { reinstall: null } | { upgrade: [] | [{ skip_pre_upgrade: [] | [boolean], wasm_memory_persistence: [] | [{ keep: null } | { replace: null }] }] }
  canister_id: Principal
  wasm_module: Uint8Array | number[]
  arg: Uint8Array | number[]
}

const reply = (bytes: ArrayBuffer | Uint8Array): Outcome => ({ status: 'replied', reply: new Uint8Array(bytes), instructions: 0, logs: [] })
const reject = (message: string, errorCode = 'IC0503', rejectCode = 5): Outcome => ({ status: 'rejected', rejectCode, rejectMessage: message, errorCode, instructions: 0, logs: [] })

/** The management canister's answer to `method`; `ecid` is an ingress request's effective canister id (undefined for a canister's call). */
export async function manage (subnet: Subnet, method: string, arg: Uint8Array, caller: Uint8Array, ecid: Uint8Array | undefined): Promise<Outcome> {
  try {
    switch (method) {
      case 'provisional_create_canister_with_cycles':
      case 'create_canister': {
        const [a] = IDL.decode([CreateArgs], arg) as unknown as [{ settings: [] | [{ controllers: [] | [Principal[]] }], specified_id: [] | [Principal] }]
        if (a.specified_id.length > 0) return reject('specified_id is not supported by the devnet', 'IC0504', 4)
        const controllers = a.settings[0]?.controllers[0]?.map((p) => p.toUint8Array()) ?? [caller]
        const c = subnet.create(controllers)
        return reply(IDL.encode([CreateResult], [{ canister_id: Principal.fromUint8Array(c.id) }]))
      }
      case 'install_code': {
        const [a] = IDL.decode([InstallArgs], arg) as unknown as [InstallArgsValue]
        const c = target(subnet, a.canister_id, caller, ecid, method)
        let wasm = new Uint8Array(a.wasm_module)
        if (wasm[0] === 0x1f && wasm[1] === 0x8b) wasm = new Uint8Array(gunzipSync(wasm))
        const initArg = new Uint8Array(a.arg)
        const now = subnet.now()
        if ('upgrade' in a.mode) {
          const opts = a.mode.upgrade[0]
          const persistence = opts?.wasm_memory_persistence[0]
          await c.upgrade(wasm, initArg, caller, now, persistence === undefined ? undefined : 'keep' in persistence, opts?.skip_pre_upgrade[0] === true)
        } else {
          if ('install' in a.mode && c.installed) return reject(`Canister ${c.idText} cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead.`, 'IC0538')
          await c.installCode(wasm, initArg, caller, now)
        }
        subnet.onPrint?.(`install_code ${Object.keys(a.mode)[0]!} on ${c.idText}`)
        return reply(IDL.encode([], []))
      }
      case 'update_settings': {
        const [a] = IDL.decode([UpdateSettingsArgs], arg) as unknown as [{ canister_id: Principal, settings: { controllers: [] | [Principal[]] } }]
        const c = target(subnet, a.canister_id, caller, ecid, method)
        if (a.settings.controllers[0] !== undefined) c.controllers = a.settings.controllers[0].map((p) => p.toUint8Array())
        return reply(IDL.encode([], []))
      }
      default:
        return reject(`the devnet's management canister has no method ${method}`, 'IC0536', 3)
    }
  } catch (e) {
    if (e instanceof Rejection) return reject(e.message, e.errorCode)
    return reject(`${method} failed: ${(e as Error).message}`)
  }
}

class Rejection extends Error {
  readonly errorCode: string
  constructor (message: string, errorCode: string) { super(message); this.errorCode = errorCode }
}

function target (subnet: Subnet, id: Principal, caller: Uint8Array, ecid: Uint8Array | undefined, method: string): NonNullable<ReturnType<Subnet['canister']>> {
  if (ecid !== undefined && !Buffer.from(id.toUint8Array()).equals(Buffer.from(ecid))) throw new Rejection(`the effective canister id ${Principal.fromUint8Array(ecid).toText()} is not ${id.toText()}`, 'IC0512')
  const c = subnet.canister(id.toUint8Array())
  if (c === undefined) throw new Rejection(`Canister ${id.toText()} not found`, 'IC0301')
  if (!c.controllers.some((p) => Buffer.from(p).equals(Buffer.from(caller)))) {
    throw new Rejection(`Only controllers of canister ${id.toText()} can call ic00 method ${method}`, 'IC0512')
  }
  return c
}
