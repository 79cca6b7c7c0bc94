// Governance operations of the offchain anchor: signed, hashed and replicated like
// deltas, on a DAG of their own. Canonical encoding (docs/encoding.md):
//   body = CBOR [1, context, author, parents (sorted ids), nonce, hlc ms, hlc counter, action]
//   id = sha256(body); signature = ed25519(author, "moorage:gov:v1" ‖ id); wire = CBOR [body, signature]
// Actions are CBOR arrays whose first element names them (see encodeAction).
import { decode, encode } from 'cborg'
import { compareBytes, concatBytes, equalBytes, owned, utf8 } from '../../crypto/bytes.ts'
import { sha256 } from '../../crypto/hash.ts'
import { sign, verify } from '../../crypto/ed25519.ts'
import { InvalidInputError, InvalidSignatureError, MoorageError } from '../../errors/index.ts'
import type { Timestamp } from '../../state/hlc.ts'
import { CAPABILITIES, type Capability, type GovAction, type KeyShareAction, type ProposalAction, type Role } from '../types.ts'
import { parseAccountId } from '../../chain/caip.ts'
import type { WalletAction } from '../../wallets/book.ts'
import { decodeLink, decodeRevocation, encodeLink, encodeRevocation } from '../../wallets/record.ts'

// Shared with every anchor (src/governance/), kept importable from here.
export { contextIdFor } from '../context-id.ts'
export type { KeyShareAction } from '../types.ts'

const VERSION = 1
const DOMAIN = utf8('moorage:gov:v1')
export const MAX_OP_BYTES = 256 * 1024

export class InvalidGovernanceOpError extends MoorageError {
  static override readonly status: number = 400
  override name = 'InvalidGovernanceOpError'
}

export interface GenesisAction {
  type: 'genesis'
  application: Uint8Array
  salt: Uint8Array
}

export type OpAction = GovAction | KeyShareAction | GenesisAction | WalletAction

export interface GovOp {
  id: Uint8Array
  context: Uint8Array
  author: Uint8Array
  parents: Uint8Array[]
  nonce: bigint
  hlc: Timestamp
  action: OpAction
  bytes: Uint8Array
}

export function createOp (init: { context: Uint8Array, author: Uint8Array, secretKey: Uint8Array, parents: Uint8Array[], nonce: bigint, hlc: Timestamp, action: OpAction }): GovOp {
  const parents = [...init.parents].sort(compareBytes)
  const body = encode([VERSION, init.context, init.author, parents, init.nonce, init.hlc.ms, init.hlc.c, encodeAction(init.action)])
  const id = sha256(body)
  const signature = sign(init.secretKey, concatBytes(DOMAIN, id))
  // Kept for as long as the context lives: none of it a view into a larger buffer.
  return { id, context: owned(init.context), author: owned(init.author), parents: parents.map(owned), nonce: init.nonce, hlc: init.hlc, action: init.action, bytes: owned(encode([body, signature])) }
}

const OPTS = { useMaps: false, allowIndefinite: false, allowUndefined: false, allowBigInt: true, strict: true, rejectDuplicateMapKeys: true }

