// Governance actions as the canister's Candid `Action` (adapters/icp/idl.ts), and back:
// the revision log carries each accepted request's Candid bytes, which the change feed
// decodes with `decodeAction`. What the canister does not carry (wallet-account
// invitations, claim conditions, calls that send value) is refused here, before signing.
//
// A `call` action's `data` is the method name (UTF-8), a 0 byte, then the Candid argument
// (docs/icp.md#funds-transfers-and-calls); a `transfer` pays e8s to a principal's default account.
import { Principal } from '@dfinity/principal'
import { GovernanceRejectedError, type ChainAction } from '../../src/governance/anchor.ts'
import type { Capability, ChainProposalAction, InvitationSpec, ProposalAction, Role } from '../../src/governance/types.ts'
import type { Variant } from './idl.ts'

type Candid = Record<string, unknown>

const tag = (name: string): Variant => ({ [name]: null })
const only = (v: Variant): [string, unknown] => Object.entries(v)[0]!
const opt = <T>(v: T | undefined): [] | [T] => v === undefined ? [] : [v]

function refuse (code: 'InvitationTarget' | 'UnknownProposalAction' | 'Other', message: string): never {
  throw new GovernanceRejectedError(message, { code })
}

const MAX_METHOD = 256

/** A call's `data` as (method, Candid argument). */
export function splitCallData (data: Uint8Array | undefined): { method: string, arg: Uint8Array } {
  const cut = data?.indexOf(0) ?? -1
  if (data === undefined || cut < 1 || cut > MAX_METHOD) refuse('Other', 'an ICP call\'s data is the method name (1 to 256 bytes of UTF-8), a 0 byte, then the Candid argument')
  let method: string
  try {
    method = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(0, cut))
  } catch {
    return refuse('Other', 'an ICP call\'s method name is not UTF-8')
  }
  return { method, arg: data.subarray(cut + 1) }
}

/** A call's `data` from its method and Candid argument (inverse of splitCallData). */
export function callData (method: string, arg: Uint8Array): Uint8Array {
  const name = new TextEncoder().encode(method)
  const out = new Uint8Array(name.length + 1 + arg.length)
  out.set(name)
  out.set(arg, name.length + 1)
  return out
}

function principal (text: string, what: string): Principal {
  try {
    return Principal.fromText(text)
  } catch {
    return refuse('Other', `${what} must be a principal (e.g. aaaaa-aa), not ${text.slice(0, 80)}`)
  }
}

function proposalAction (a: ProposalAction | ChainProposalAction | { type: string }): Variant {
  const p = a as ProposalAction | ChainProposalAction
  switch (p.type) {
    case 'setThreshold': return { setThreshold: { threshold: p.threshold } }
    case 'setActiveLimit': return { setActiveLimit: { limit: p.limit } }
    case 'addAdmin': return { addAdmin: { identity: p.identity } }
    case 'removeAdmin': return { removeAdmin: { identity: p.identity } }
    case 'setValue': return { setValue: { key: p.key, value: p.value } }
    case 'deleteProposal': return { deleteProposal: { proposal: p.proposal } }
    case 'transfer': return { transfer: { to: principal(p.to, 'a transfer\'s recipient'), amount: p.amount } }
    case 'call':
      if (p.value !== undefined && p.value !== 0n) refuse('Other', 'an ICP call sends no value (no cycles or ICP): send ICP with a transfer action')
      return { call: { target: principal(p.target, 'a call\'s target'), ...splitCallData(p.data) } }
    default: return refuse('UnknownProposalAction', `UnknownProposalAction: unknown proposal action kind ${a.type} on the ICP canister`)
  }
}

function invitation (spec: InvitationSpec): Candid {
  if (spec.condition !== undefined) refuse('Other', 'the ICP canister does not carry claim conditions on invitations')
  const t = spec.target
  const target = t.type === 'identity' ? { identity: { identity: t.identity } } : t.type === 'open' ? { open: { key: t.key } } : refuse('InvitationTarget', `InvitationTarget: unknown invitation target kind ${t.type} on the ICP canister`)
  return { id: spec.id, target, role: tag(spec.role), expiresAt: BigInt(spec.expiresAt), maxUses: spec.maxUses }
}

