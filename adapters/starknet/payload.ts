// A request's payload as lib.cairo reads it: per request kind, the listed fields as felts
// (u256 as (low, high), roles and capabilities as lib.cairo's numbers), proposal actions as
// (count, then per action: kind, fields), byte strings as (length, 31-byte chunks). Felts
// the contract does not read travel in the Applied event for the nodes: a removal's or a
// leave's frontier, the group-key shares. Encoded by the anchor, decoded by its change feed.
// A `call` action's `data` is its felts as 32-byte big-endian words: the entry point's
// selector, then the calldata; a Starknet call carries no value (a `transfer` sends STRK).
import { InvalidInputError } from '../../src/errors/index.ts'
import type { ChainAction } from '../../src/governance/anchor.ts'
import { CAPABILITIES, type Capability, type ChainProposalAction, type ProposalAction, type Role } from '../../src/governance/types.ts'
import { bigToBytes, bytesToBig, packBytes, u256Felts, unpackBytes } from './felts.ts'
import { P } from './trie.ts'

/** Request kinds (lib.cairo). */
export const KINDS: Record<string, number> = {
  addMember: 0, removeMember: 1, setRole: 2, grant: 3, revoke: 4, updateApplication: 5, invite: 6, revokeInvitation: 7,
  claim: 8, commitClaim: 9, revealClaim: 10, leave: 11, propose: 12, approve: 13, keys: 14
}
const KIND_NAMES = Object.fromEntries(Object.entries(KINDS).map(([k, v]) => [v, k])) as Record<number, string>
const ROLE: Record<Role, bigint> = { admin: 1n, member: 2n, reader: 3n }
const ROLE_NAMES: Record<string, Role> = { 1: 'admin', 2: 'member', 3: 'reader' }
const CAP: Record<Capability, bigint> = { ManageMembers: 1n, ManageApplication: 2n, Proxy: 4n }
const ACTION = { setThreshold: 0n, setActiveLimit: 1n, addAdmin: 2n, removeAdmin: 3n, setValue: 4n, deleteProposal: 5n, call: 6n, transfer: 7n } as const
export const TARGET_IDENTITY = 1n
export const TARGET_OPEN = 2n
/** Largest byte string (a value, a wrapped key share) a payload carries. */
const MAX_BYTES = 64 * 1024
/** Most calldata felts one call action carries (the byte bound, in 32-byte words). */
const MAX_CALL_FELTS = MAX_BYTES / 32

const unsupported = (what: string): never => { throw new InvalidInputError(`the Starknet contract does not take ${what}`) }

function uint (v: number, bits: number, what: string): bigint {
  if (!Number.isSafeInteger(v) || v < 0 || BigInt(v) >> BigInt(bits) !== 0n) throw new InvalidInputError(`${what} must be an integer from 0 to 2^${bits} - 1`)
  return BigInt(v)
}

const id = (b: Uint8Array): bigint[] => {
  if (b.byteLength !== 32) throw new InvalidInputError('ids are 32 bytes')
  return u256Felts(b)
}

const frontier = (heads: Uint8Array[] | undefined): bigint[] => [BigInt(heads?.length ?? 0), ...(heads ?? []).flatMap(id)]

function address (text: string, what: string): bigint {
  const v = /^0x[0-9a-fA-F]{1,64}$/.test(text) ? BigInt(text) : -1n
  if (v <= 0n || v >= P) throw new InvalidInputError(`${what} must be a Starknet address (0x and up to 64 hex digits, below the field prime)`)
  return v
}

function amount (v: bigint): bigint[] {
  if (v < 0n || v >> 256n !== 0n) throw new InvalidInputError('amount must be from 0 to 2^256 - 1 fri')
  return [v & ((1n << 128n) - 1n), v >> 128n]
}