export function decodeOp (bytes: Uint8Array): GovOp {
  if (bytes.byteLength > MAX_OP_BYTES) throw new InvalidGovernanceOpError(`governance op of ${bytes.byteLength} bytes exceeds ${MAX_OP_BYTES}`)
  let outer: unknown
  let inner: unknown
  try {
    outer = decode(bytes, OPTS)
    if (!Array.isArray(outer) || outer.length !== 2 || !(outer[0] instanceof Uint8Array) || !(outer[1] instanceof Uint8Array)) throw new Error('expected [body, signature]')
    inner = decode(outer[0], OPTS)
  } catch (err) {
    throw new InvalidGovernanceOpError('governance op is not CBOR of the expected shape', { details: (err as Error).message })
  }
  const [body, signature] = outer as [Uint8Array, Uint8Array]
  // One encoding per op: a float for an integer (or any other second spelling) would be a second id for the same op.
  if (!equalBytes(encode(outer), bytes) || !equalBytes(encode(inner), body)) throw new InvalidGovernanceOpError('governance op is not in its canonical encoding')
  if (!Array.isArray(inner) || inner.length !== 8 || inner[0] !== VERSION) throw new InvalidGovernanceOpError('unsupported governance op version or shape')
  const [, context, author, parents, nonce, ms, c, action] = inner as unknown[]
  const id32 = (v: unknown, what: string): Uint8Array => {
    if (!(v instanceof Uint8Array) || v.byteLength !== 32) throw new InvalidGovernanceOpError(`${what} must be 32 bytes`)
    return v
  }
  id32(context, 'context')
  id32(author, 'author')
  if (!Array.isArray(parents) || parents.length > 64) throw new InvalidGovernanceOpError('parents must be at most 64 ids')
  parents.forEach((p, i) => {
    id32(p, 'parent')
    if (i > 0 && compareBytes(parents[i - 1], p) >= 0) throw new InvalidGovernanceOpError('parents must be sorted and distinct')
  })
  if (!(Number.isSafeInteger(nonce) || typeof nonce === 'bigint') || BigInt(nonce as number) < 1n || BigInt(nonce as number) >= 2n ** 64n) throw new InvalidGovernanceOpError('nonce must be a positive integer')
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(c) || (ms as number) < 0 || (c as number) < 0) throw new InvalidGovernanceOpError('hlc must be two non-negative integers')
  const decoded = decodeAction(action)
  const id = sha256(body)
  if (!verify(author as Uint8Array, concatBytes(DOMAIN, id), signature)) throw new InvalidSignatureError('governance op signature does not verify against its author')
  return { id, context: context as Uint8Array, author: author as Uint8Array, parents: parents as Uint8Array[], nonce: BigInt(nonce as number), hlc: { ms: ms as number, c: c as number }, action: decoded, bytes: owned(bytes) }
}

export function encodeAction (a: OpAction): unknown[] {
  switch (a.type) {
    case 'genesis': return ['genesis', a.application, a.salt]
    case 'addMember': return ['addMember', a.identity, a.role]
    case 'removeMember': return a.frontier === undefined ? ['removeMember', a.identity] : ['removeMember', a.identity, sortIds(a.frontier)]
    case 'setRole': return ['setRole', a.identity, a.role]
    case 'grant': return ['grant', a.identity, a.capability]
    case 'revoke': return ['revoke', a.identity, a.capability]
    case 'updateApplication': return ['updateApplication', a.application]
    case 'invite': {
      const i = a.invitation
      const target = i.target.type === 'identity' ? i.target.identity : i.target.type === 'open' ? i.target.key : i.target.account
      const invite = ['invite', i.id, i.target.type, target, i.role, i.expiresAt, i.maxUses]
      return i.condition === undefined ? invite : [...invite, i.condition]
    }
    case 'revokeInvitation': return ['revokeInvitation', a.invitation]
    case 'claim': return a.link === undefined ? ['claim', a.invitation] : ['claim', a.invitation, encodeLink(a.link)]
    case 'linkWallet': return ['linkWallet', encodeLink(a.link)]
    case 'unlinkWallet': return a.revocation === undefined ? ['unlinkWallet', a.identity, a.account] : ['unlinkWallet', a.identity, a.account, encodeRevocation(a.revocation)]
    case 'commitClaim': return ['commitClaim', a.invitation, a.commitment]
    case 'revealClaim': return a.evidence === undefined ? ['revealClaim', a.invitation, a.proof] : ['revealClaim', a.invitation, a.proof, a.evidence]
    case 'leave': return a.frontier === undefined ? ['leave'] : ['leave', sortIds(a.frontier)]
    case 'propose': return ['propose', a.proposal, a.actions.map(encodeProposalAction)]
    case 'approve': return ['approve', a.proposal]
    case 'keys': return ['keys', a.keyId, a.rotate, a.shares.map((s) => [s.recipient, s.wrapped])]
  }
}

function encodeProposalAction (a: ProposalAction): unknown[] {
  switch (a.type) {
    case 'setThreshold': return ['setThreshold', a.threshold]
    case 'setActiveLimit': return ['setActiveLimit', a.limit]
    case 'addAdmin': return ['addAdmin', a.identity]
    case 'removeAdmin': return ['removeAdmin', a.identity]
    case 'setValue': return ['setValue', a.key, a.value]
    case 'deleteProposal': return ['deleteProposal', a.proposal]
  }
}

