// Governance data in the node's public JSON form (ids as lowercase hex, byte strings as
// UTF-8 when they are UTF-8, else hex with `encoding: 'hex'`), and one-line summaries of
// operations for humans.
import { toHex } from '../crypto/bytes.ts'
import type { InvitationState } from '../governance/acl.ts'
import type { OpAction } from '../governance/offchain/op.ts'
import type { MemberRecord, ProposalAction } from '../governance/types.ts'
import type { GovActionInfo, InvitationInfo, MemberInfo, ProposalActionInfo } from './types.ts'

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Bytes as text: UTF-8 when they decode (and hold no control characters), else hex. */
export function bytesText (bytes: Uint8Array): { text: string, encoding?: 'hex' } {
  try {
    const text = strictUtf8.decode(bytes)
    if (!/\p{Cc}/u.test(text.replace(/[\t\n]/g, ''))) return { text }
  } catch { /* not UTF-8 */ }
  return { text: toHex(bytes), encoding: 'hex' }
}

/** A key/value pair in JSON form; `encoding: 'hex'` when either is not text. */
export function valueInfo (key: Uint8Array, value: Uint8Array): { key: string, value: string, encoding?: 'hex' } {
  const k = bytesText(key)
  const v = bytesText(value)
  if (k.encoding === undefined && v.encoding === undefined) return { key: k.text, value: v.text }
  return { key: toHex(key), value: toHex(value), encoding: 'hex' }
}

export function memberInfo (m: MemberRecord): MemberInfo {
  return { identity: toHex(m.identity), role: m.role, capabilities: [...m.capabilities] }
}

export function invitationInfo (i: InvitationState): InvitationInfo {
  return {
    id: toHex(i.id),
    kind: i.target.type,
    invitee: i.target.type === 'identity' ? toHex(i.target.identity) : null,
    ...(i.target.type === 'account' ? { account: i.target.account } : {}),
    role: i.role,
    expiresAt: i.expiresAt,
    maxUses: i.maxUses,
    uses: i.uses,
    revoked: i.revoked,
    createdBy: toHex(i.createdBy)
  }
}

/** `unit`: a chain-anchored context's amount unit (its chain module's), shown beside amounts. */
export function proposalActionInfo (a: ProposalAction, unit?: string): ProposalActionInfo {
  switch (a.type) {
    case 'setThreshold': return { type: a.type, threshold: a.threshold }
    case 'setActiveLimit': return { type: a.type, limit: a.limit }
    case 'addAdmin':
    case 'removeAdmin': return { type: a.type, identity: toHex(a.identity) }
    case 'setValue': return { type: a.type, ...valueInfo(a.key, a.value) }
    case 'deleteProposal': return { type: a.type, proposal: toHex(a.proposal) }
  }
  // A chain's own proposal actions.
  const c = a as unknown as { type: string, target?: string, value?: bigint, data?: Uint8Array, to?: string, amount?: bigint }
  const u = unit !== undefined ? { unit } : {}
  if (c.type === 'transfer') return { type: 'transfer', to: String(c.to), amount: String(c.amount ?? 0n), ...u }
  const data = c.data ?? new Uint8Array(0)
  return { type: 'call', target: String(c.target), value: String(c.value ?? 0n), data: toHex(data), ...u }
}

export function govActionInfo (a: OpAction): GovActionInfo {
  switch (a.type) {
    case 'genesis': return { type: a.type, application: toHex(a.application) }
    case 'addMember':
    case 'setRole': return { type: a.type, identity: toHex(a.identity), role: a.role }
    case 'removeMember': return { type: a.type, identity: toHex(a.identity) }
    case 'grant':
    case 'revoke': return { type: a.type, identity: toHex(a.identity), capability: a.capability }
    case 'updateApplication': return { type: a.type, application: toHex(a.application) }
    case 'invite': {
      const i = a.invitation
      return { type: a.type, invitation: toHex(i.id), kind: i.target.type, invitee: i.target.type === 'identity' ? toHex(i.target.identity) : null, role: i.role, expiresAt: i.expiresAt, maxUses: i.maxUses }
    }
    case 'revokeInvitation':
    case 'claim':
    case 'commitClaim':
    case 'revealClaim': return { type: a.type, invitation: toHex(a.invitation) }
    case 'leave': return { type: a.type }
    case 'propose': return { type: a.type, proposal: toHex(a.proposal), actions: a.actions.map((x) => proposalActionInfo(x)) }
    case 'approve': return { type: a.type, proposal: toHex(a.proposal) }
    case 'keys': return { type: a.type, keyId: toHex(a.keyId), rotate: a.rotate, recipients: a.shares.map((s) => toHex(s.recipient)) }
    case 'linkWallet': return { type: a.type, identity: toHex(a.link.identity), account: a.link.account }
    case 'unlinkWallet': return { type: a.type, identity: toHex(a.identity), account: a.account, by: a.revocation === undefined ? 'identity' : 'wallet' }
  }
  return { type: 'unknown', name: String((a as { type?: unknown }).type) }
}