/** A call's (target, selector, calldata length, calldata). */
function call (a: Extract<ChainProposalAction, { type: 'call' }>): bigint[] {
  if ((a.value ?? 0n) !== 0n) throw new InvalidInputError('a Starknet call carries no value: propose a transfer action for STRK')
  const data = a.data ?? new Uint8Array()
  if (data.byteLength === 0 || data.byteLength % 32 !== 0) throw new InvalidInputError('a Starknet call\'s data is its felts as 32-byte words: the entry point selector, then the calldata')
  const felts: bigint[] = []
  for (let i = 0; i < data.byteLength; i += 32) {
    const f = bytesToBig(data.subarray(i, i + 32))
    if (f >= P) throw new InvalidInputError(`the call's felt ${i / 32} is not below the field prime`)
    felts.push(f)
  }
  if (felts.length - 1 > MAX_CALL_FELTS) throw new InvalidInputError(`a call carries at most ${MAX_CALL_FELTS} calldata felts`)
  return [address(a.target, 'target'), felts[0]!, BigInt(felts.length - 1), ...felts.slice(1)]
}

/** The actions felts of a proposal: (count, then per action: kind, fields). */
export function encodeActions (actions: ReadonlyArray<ProposalAction | ChainProposalAction> | ReadonlyArray<{ type: string }>): bigint[] {
  const out = [BigInt(actions.length)]
  for (const a of actions as Array<ProposalAction | ChainProposalAction>) {
    switch (a.type) {
      case 'setThreshold': out.push(ACTION.setThreshold, uint(a.threshold, 32, 'threshold')); break
      case 'setActiveLimit': out.push(ACTION.setActiveLimit, uint(a.limit, 32, 'limit')); break
      case 'addAdmin': out.push(ACTION.addAdmin, ...id(a.identity)); break
      case 'removeAdmin': out.push(ACTION.removeAdmin, ...id(a.identity)); break
      case 'setValue': out.push(ACTION.setValue, ...bytes(a.key), ...bytes(a.value)); break
      case 'deleteProposal': out.push(ACTION.deleteProposal, ...id(a.proposal)); break
      case 'call': out.push(ACTION.call, ...call(a)); break
      case 'transfer': out.push(ACTION.transfer, address(a.to, 'to'), ...amount(a.amount)); break
      default: unsupported(`${(a as { type: string }).type} proposal actions`)
    }
  }
  return out
}

function bytes (b: Uint8Array): bigint[] {
  if (b.byteLength > MAX_BYTES) throw new InvalidInputError(`at most ${MAX_BYTES} bytes`)
  return packBytes(b)
}

/** A request the Starknet contract takes: the shared ones, a proposal also with the chain's call and transfer actions. */
export type StarknetAction =
  | Exclude<ChainAction, { type: 'propose' }>
  | { type: 'propose', proposal: Uint8Array, actions: Array<ProposalAction | ChainProposalAction> }