function bad (msg: string): never {
  throw new InvalidGovernanceOpError(`malformed governance action: ${msg}`)
}
const bytes32 = (v: unknown, what: string): Uint8Array => (v instanceof Uint8Array && v.byteLength === 32 ? v : bad(`${what} must be 32 bytes`))
const blob = (v: unknown, what: string, max = 64 * 1024): Uint8Array => (v instanceof Uint8Array && v.byteLength <= max ? v : bad(`${what} must be bytes of at most ${max}`))
const text = (v: unknown, what: string, max: number): string => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : bad(`${what} must be text of 1 to ${max} characters`))
/** Longest claim condition of an invitation, and longest claim evidence of a reveal (JSON text). */
export const MAX_CONDITION_CHARS = 2048
export const MAX_EVIDENCE_CHARS = 16 * 1024
const int = (v: unknown, what: string): number => (Number.isSafeInteger(v) && (v as number) >= 0 ? v as number : bad(`${what} must be a non-negative integer`))
const role = (v: unknown): 'member' | 'reader' => (v === 'member' || v === 'reader' ? v : bad(`role must be member or reader, got ${String(v)}`))
const account = (v: unknown): string => (typeof v === 'string' && v.length <= 256 && parseAccountId(v) !== undefined ? v : bad('an account must be a CAIP-10 id'))
const cap = (v: unknown): Capability => (CAPABILITIES.includes(v as Capability) ? v as Capability : bad(`unknown capability ${String(v)}`))

/** Most data heads a removal records (a DAG has few heads; more would be a forgery). */
export const MAX_FRONTIER = 256

function sortIds (ids: Uint8Array[]): Uint8Array[] {
  const m = new Map(ids.map((id) => [Buffer.from(id).toString('hex'), id]))
  return [...m.values()].sort(compareBytes)
}

function frontier (v: unknown): Uint8Array[] {
  if (!Array.isArray(v) || v.length > MAX_FRONTIER) bad(`a frontier is at most ${MAX_FRONTIER} delta ids`)
  const ids = (v as unknown[]).map((x) => bytes32(x, 'frontier id'))
  ids.forEach((id, i) => { if (i > 0 && compareBytes(ids[i - 1]!, id) >= 0) bad('frontier ids must be sorted and distinct') })
  return ids
}

