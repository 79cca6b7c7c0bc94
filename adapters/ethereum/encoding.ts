// Canonical encodings between the governance types (src/governance/types.ts) and the
// ContextConfig / ContextProxy contracts: request kinds and ABI payloads, proposal
// actions, roles and capability bits, the EIP-712 request type, the key-binding message.
// docs/ethereum.md lists them as a table.
import { AbiCoder, getAddress, getBytes, hexlify, toBeHex, zeroPadValue } from 'ethers'
import { concatBytes, toHex, utf8 } from '../../src/crypto/bytes.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { InvalidInputError } from '../../src/errors/index.ts'
import { CAPABILITIES, type Capability, type ChainProposalAction, type GovAction, type KeyShareAction, type ProposalAction, type Role } from '../../src/governance/types.ts'
import { BIND_DOMAIN, EIP712_NAME, EIP712_VERSION } from './constants.ts'

const abi = AbiCoder.defaultAbiCoder()

/** Proposal actions the Ethereum proxy runs besides the common ones. */
export type EthereumProposalAction = ProposalAction | ChainProposalAction

/**
 * What a context identity can ask of the Ethereum anchor: GovAction, with richer proposals,
 * and group-key shares (`keys`, any member; readers only re-share), which the contract
 * orders and authenticates without storing: members read them back from the change feed.
 */
export type EthereumGovAction =
  | Exclude<GovAction, { type: 'propose' }>
  | { type: 'propose', proposal: Uint8Array, actions: EthereumProposalAction[] }
  | KeyShareAction

export const REQUEST_KINDS = ['addMember', 'removeMember', 'setRole', 'grant', 'revoke', 'updateApplication', 'invite', 'revokeInvitation', 'claim', 'commitClaim', 'revealClaim', 'leave', 'propose', 'approve', 'keys'] as const
export const PROPOSAL_KINDS = ['setThreshold', 'setActiveLimit', 'addAdmin', 'removeAdmin', 'setValue', 'deleteProposal', 'call', 'transfer'] as const

const ROLE_CODES: Record<Role, number> = { admin: 1, member: 2, reader: 3 }
const CAP_BITS: Record<Capability, number> = { ManageMembers: 1, ManageApplication: 2, Proxy: 4 }
const TARGET_IDENTITY = 1
const TARGET_OPEN = 2

export function roleCode (role: Role): number {
  const code = ROLE_CODES[role]
  if (code === undefined) throw new InvalidInputError(`unknown role ${String(role)}`)
  return code
}

export function roleName (code: number): Role {
  const r = (Object.keys(ROLE_CODES) as Role[]).find((k) => ROLE_CODES[k] === code)
  if (r === undefined) throw new InvalidInputError(`unknown role code ${code}`)
  return r
}

export function capabilityBit (cap: Capability): number {
  const bit = CAP_BITS[cap]
  // An unknown capability is passed through as 0: the contract refuses it with its reason.
  return bit ?? 0
}

export function capabilityName (bit: number): string {
  return (Object.keys(CAP_BITS) as Capability[]).find((k) => CAP_BITS[k] === bit) ?? `capability#${bit}`
}

export function capabilitiesOf (bits: number): Capability[] {
  return CAPABILITIES.filter((c) => (bits & CAP_BITS[c]) !== 0)
}

/** A 32-byte value (identity, id, application) as bytes32 hex; anything else is refused. */
export function b32 (bytes: Uint8Array, what: string): string {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== 32) throw new InvalidInputError(`${what} must be 32 bytes`)
  return hexlify(bytes)
}

function uint (n: number, bits: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** bits) throw new InvalidInputError(`${what} must be an integer in [0, 2^${bits})`)
  return n
}

export const ACTION_TUPLE = 'tuple(uint8 kind, bytes data)[]'
export const SHARE_TUPLE = 'tuple(bytes32 recipient, bytes wrapped)[]'

function encodeShares (shares: KeyShareAction['shares']): Array<[string, string]> {
  if (!Array.isArray(shares)) throw new InvalidInputError('shares must be an array')
  return shares.map((s, i) => {
    if (!(s?.wrapped instanceof Uint8Array)) throw new InvalidInputError(`share ${i}: wrapped must be bytes`)
    return [b32(s.recipient, `share ${i}: recipient`), hexlify(s.wrapped)]
  })
}

