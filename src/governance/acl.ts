// The governance state machine shared by every anchor's local view: who is a member
// with which role and capabilities, invitations, proposals, thresholds, nonces.
// `applyAction` is pure with respect to rejection: it either applies an action and
// returns null, or returns the reason and leaves the state untouched.
import { concatBytes, equalBytes, toHex, utf8 } from '../crypto/bytes.ts'
import { sha256 } from '../crypto/hash.ts'
import { verify } from '../crypto/ed25519.ts'
import type { Capability, GovAction, InvitationSpec, MemberRecord, ProposalAction, ProposalRecord, Role } from './types.ts'
import { CAPABILITIES, ROLES } from './types.ts'
import { refusal } from './refusals.ts'
import { evidenceMismatch } from '../claims/evidence.ts'
import { cloneBook, dropIdentity, emptyBook, recordAdmissionLink, type LinkBook } from '../wallets/book.ts'
import { admissionLinkRefusal } from '../wallets/admission.ts'

export interface InvitationState extends InvitationSpec {
  uses: number
  revoked: boolean
  createdBy: Uint8Array
}

export interface ProposalOutcome {
  proposal: string
  outcome: 'executed' | 'failed'
  reason?: string
  at: number
}

export interface GovState {
  context: Uint8Array
  application: Uint8Array
  members: Map<string, MemberRecord>
  nonces: Map<string, bigint>
  invitations: Map<string, InvitationState>
  /** Open-invitation commitments: invitation hex -> commitment hex -> claimer hex. */
  commitments: Map<string, Map<string, string>>
  proposals: Map<string, ProposalRecord>
  history: ProposalOutcome[]
  /** Approvals from current admins needed to execute a proposal. */
  threshold: number
  /** Open proposals one identity may have at once. */
  activeLimit: number
  values: Map<string, Uint8Array>
  /** Wallet links of the context's identities (offchain contexts; src/wallets/book.ts). */
  wallets: LinkBook
  /** Accepted operations so far. */
  revision: number
}

export const DEFAULT_THRESHOLD = 1
export const DEFAULT_ACTIVE_LIMIT = 10
export const MAX_PROPOSAL_ACTIONS = 16
export const MAX_COMMITMENTS_PER_INVITATION = 64

export function genesisState (context: Uint8Array, application: Uint8Array, creator: Uint8Array): GovState {
  return stateWith(context, application, [{ identity: creator, role: 'admin', capabilities: [] }], 1)
}

/** A state with these members and defaults for everything else. */
export function stateWith (context: Uint8Array, application: Uint8Array, members: MemberRecord[], revision: number): GovState {
  return {
    context,
    application,
    members: new Map(members.map((m) => [toHex(m.identity), m])),
    nonces: new Map(),
    invitations: new Map(),
    commitments: new Map(),
    proposals: new Map(),
    history: [],
    threshold: DEFAULT_THRESHOLD,
    activeLimit: DEFAULT_ACTIVE_LIMIT,
    values: new Map(),
    wallets: emptyBook(),
    revision
  }
}

export function cloneState (s: GovState): GovState {
  return {
    ...s,
    members: new Map([...s.members].map(([k, m]) => [k, { ...m, capabilities: [...m.capabilities] }])),
    nonces: new Map(s.nonces),
    invitations: new Map([...s.invitations].map(([k, i]) => [k, { ...i }])),
    commitments: new Map([...s.commitments].map(([k, m]) => [k, new Map(m)])),
    proposals: new Map([...s.proposals].map(([k, p]) => [k, { ...p, approvals: [...p.approvals] }])),
    history: [...s.history],
    values: new Map(s.values),
    wallets: cloneBook(s.wallets)
  }
}

export function roleOf (s: GovState, identity: Uint8Array): Role | undefined {
  return s.members.get(toHex(identity))?.role
}

export function can (s: GovState, identity: Uint8Array, cap: Capability): boolean {
  const m = s.members.get(toHex(identity))
  return m !== undefined && (m.role === 'admin' || m.capabilities.includes(cap))
}

export function admins (s: GovState): MemberRecord[] {
  return [...s.members.values()].filter((m) => m.role === 'admin')
}

/** The message an open invitation's key signs to let one identity claim it. */
export function claimMessage (context: Uint8Array, invitation: Uint8Array, claimer: Uint8Array): Uint8Array {
  return concatBytes(utf8('moorage:claim:v1'), context, invitation, claimer)
}