/** The Candid `Action` of `action`. */
export function encodeAction (action: ChainAction | { type: 'create', application: Uint8Array, salt: Uint8Array }): Variant {
  const a = action
  switch (a.type) {
    case 'create': return { create: { application: a.application, salt: a.salt } }
    case 'addMember': return { addMember: { identity: a.identity, role: tag(a.role) } }
    case 'removeMember': return { removeMember: { identity: a.identity, frontier: opt(a.frontier) } }
    case 'setRole': return { setRole: { identity: a.identity, role: tag(a.role) } }
    case 'grant': return { grant: { identity: a.identity, capability: tag(a.capability) } }
    case 'revoke': return { revoke: { identity: a.identity, capability: tag(a.capability) } }
    case 'updateApplication': return { updateApplication: { application: a.application } }
    case 'invite': return { invite: { invitation: invitation(a.invitation) } }
    case 'revokeInvitation': return { revokeInvitation: { invitation: a.invitation } }
    case 'claim':
      if (a.link !== undefined) refuse('Other', 'the ICP canister has no wallet-account invitations to claim with a link')
      return { claim: { invitation: a.invitation } }
    case 'commitClaim': return { commitClaim: { invitation: a.invitation, commitment: a.commitment } }
    case 'revealClaim':
      if (a.evidence !== undefined) refuse('Other', 'the ICP canister does not carry claim evidence')
      return { revealClaim: { invitation: a.invitation, proof: a.proof } }
    case 'leave': return { leave: { frontier: opt(a.frontier) } }
    case 'propose': return { propose: { proposal: a.proposal, actions: a.actions.map(proposalAction) } }
    case 'approve': return { approve: { proposal: a.proposal } }
    case 'keys': return { keys: { keyId: a.keyId, rotate: a.rotate, shares: a.shares } }
  }
}

const bytes = (v: unknown): Uint8Array => v instanceof Uint8Array ? v : new Uint8Array(v as number[])
const name = (v: unknown): string => only(v as Variant)[0]

export function decodeInvitation (spec: Candid): InvitationSpec {
  const [kind, t] = only(spec.target as Variant) as [string, Candid]
  return {
    id: bytes(spec.id),
    target: kind === 'identity' ? { type: 'identity', identity: bytes(t.identity) } : { type: 'open', key: bytes(t.key) },
    role: name(spec.role) as Exclude<Role, 'admin'>,
    expiresAt: Number(spec.expiresAt),
    maxUses: Number(spec.maxUses)
  }
}

export function decodeProposalAction (v: Variant): ProposalAction | ChainProposalAction {
  const [type, p] = only(v) as [string, Candid]
  switch (type) {
    case 'setThreshold': return { type, threshold: Number(p.threshold) }
    case 'setActiveLimit': return { type, limit: Number(p.limit) }
    case 'addAdmin': case 'removeAdmin': return { type, identity: bytes(p.identity) }
    case 'setValue': return { type, key: bytes(p.key), value: bytes(p.value) }
    case 'transfer': return { type, to: (p.to as Principal).toText(), amount: p.amount as bigint }
    case 'call': return { type, target: (p.target as Principal).toText(), data: callData(p.method as string, bytes(p.arg)) }
    default: return { type: 'deleteProposal', proposal: bytes(p.proposal) }
  }
}

/** The action of a decoded Candid `Action` (inverse of `encodeAction`). */
export function decodeAction (v: Variant): ChainAction | { type: string } {
  const [type, p] = only(v) as [string, Candid]
  const frontier = (f: unknown): { frontier?: Uint8Array[] } => (f as unknown[]).length === 0 ? {} : { frontier: ((f as unknown[][])[0]!).map(bytes) }
  switch (type) {
    case 'addMember': case 'setRole': return { type, identity: bytes(p.identity), role: name(p.role) as Exclude<Role, 'admin'> }
    case 'removeMember': return { type, identity: bytes(p.identity), ...frontier(p.frontier) }
    case 'grant': case 'revoke': return { type, identity: bytes(p.identity), capability: name(p.capability) as Capability }
    case 'updateApplication': return { type, application: bytes(p.application) }
    case 'invite': return { type, invitation: decodeInvitation(p.invitation as Candid) }
    case 'revokeInvitation': case 'claim': return { type, invitation: bytes(p.invitation) }
    case 'commitClaim': return { type, invitation: bytes(p.invitation), commitment: bytes(p.commitment) }
    case 'revealClaim': return { type, invitation: bytes(p.invitation), proof: bytes(p.proof) }
    case 'leave': return { type, ...frontier(p.frontier) }
    // Transfers and calls ride along as the chain's actions (the shared reducer leaves them to the canister).
    case 'propose': return { type, proposal: bytes(p.proposal), actions: (p.actions as Variant[]).map(decodeProposalAction) as ProposalAction[] }
    case 'approve': return { type, proposal: bytes(p.proposal) }
    case 'keys': return { type, keyId: bytes(p.keyId), rotate: p.rotate as boolean, shares: (p.shares as Candid[]).map((s) => ({ recipient: bytes(s.recipient), wrapped: bytes(s.wrapped) })) }
    default: return { type }
  }
}