/** (kind, payload) of `action` for lib.cairo's `execute`. */
export function encodeRequest (action: StarknetAction): { kind: number, payload: bigint[] } {
  const kind = KINDS[action.type]
  if (kind === undefined) return unsupported(`${action.type} requests`)
  const payload = ((): bigint[] => {
    switch (action.type) {
      case 'addMember':
      case 'setRole': return [...id(action.identity), ROLE[action.role] ?? 0n]
      case 'removeMember': return [...id(action.identity), ...frontier(action.frontier)]
      case 'grant':
      case 'revoke': return [...id(action.identity), CAP[action.capability] ?? 0n]
      case 'updateApplication': return id(action.application)
      case 'invite': {
        const inv = action.invitation
        if (inv.condition !== undefined) unsupported('gated invitations (a claim condition)')
        const target = inv.target.type === 'identity' ? [TARGET_IDENTITY, ...id(inv.target.identity)] : inv.target.type === 'open' ? [TARGET_OPEN, ...id(inv.target.key)] : unsupported('wallet-account invitations')
        return [...id(inv.id), ...target, ROLE[inv.role] ?? 0n, uint(inv.expiresAt, 64, 'expiresAt'), uint(inv.maxUses, 32, 'maxUses')]
      }
      case 'revokeInvitation': return id(action.invitation)
      case 'claim':
        if (action.link !== undefined) unsupported('claims with a wallet link')
        return id(action.invitation)
      case 'commitClaim': return [...id(action.invitation), ...id(action.commitment)]
      case 'revealClaim':
        if (action.evidence !== undefined) unsupported('claim evidence')
        if (action.proof.byteLength !== 64) throw new InvalidInputError('a claim proof is a 64-byte ed25519 signature')
        return [...id(action.invitation), ...u256Felts(action.proof.subarray(0, 32)), ...u256Felts(action.proof.subarray(32))]
      case 'leave': return frontier(action.frontier)
      case 'propose': return [...id(action.proposal), ...encodeActions(action.actions)]
      case 'approve': return id(action.proposal)
      case 'keys': return [...id(action.keyId), action.rotate ? 1n : 0n, BigInt(action.shares.length), ...action.shares.flatMap((s) => [...id(s.recipient), ...bytes(s.wrapped)])]
    }
  })()
  return { kind, payload }
}

/** Reads felts front to back; undefined on anything malformed. */
class Felts {
  at = 0
  private readonly f: readonly bigint[]
  constructor (f: readonly bigint[]) { this.f = f }
  felt (): bigint { if (this.at >= this.f.length) throw new Malformed(); return this.f[this.at++]! }
  small (bits = 32): number { const v = this.felt(); if (v >> BigInt(bits) !== 0n) throw new Malformed(); return Number(v) }
  u256 (): bigint { const low = this.felt(); const high = this.felt(); if (low >> 128n !== 0n || high >> 128n !== 0n) throw new Malformed(); return (high << 128n) | low }
  id (): Uint8Array { return bigToBytes(this.u256()) }
  bytes (): Uint8Array {
    const n = this.small(); const words = Math.ceil(n / 31)
    if (this.at + words > this.f.length) throw new Malformed()
    const b = unpackBytes([BigInt(n), ...this.f.slice(this.at, this.at + words)], MAX_BYTES)
    if (b === undefined) throw new Malformed()
    this.at += words
    return b
  }

  role (): Role { const r = ROLE_NAMES[String(this.felt())]; if (r === undefined) throw new Malformed(); return r }
  frontier (): Uint8Array[] | undefined { const n = this.small(16); const out: Uint8Array[] = []; for (let i = 0; i < n; i++) out.push(this.id()); return n === 0 ? undefined : out }
  done (): boolean { return this.at === this.f.length }
}
class Malformed extends Error {}

function decodeActions (r: Felts): Array<ProposalAction | ChainProposalAction> {
  const n = r.small(8)
  const out: Array<ProposalAction | ChainProposalAction> = []
  for (let i = 0; i < n; i++) {
    const kind = r.felt()
    if (kind === ACTION.setThreshold) out.push({ type: 'setThreshold', threshold: r.small() })
    else if (kind === ACTION.setActiveLimit) out.push({ type: 'setActiveLimit', limit: r.small() })
    else if (kind === ACTION.addAdmin) out.push({ type: 'addAdmin', identity: r.id() })
    else if (kind === ACTION.removeAdmin) out.push({ type: 'removeAdmin', identity: r.id() })
    else if (kind === ACTION.setValue) out.push({ type: 'setValue', key: r.bytes(), value: r.bytes() })
    else if (kind === ACTION.deleteProposal) out.push({ type: 'deleteProposal', proposal: r.id() })
    else if (kind === ACTION.transfer) { const to = hex64(r.felt()); out.push({ type: 'transfer', to, amount: r.u256() }) }
    else if (kind === ACTION.call) {
      const target = hex64(r.felt()); const selector = r.felt(); const len = r.small(16)
      if (len > MAX_CALL_FELTS) throw new Malformed()
      const felts = [selector]
      for (let j = 0; j < len; j++) felts.push(r.felt())
      out.push({ type: 'call', target, data: new Uint8Array(felts.flatMap((f) => [...bigToBytes(f)])) })
    } else throw new Malformed()
  }
  return out
}