/** Commitment published before revealing an open-invitation claim. */
export function claimCommitment (invitation: Uint8Array, claimer: Uint8Array, proof: Uint8Array): Uint8Array {
  return sha256(utf8('moorage:commit:v1'), invitation, claimer, proof)
}

/**
 * Whether `proof` shows that `claimer` holds the secret of an open invitation that can still
 * be claimed at `now` (the check a member node makes before serving governance to a
 * stranger who wants to claim). Null when it does, else why not.
 */
export function checkOpenClaim (s: GovState, invitation: Uint8Array, claimer: Uint8Array, proof: Uint8Array, now: number): string | null {
  const inv = s.invitations.get(toHex(invitation))
  if (inv === undefined || inv.target.type !== 'open') return 'no such open invitation'
  if (!verify(inv.target.key, claimMessage(s.context, invitation, claimer), proof)) return refusal('BadClaimProof')
  return usable(s, inv, claimer, now)
}

export interface ApplyContext {
  author: Uint8Array
  nonce: bigint
  /** Milliseconds of the operation's timestamp (expiry checks). */
  at: number
}

/** Validates and applies one action. Returns null when applied, else why it was rejected. */
export function applyAction (s: GovState, action: GovAction, ctx: ApplyContext): string | null {
  const authorHex = toHex(ctx.author)
  const last = s.nonces.get(authorHex) ?? 0n
  if (ctx.nonce <= last) return refusal('StaleNonce', { nonce: ctx.nonce, who: short(ctx.author), last })
  const reason = check(s, action, ctx)
  if (reason !== null) return reason
  mutate(s, action, ctx)
  s.nonces.set(authorHex, ctx.nonce)
  s.revision++
  return null
}

function short (id: Uint8Array): string {
  return toHex(id).slice(0, 12)
}

function member (s: GovState, id: Uint8Array): MemberRecord | undefined {
  return s.members.get(toHex(id))
}