export function encodeProposalAction (a: EthereumProposalAction): [number, string] {
  const kind = PROPOSAL_KINDS.indexOf(a.type)
  switch (a.type) {
    case 'setThreshold': return [kind, abi.encode(['uint32'], [uint(a.threshold, 32, 'threshold')])]
    case 'setActiveLimit': return [kind, abi.encode(['uint32'], [uint(a.limit, 32, 'limit')])]
    case 'addAdmin':
    case 'removeAdmin': return [kind, abi.encode(['bytes32'], [b32(a.identity, 'identity')])]
    case 'setValue': return [kind, abi.encode(['bytes', 'bytes'], [hexlify(a.key), hexlify(a.value)])]
    case 'deleteProposal': return [kind, abi.encode(['bytes32'], [b32(a.proposal, 'proposal id')])]
    case 'call': return [kind, abi.encode(['address', 'uint256', 'bytes'], [getAddress(a.target), a.value ?? 0n, hexlify(a.data ?? new Uint8Array())])]
    case 'transfer': return [kind, abi.encode(['address', 'uint256'], [getAddress(a.to), a.amount])]
    default: throw new InvalidInputError(`unknown proposal action ${(a as { type: string }).type}`)
  }
}

export function decodeProposalAction (kind: number, data: string): EthereumProposalAction {
  const type = PROPOSAL_KINDS[kind]
  switch (type) {
    case 'setThreshold': return { type, threshold: Number(abi.decode(['uint32'], data)[0]) }
    case 'setActiveLimit': return { type, limit: Number(abi.decode(['uint32'], data)[0]) }
    case 'addAdmin':
    case 'removeAdmin': return { type, identity: getBytes(abi.decode(['bytes32'], data)[0] as string) }
    case 'setValue': {
      const [key, value] = abi.decode(['bytes', 'bytes'], data) as unknown as [string, string]
      return { type, key: getBytes(key), value: getBytes(value) }
    }
    case 'deleteProposal': return { type, proposal: getBytes(abi.decode(['bytes32'], data)[0] as string) }
    case 'call': {
      const [target, value, payload] = abi.decode(['address', 'uint256', 'bytes'], data) as unknown as [string, bigint, string]
      return { type, target, value, data: getBytes(payload) }
    }
    case 'transfer': {
      const [to, amount] = abi.decode(['address', 'uint256'], data) as unknown as [string, bigint]
      return { type, to, amount }
    }
    default: throw new InvalidInputError(`unknown proposal action kind ${kind}`)
  }
}

export function encodeActions (actions: EthereumProposalAction[]): Array<[number, string]> {
  return actions.map(encodeProposalAction)
}

/**
 * The request kind and ABI payload for `action`. `approve` needs the proposal's actions
 * (the contract stores only their hash): pass them as `proposalActions`.
 */
export function encodeRequest (action: EthereumGovAction, proposalActions?: EthereumProposalAction[]): { kind: number, payload: string } {
  const kind = REQUEST_KINDS.indexOf(action.type)
  if (kind < 0) throw new InvalidInputError(`unknown governance action ${(action as { type: string }).type}`)
  const enc = (types: string[], values: unknown[]): { kind: number, payload: string } => ({ kind, payload: abi.encode(types, values) })
  switch (action.type) {
    case 'addMember':
    case 'setRole': return enc(['bytes32', 'uint8'], [b32(action.identity, 'identity'), ROLE_CODES[action.role] ?? 0])
    case 'removeMember': return enc(['bytes32'], [b32(action.identity, 'identity')])
    case 'grant':
    case 'revoke': return enc(['bytes32', 'uint8'], [b32(action.identity, 'identity'), capabilityBit(action.capability)])
    case 'updateApplication': return enc(['bytes32'], [b32(action.application, 'application id')])
    case 'invite': {
      const inv = action.invitation
      if (inv.target.type === 'account') throw new InvalidInputError('the context config contract has no wallet-account invitations yet (docs/wallets.md)')
      const [targetKind, target] = inv.target.type === 'identity' ? [TARGET_IDENTITY, b32(inv.target.identity, 'invitee')] : [TARGET_OPEN, b32(inv.target.key, 'invitation key')]
      return enc(['bytes32', 'uint8', 'bytes32', 'uint8', 'uint64', 'uint32'], [b32(inv.id, 'invitation id'), targetKind, target, ROLE_CODES[inv.role] ?? 0, uint(inv.expiresAt, 64, 'expiresAt'), uint(inv.maxUses, 32, 'maxUses')])
    }
    case 'revokeInvitation':
    case 'claim': return enc(['bytes32'], [b32(action.invitation, 'invitation id')])
    case 'commitClaim': return enc(['bytes32', 'bytes32'], [b32(action.invitation, 'invitation id'), b32(action.commitment, 'commitment')])
    case 'revealClaim': return enc(['bytes32', 'bytes'], [b32(action.invitation, 'invitation id'), hexlify(action.proof)])
    case 'leave': return { kind, payload: '0x' }
    case 'propose': return enc(['bytes32', ACTION_TUPLE], [b32(action.proposal, 'proposal id'), encodeActions(action.actions)])
    case 'approve': {
      if (proposalActions === undefined) throw new InvalidInputError('approve needs the proposal\'s actions')
      return enc(['bytes32', ACTION_TUPLE], [b32(action.proposal, 'proposal id'), encodeActions(proposalActions)])
    }
    case 'keys': {
      if (typeof action.rotate !== 'boolean') throw new InvalidInputError('rotate must be a boolean')
      return enc(['bytes32', 'bool', SHARE_TUPLE], [b32(action.keyId, 'key id'), action.rotate, encodeShares(action.shares)])
    }
  }
}