/** The first 12 hex characters of an id: enough to tell ids apart in a listing. */
export function short (hex: string): string {
  return hex.length > 12 ? hex.slice(0, 12) + '…' : hex
}

export function describeProposalAction (a: ProposalActionInfo): string {
  switch (a.type) {
    case 'setThreshold': return `set the approval threshold to ${a.threshold}`
    case 'setActiveLimit': return `set the active-proposals limit to ${a.limit}`
    case 'addAdmin': return `make ${short(a.identity)} an admin`
    case 'removeAdmin': return `demote admin ${short(a.identity)}`
    case 'setValue': return `set ${JSON.stringify(a.key)} = ${JSON.stringify(a.value.length > 40 ? a.value.slice(0, 37) + '...' : a.value)}${a.encoding === 'hex' ? ' (hex)' : ''}`
    case 'deleteProposal': return `delete proposal ${short(a.proposal)}`
    case 'call': return `call ${a.target}${a.value !== '0' ? ` sending ${a.value}${a.unit !== undefined ? ' ' + a.unit : ''}` : ''}`
    case 'transfer': return `send ${a.amount}${a.unit !== undefined ? ' ' + a.unit : ''} to ${a.to}`
  }
}

/** What an op did (or tried to do), in a few words. */
export function summarize (a: GovActionInfo): string {
  switch (a.type) {
    case 'genesis': return `created the context (application ${short(a.application)})`
    case 'addMember': return `added ${short(a.identity)} as ${a.role}`
    case 'removeMember': return `removed ${short(a.identity)}`
    case 'setRole': return `made ${short(a.identity)} a ${a.role}`
    case 'grant': return `granted ${a.capability} to ${short(a.identity)}`
    case 'revoke': return `revoked ${a.capability} from ${short(a.identity)}`
    case 'updateApplication': return `moved the context to application ${short(a.application)}`
    case 'invite': return a.kind === 'open'
      ? `opened invitation ${short(a.invitation)} for ${a.maxUses} ${a.role}${a.maxUses === 1 ? '' : 's'}`
      : a.kind === 'account' ? `invited a wallet account as ${a.role}` : `invited ${short(a.invitee ?? '')} as ${a.role}`
    case 'revokeInvitation': return `revoked invitation ${short(a.invitation)}`
    case 'claim': return `claimed invitation ${short(a.invitation)}`
    case 'commitClaim': return `committed to a claim of open invitation ${short(a.invitation)}`
    case 'revealClaim': return `revealed its claim of open invitation ${short(a.invitation)}`
    case 'leave': return 'left the context'
    case 'propose': return `proposed ${short(a.proposal)}: ${a.actions.map(describeProposalAction).join('; ')}`
    case 'approve': return `approved proposal ${short(a.proposal)}`
    case 'keys': return a.rotate
      ? `rotated the group key to epoch ${short(a.keyId)} (${a.recipients.length} recipient${a.recipients.length === 1 ? '' : 's'})`
      : `shared group key ${short(a.keyId)} with ${a.recipients.length} identit${a.recipients.length === 1 ? 'y' : 'ies'}`
    case 'linkWallet': return `linked wallet ${a.account} to ${short(a.identity)}`
    case 'unlinkWallet': return `unlinked wallet ${a.account} from ${short(a.identity)} (by the ${a.by})`
    case 'unknown': return `a request this node cannot decode (${a.name})`
  }
}