function check (s: GovState, a: GovAction, ctx: ApplyContext): string | null {
  const author = ctx.author
  const need = (cap: Capability): string | null => can(s, author, cap) ? null : refusal('MissingCapability', { who: short(author), capability: cap })
  switch (a.type) {
    case 'addMember':
      if (!ROLES.includes(a.role) || (a.role as Role) === 'admin') return refusal('AdminAddNeedsProposal')
      return need('ManageMembers') ?? (member(s, a.identity) !== undefined ? refusal('AlreadyMember', { who: short(a.identity) }) : null)
    case 'removeMember': {
      const m = member(s, a.identity)
      if (m === undefined) return refusal('NotMember', { who: short(a.identity) })
      if (m.role === 'admin') return refusal('AdminRemoveNeedsProposal')
      return need('ManageMembers')
    }
    case 'setRole': {
      const m = member(s, a.identity)
      if (m === undefined) return refusal('NotMember', { who: short(a.identity) })
      if (m.role === 'admin' || a.role === 'admin' as Role) return refusal('AdminRoleNeedsProposal')
      return need('ManageMembers')
    }
    case 'grant':
    case 'revoke':
      if (!CAPABILITIES.includes(a.capability)) return refusal('UnknownCapability', { capability: String(a.capability) })
      if (roleOf(s, author) !== 'admin') return refusal('OnlyAdminsCapabilities', { what: a.type })
      return member(s, a.identity) === undefined ? refusal('NotMember', { who: short(a.identity) }) : null
    case 'updateApplication':
      return need('ManageApplication')
    case 'invite': {
      const inv = a.invitation
      const denied = need('ManageMembers')
      if (denied !== null) return denied
      if (s.invitations.has(toHex(inv.id))) return refusal('InvitationExists')
      if (inv.role !== 'member' && inv.role !== 'reader') return refusal('InvitationRole')
      if (!Number.isInteger(inv.maxUses) || inv.maxUses < 1) return refusal('MaxUsesNotPositive')
      if (inv.expiresAt <= ctx.at) return refusal('AlreadyExpired')
      if (inv.target.type === 'identity' && member(s, inv.target.identity) !== undefined) return refusal('InviteeIsMember')
      if (inv.condition !== undefined && inv.target.type !== 'open') return refusal('ConditionNeedsOpenInvitation')
      return null
    }
    case 'revokeInvitation':
      if (!s.invitations.has(toHex(a.invitation))) return refusal('NoSuchInvitation')
      return need('ManageMembers')
    case 'claim': {
      const inv = s.invitations.get(toHex(a.invitation))
      if (inv === undefined) return refusal('NoSuchInvitation')
      if (inv.target.type === 'account') return admissionLinkRefusal(s.context, inv.target.account, author, a.link, ctx.at) ?? usable(s, inv, author, ctx.at)
      if (inv.target.type !== 'identity') return refusal('OpenInvitationNeedsReveal')
      if (a.link !== undefined) return 'only a wallet-account invitation is claimed with a wallet link'
      if (!equalBytes(inv.target.identity, author)) return refusal('NamesAnotherIdentity')
      return usable(s, inv, author, ctx.at)
    }
    case 'commitClaim': {
      const inv = s.invitations.get(toHex(a.invitation))
      if (inv === undefined) return refusal('NoSuchInvitation')
      if (inv.target.type !== 'open') return refusal('CommitNeedsOpenInvitation')
      const c = s.commitments.get(toHex(a.invitation))
      if ((c?.size ?? 0) >= MAX_COMMITMENTS_PER_INVITATION) return refusal('TooManyCommitments')
      return usable(s, inv, author, ctx.at)
    }
    case 'revealClaim': {
      const inv = s.invitations.get(toHex(a.invitation))
      if (inv === undefined) return refusal('NoSuchInvitation')
      if (inv.target.type !== 'open') return refusal('NotOpenInvitation')
      const committed = s.commitments.get(toHex(a.invitation))?.get(toHex(claimCommitment(a.invitation, author, a.proof)))
      if (committed !== toHex(author)) return refusal('NoMatchingCommitment')
      if (!verify(inv.target.key, claimMessage(s.context, a.invitation, author), a.proof)) return refusal('BadClaimProof')
      // The chain facts are checked by each admitting node before the op gets here (src/claims/gate.ts);
      // what the log itself checks is that the evidence is there and names this context and claimant.
      if (inv.condition !== undefined) {
        if (a.evidence === undefined) return refusal('ClaimEvidenceMissing')
        const why = evidenceMismatch(a.evidence, s.context, author)
        if (why !== null) return refusal('ClaimEvidenceMismatch', { why })
      }
      return usable(s, inv, author, ctx.at)
    }
    case 'leave': {
      const m = member(s, author)
      if (m === undefined) return refusal('NotMember', { who: short(author) })
      if (m.role === 'admin' && admins(s).length === 1) return refusal('LastAdminCannotLeave')
      return null
    }
    case 'propose': {
      const denied = need('Proxy')
      if (denied !== null) return denied
      if (s.proposals.has(toHex(a.proposal))) return refusal('ProposalExists')
      // A decided proposal's id stays spent, so its requests cannot be replayed into a second run.
      if (s.history.some((h) => h.proposal === toHex(a.proposal))) return refusal('ProposalSpent')
      if (a.actions.length === 0 || a.actions.length > MAX_PROPOSAL_ACTIONS) return refusal('ActionCount', { max: MAX_PROPOSAL_ACTIONS })
      const open = [...s.proposals.values()].filter((p) => equalBytes(p.author, author)).length
      if (open >= s.activeLimit) return refusal('ActiveLimitReached', { who: short(author), open, limit: s.activeLimit })
      return null
    }
    case 'approve': {
      const p = s.proposals.get(toHex(a.proposal))
      if (p === undefined) return refusal('NoSuchProposal')
      if (roleOf(s, author) !== 'admin') return refusal('OnlyAdminsApprove', { who: short(author) })
      if (p.approvals.some((x) => equalBytes(x, author))) return refusal('AlreadyApproved')
      return null
    }
  }
}

/** The identities named by identity-bound invitations that can still be claimed at `now`. */
export function pendingInvitees (s: GovState, now: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const i of s.invitations.values()) {
    if (i.target.type === 'identity' && !i.revoked && i.uses < i.maxUses && i.expiresAt > now) out.push(i.target.identity)
  }
  return out
}

/** Why `claimer` cannot use `inv` at `at` (revoked, expired, used up, already a member), or null. */
export function usable (s: GovState, inv: InvitationState, claimer: Uint8Array, at: number): string | null {
  if (inv.revoked) return refusal('InvitationRevoked')
  if (at > inv.expiresAt) return refusal('InvitationExpired', { time: new Date(inv.expiresAt).toISOString() })
  if (inv.uses >= inv.maxUses) return refusal('NoUsesLeft')
  if (member(s, claimer) !== undefined) return refusal('ClaimerIsMember')
  return null
}