export function decodeAction (raw: unknown): OpAction {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') bad('not an array with a name')
  const a = raw as unknown[]
  const arity = (n: number): void => { if (a.length !== n) bad(`${String(a[0])} takes ${n - 1} fields`) }
  switch (a[0]) {
    case 'genesis': arity(3); return { type: 'genesis', application: bytes32(a[1], 'application'), salt: blob(a[2], 'salt', 64) }
    case 'addMember': arity(3); return { type: 'addMember', identity: bytes32(a[1], 'identity'), role: role(a[2]) }
    case 'removeMember':
      if (a.length === 3) return { type: 'removeMember', identity: bytes32(a[1], 'identity'), frontier: frontier(a[2]) }
      arity(2); return { type: 'removeMember', identity: bytes32(a[1], 'identity') }
    case 'setRole': arity(3); return { type: 'setRole', identity: bytes32(a[1], 'identity'), role: role(a[2]) }
    case 'grant': arity(3); return { type: 'grant', identity: bytes32(a[1], 'identity'), capability: cap(a[2]) }
    case 'revoke': arity(3); return { type: 'revoke', identity: bytes32(a[1], 'identity'), capability: cap(a[2]) }
    case 'updateApplication': arity(2); return { type: 'updateApplication', application: bytes32(a[1], 'application') }
    case 'invite': {
      if (a.length !== 8) arity(7)
      const target = a[2] === 'identity'
        ? { type: 'identity' as const, identity: bytes32(a[3], 'invitee') }
        : a[2] === 'open'
          ? { type: 'open' as const, key: bytes32(a[3], 'invitation key') }
          : a[2] === 'account' ? { type: 'account' as const, account: account(a[3]) } : bad('invitation target must be identity, open or account')
      const invitation = { id: bytes32(a[1], 'invitation id'), target, role: role(a[4]), expiresAt: int(a[5], 'expiresAt'), maxUses: int(a[6], 'maxUses') }
      return { type: 'invite', invitation: a.length === 8 ? { ...invitation, condition: text(a[7], 'condition', MAX_CONDITION_CHARS) } : invitation }
    }
    case 'revokeInvitation': arity(2); return { type: 'revokeInvitation', invitation: bytes32(a[1], 'invitation') }
    case 'claim':
      if (a.length === 3) return { type: 'claim', invitation: bytes32(a[1], 'invitation'), link: decodeLink(a[2], bad) }
      arity(2); return { type: 'claim', invitation: bytes32(a[1], 'invitation') }
    case 'linkWallet': arity(2); return { type: 'linkWallet', link: decodeLink(a[1], bad) }
    case 'unlinkWallet':
      if (a.length === 4) return { type: 'unlinkWallet', identity: bytes32(a[1], 'identity'), account: account(a[2]), revocation: decodeRevocation(a[3], bad) }
      arity(3); return { type: 'unlinkWallet', identity: bytes32(a[1], 'identity'), account: account(a[2]) }
    case 'commitClaim': arity(3); return { type: 'commitClaim', invitation: bytes32(a[1], 'invitation'), commitment: bytes32(a[2], 'commitment') }
    case 'revealClaim': {
      if (a.length !== 4) arity(3)
      const reveal = { type: 'revealClaim' as const, invitation: bytes32(a[1], 'invitation'), proof: blob(a[2], 'proof', 64) }
      return a.length === 4 ? { ...reveal, evidence: text(a[3], 'evidence', MAX_EVIDENCE_CHARS) } : reveal
    }
    case 'leave':
      if (a.length === 2) return { type: 'leave', frontier: frontier(a[1]) }
      arity(1); return { type: 'leave' }
    case 'propose': {
      arity(3)
      if (!Array.isArray(a[2])) bad('proposal actions must be an array')
      return { type: 'propose', proposal: bytes32(a[1], 'proposal'), actions: (a[2] as unknown[]).map(decodeProposalAction) }
    }
    case 'approve': arity(2); return { type: 'approve', proposal: bytes32(a[1], 'proposal') }
    case 'keys': {
      arity(4)
      if (typeof a[2] !== 'boolean' || !Array.isArray(a[3]) || a[3].length > 1024) bad('keys takes a rotate flag and at most 1024 shares')
      const shares = (a[3] as unknown[]).map((s) => {
        if (!Array.isArray(s) || s.length !== 2) bad('a key share is [recipient, wrapped]')
        return { recipient: bytes32(s[0], 'recipient'), wrapped: blob(s[1], 'wrapped key', 256) }
      })
      return { type: 'keys', keyId: bytes32(a[1], 'key id'), rotate: a[2] as boolean, shares }
    }
    default: return bad(`unknown action ${String(a[0])}`)
  }
}

function decodeProposalAction (raw: unknown): ProposalAction {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') bad('proposal action must be an array with a name')
  const a = raw as unknown[]
  // Every field is signed: one that the decoder would drop must not be taken.
  if (a.length !== (a[0] === 'setValue' ? 3 : 2)) bad(`proposal action ${String(a[0])} takes ${a[0] === 'setValue' ? 2 : 1} field(s)`)
  switch (a[0]) {
    case 'setThreshold': return { type: 'setThreshold', threshold: int(a[1], 'threshold') }
    case 'setActiveLimit': return { type: 'setActiveLimit', limit: int(a[1], 'limit') }
    case 'addAdmin': return { type: 'addAdmin', identity: bytes32(a[1], 'identity') }
    case 'removeAdmin': return { type: 'removeAdmin', identity: bytes32(a[1], 'identity') }
    case 'setValue': return { type: 'setValue', key: blob(a[1], 'key', 1024), value: blob(a[2], 'value') }
    case 'deleteProposal': return { type: 'deleteProposal', proposal: bytes32(a[1], 'proposal') }
    default: return bad(`unknown proposal action ${String(a[0])}`)
  }
}

/** Checks a role name given by a user. */
export function parseRole (text: string): Exclude<Role, 'admin'> {
  if (text !== 'member' && text !== 'reader') throw new InvalidInputError(`role must be member or reader, got "${text}"`, { hint: 'admins are added through proposals' })
  return text
}