/** An address as the chain module writes it: 0x and 64 hex digits. */
const hex64 = (v: bigint): string => '0x' + v.toString(16).padStart(64, '0')

/** A proposal's stored actions felts, decoded; undefined when malformed. */
export function actionsOf (felts: readonly bigint[]): Array<ProposalAction | ChainProposalAction> | undefined {
  try { const r = new Felts(felts); const a = decodeActions(r); return r.done() ? a : undefined } catch (err) { if (err instanceof Malformed) return undefined; throw err }
}

/** A byte string of a ValueSet event (length, chunks); undefined when malformed. */
export function bytesOf (felts: readonly bigint[]): Uint8Array | undefined {
  return unpackBytes(felts, MAX_BYTES)
}

/** The action of an Applied event's (kind, payload); undefined when the payload does not decode. */
export function decodeRequest (kind: number, payload: readonly bigint[]): ChainAction | undefined {
  const r = new Felts(payload)
  try {
    const name = KIND_NAMES[kind]
    const action = ((): ChainAction => {
      switch (name) {
        case 'addMember': return { type: 'addMember', identity: r.id(), role: r.role() as 'member' }
        case 'setRole': return { type: 'setRole', identity: r.id(), role: r.role() as 'member' }
        case 'removeMember': { const identity = r.id(); const f = r.frontier(); return { type: 'removeMember', identity, ...(f !== undefined ? { frontier: f } : {}) } }
        case 'grant':
        case 'revoke': {
          const identity = r.id(); const bits = r.felt()
          const capability = CAPABILITIES.find((c) => CAP[c] === bits)
          if (capability === undefined) throw new Malformed()
          return { type: name, identity, capability }
        }
        case 'updateApplication': return { type: 'updateApplication', application: r.id() }
        case 'invite': {
          const invId = r.id(); const tk = r.felt(); const t = r.id(); const role = r.role() as 'member'
          const expiresAt = r.small(53); const maxUses = r.small()
          const target = tk === TARGET_IDENTITY ? { type: 'identity' as const, identity: t } : tk === TARGET_OPEN ? { type: 'open' as const, key: t } : undefined
          if (target === undefined) throw new Malformed()
          return { type: 'invite', invitation: { id: invId, target, role, expiresAt, maxUses } }
        }
        case 'revokeInvitation': return { type: 'revokeInvitation', invitation: r.id() }
        case 'claim': return { type: 'claim', invitation: r.id() }
        case 'commitClaim': return { type: 'commitClaim', invitation: r.id(), commitment: r.id() }
        case 'revealClaim': { const invitation = r.id(); const proof = new Uint8Array([...r.id(), ...r.id()]); return { type: 'revealClaim', invitation, proof } }
        case 'leave': { const f = r.frontier(); return { type: 'leave', ...(f !== undefined ? { frontier: f } : {}) } }
        // The propose request's actions may include the chain's call and transfer.
        case 'propose': return { type: 'propose', proposal: r.id(), actions: decodeActions(r) as ProposalAction[] }
        case 'approve': return { type: 'approve', proposal: r.id() }
        case 'keys': {
          const keyId = r.id(); const rotate = r.felt() !== 0n; const n = r.small(16)
          const shares: Array<{ recipient: Uint8Array, wrapped: Uint8Array }> = []
          for (let i = 0; i < n; i++) shares.push({ recipient: r.id(), wrapped: r.bytes() })
          return { type: 'keys', keyId, rotate, shares }
        }
        default: throw new Malformed()
      }
    })()
    return r.done() ? action : undefined
  } catch (err) {
    if (err instanceof Malformed) return undefined
    throw err
  }
}