function mutate (s: GovState, a: GovAction, ctx: ApplyContext): void {
  switch (a.type) {
    case 'addMember': s.members.set(toHex(a.identity), { identity: a.identity, role: a.role, capabilities: [] }); return
    case 'removeMember': s.members.delete(toHex(a.identity)); dropIdentity(s.wallets, a.identity); return
    case 'setRole': member(s, a.identity)!.role = a.role; return
    case 'grant': {
      const m = member(s, a.identity)!
      if (!m.capabilities.includes(a.capability)) m.capabilities.push(a.capability)
      return
    }
    case 'revoke': {
      const m = member(s, a.identity)!
      m.capabilities = m.capabilities.filter((c) => c !== a.capability)
      return
    }
    case 'updateApplication': s.application = a.application; return
    case 'invite': s.invitations.set(toHex(a.invitation.id), { ...a.invitation, uses: 0, revoked: false, createdBy: ctx.author }); return
    case 'revokeInvitation': s.invitations.get(toHex(a.invitation))!.revoked = true; return
    case 'claim':
    case 'revealClaim': {
      const inv = s.invitations.get(toHex(a.invitation))!
      inv.uses++
      s.members.set(toHex(ctx.author), { identity: ctx.author, role: inv.role, capabilities: [] })
      if (a.type === 'claim' && a.link !== undefined) recordAdmissionLink(s.wallets, s.context, a.link, ctx.at)
      return
    }
    case 'commitClaim': {
      const key = toHex(a.invitation)
      const c = s.commitments.get(key) ?? new Map<string, string>()
      c.set(toHex(a.commitment), toHex(ctx.author))
      s.commitments.set(key, c)
      return
    }
    case 'leave':
      s.members.delete(toHex(ctx.author))
      dropIdentity(s.wallets, ctx.author)
      // An admin leaving must not leave a threshold no one can reach.
      if (s.threshold > admins(s).length) s.threshold = Math.max(1, admins(s).length)
      return
    case 'propose': {
      const approvals = roleOf(s, ctx.author) === 'admin' ? [ctx.author] : []
      s.proposals.set(toHex(a.proposal), { id: a.proposal, author: ctx.author, actions: a.actions, approvals, createdAt: ctx.at })
      tryExecute(s, a.proposal, ctx.at)
      return
    }
    case 'approve':
      s.proposals.get(toHex(a.proposal))!.approvals.push(ctx.author)
      tryExecute(s, a.proposal, ctx.at)
  }
}

/** Approvals that count: those of identities that are admins now. */
export function countedApprovals (s: GovState, p: ProposalRecord): number {
  return p.approvals.filter((x) => roleOf(s, x) === 'admin').length
}

function tryExecute (s: GovState, id: Uint8Array, at: number): void {
  const key = toHex(id)
  const p = s.proposals.get(key)!
  if (countedApprovals(s, p) < s.threshold) return
  s.proposals.delete(key)
  const trial = cloneState(s)
  for (const action of p.actions) {
    const reason = runProposalAction(trial, action)
    if (reason !== null) {
      s.history.push({ proposal: key, outcome: 'failed', reason, at })
      return
    }
  }
  Object.assign(s, trial)
  s.history.push({ proposal: key, outcome: 'executed', at })
}

function runProposalAction (s: GovState, a: ProposalAction): string | null {
  switch (a.type) {
    case 'setThreshold':
      if (!Number.isInteger(a.threshold) || a.threshold < 1) return refusal('ThresholdNotPositive')
      if (a.threshold > admins(s).length) return refusal('ThresholdExceedsAdmins', { threshold: a.threshold, admins: admins(s).length })
      s.threshold = a.threshold
      return null
    case 'setActiveLimit':
      if (!Number.isInteger(a.limit) || a.limit < 1) return refusal('LimitNotPositive')
      s.activeLimit = a.limit
      return null
    case 'addAdmin': {
      const m = member(s, a.identity)
      s.members.set(toHex(a.identity), { identity: a.identity, role: 'admin', capabilities: m?.capabilities ?? [] })
      return null
    }
    case 'removeAdmin': {
      const m = member(s, a.identity)
      if (m?.role !== 'admin') return refusal('NotAdmin', { who: short(a.identity) })
      if (admins(s).length === 1) return refusal('LastAdmin')
      m.role = 'member'
      // Keep the threshold reachable.
      if (s.threshold > admins(s).length) s.threshold = admins(s).length
      return null
    }
    case 'setValue':
      s.values.set(toHex(a.key), a.value)
      return null
    case 'deleteProposal':
      return s.proposals.delete(toHex(a.proposal)) ? null : refusal('NoProposalToDelete')
    default:
      // A chain-only action (a call, a transfer) runs on the chain; it changes no membership.
      return null
  }
}