/** The action a request carried (for the change feed); approvals drop the repeated actions. */
export function decodeRequest (kind: number, payload: string): EthereumGovAction | { type: string } {
  const type = REQUEST_KINDS[kind]
  const dec = (types: string[]): unknown[] => [...abi.decode(types, payload)]
  const bytes = (v: unknown): Uint8Array => getBytes(v as string)
  switch (type) {
    case 'addMember':
    case 'setRole': {
      const [id, role] = dec(['bytes32', 'uint8'])
      return { type, identity: bytes(id), role: roleName(Number(role)) as Exclude<Role, 'admin'> }
    }
    case 'removeMember': return { type, identity: bytes(dec(['bytes32'])[0]) }
    case 'grant':
    case 'revoke': {
      const [id, cap] = dec(['bytes32', 'uint8'])
      return { type, identity: bytes(id), capability: capabilityName(Number(cap)) as Capability }
    }
    case 'updateApplication': return { type, application: bytes(dec(['bytes32'])[0]) }
    case 'invite': {
      const [id, targetKind, target, role, expiresAt, maxUses] = dec(['bytes32', 'uint8', 'bytes32', 'uint8', 'uint64', 'uint32'])
      return {
        type,
        invitation: {
          id: bytes(id),
          target: Number(targetKind) === TARGET_IDENTITY ? { type: 'identity', identity: bytes(target) } : { type: 'open', key: bytes(target) },
          role: roleName(Number(role)) as Exclude<Role, 'admin'>,
          expiresAt: Number(expiresAt),
          maxUses: Number(maxUses)
        }
      }
    }
    case 'revokeInvitation':
    case 'claim': return { type, invitation: bytes(dec(['bytes32'])[0]) }
    case 'commitClaim': {
      const [id, c] = dec(['bytes32', 'bytes32'])
      return { type, invitation: bytes(id), commitment: bytes(c) }
    }
    case 'revealClaim': {
      const [id, proof] = dec(['bytes32', 'bytes'])
      return { type, invitation: bytes(id), proof: bytes(proof) }
    }
    case 'leave': return { type }
    case 'propose': {
      const [id, actions] = dec(['bytes32', ACTION_TUPLE])
      return { type, proposal: bytes(id), actions: (actions as Array<[bigint, string]>).map(([k, d]) => decodeProposalAction(Number(k), d)) }
    }
    case 'approve': return { type, proposal: bytes(dec(['bytes32', ACTION_TUPLE])[0]) }
    case 'keys': {
      const [keyId, rotate, shares] = dec(['bytes32', 'bool', SHARE_TUPLE])
      return { type, keyId: bytes(keyId), rotate: rotate as boolean, shares: (shares as Array<[string, string]>).map(([r, w]) => ({ recipient: bytes(r), wrapped: bytes(w) })) }
    }
    default: return { type: `unknown#${kind}` }
  }
}

/** EIP-712 types of a request (the domain adds chain id and the contract address). */
export const REQUEST_TYPES = {
  Request: [
    { name: 'context', type: 'bytes32' },
    { name: 'identity', type: 'bytes32' },
    { name: 'nonce', type: 'uint64' },
    { name: 'kind', type: 'uint8' },
    { name: 'payload', type: 'bytes' }
  ]
}

export function eip712Domain (chainId: bigint, contract: string): { name: string, version: string, chainId: bigint, verifyingContract: string } {
  return { name: EIP712_NAME, version: EIP712_VERSION, chainId, verifyingContract: getAddress(contract) }
}

/**
 * What an identity signs (ed25519) to bind `key` as its EVM key in `context`:
 * "moorage:bind:v1" ‖ chain id (uint256, big-endian) ‖ contract (20 bytes) ‖ context (32) ‖ key (20).
 */
export function bindingMessage (chainId: bigint, contract: string, context: Uint8Array, key: string): Uint8Array {
  return concatBytes(utf8(BIND_DOMAIN), getBytes(zeroPadValue(toBeHex(chainId), 32)), getBytes(getAddress(contract)), context, getBytes(getAddress(key)))
}

/** A salt of any length as the contract's bytes32: itself when 32 bytes, else its sha256. */
export function salt32 (salt: Uint8Array): Uint8Array {
  return salt.byteLength === 32 ? salt : sha256(salt)
}

export function short (id: Uint8Array | string): string {
  return (typeof id === 'string' ? id.replace(/^0x/, '') : toHex(id)).slice(0, 12)
}
