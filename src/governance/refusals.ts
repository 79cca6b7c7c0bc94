// Why an anchor refuses a request: one stable code per reason, and the one place its
// text is written. The shared reducer (acl.ts) renders its refusals here, each chain
// adapter maps its contract's errors to these codes (adapters/<chain>/reasons.ts), and
// GovernanceRejectedError carries the code, so callers and the conformance suites
// compare codes, never wording.

type Text = (a: Record<string, string>) => string

const TEXTS = {
  // Requests: authentication and nonces.
  StaleNonce: (a) => `stale nonce ${a.nonce}: the last accepted nonce of ${a.who} is ${a.last}`,
  UnknownContext: (a) => `no context ${a.context} on this contract`,
  ContextExists: (a) => `context ${a.context} exists already`,
  BadSignature: () => 'the request signature is malformed',
  BadBinding: (a) => `${a.who} has no signing key bound in this context and the binding signature does not verify`,
  WrongKey: (a) => `the request is not signed by the key bound to ${a.who} (${a.key})`,
  Reentered: () => 'a request cannot be made from inside another request',
  OnlyProxy: () => 'only the context\'s proxy may change admins',
  UnknownRequest: (a) => `unknown request kind ${a.kind}`,
  // Members, roles and capabilities.
  MissingCapability: (a) => `${a.who} lacks the ${a.capability} capability`,
  AdminAddNeedsProposal: () => 'admins are added through an addAdmin proposal',
  AdminRemoveNeedsProposal: () => 'admins are removed through a removeAdmin proposal',
  AdminRoleNeedsProposal: () => 'admin roles change through proposals',
  AlreadyMember: (a) => `${a.who} is already a member`,
  NotMember: (a) => `${a.who} is not a member`,
  OnlyAdminsCapabilities: (a) => `only admins ${a.what} capabilities`,
  UnknownCapability: (a) => `unknown capability ${a.capability}`,
  BadApplication: () => 'the application id must be 32 bytes, not all zero',
  LastAdminCannotLeave: () => 'the last admin cannot leave; add another admin first',
  // Invitations.
  InvitationExists: () => 'an invitation with this id exists',
  InvitationRole: () => 'invitations grant the member or reader role',
  InvitationTarget: (a) => `unknown invitation target kind ${a.kind}`,
  MaxUsesNotPositive: () => 'maxUses must be a positive integer',
  AlreadyExpired: () => 'the invitation is already expired',
  InviteeIsMember: () => 'the invitee is already a member',
  NoSuchInvitation: () => 'no such invitation',
  OpenInvitationNeedsReveal: () => 'an open invitation is claimed by commitClaim then revealClaim',
  NamesAnotherIdentity: () => 'the invitation names another identity',
  CommitNeedsOpenInvitation: () => 'only open invitations take commitments',
  NotOpenInvitation: () => 'not an open invitation',
  TooManyCommitments: () => 'too many commitments for this invitation',
  NoMatchingCommitment: () => 'no earlier commitment by this identity matches the reveal',
  BadClaimProof: () => 'the claim proof does not verify against the invitation key',
  ConditionNeedsOpenInvitation: () => 'only an open invitation carries a claim condition',
  ClaimEvidenceMissing: () => 'the invitation needs a claim, and the reveal carries no evidence (a wallet link and a block)',
  ClaimEvidenceMismatch: (a) => `the claim evidence does not fit: ${a.why}`,
  InvitationRevoked: () => 'the invitation was revoked',
  InvitationExpired: (a) => `the invitation expired at ${a.time}`,
  NoUsesLeft: () => 'the invitation has no uses left',
  ClaimerIsMember: () => 'already a member',
  // Group keys.
  KeysNotMember: (a) => `only members share group keys; ${a.who} is not a member`,
  ReaderCannotRotate: (a) => `readers cannot rotate the group key; ${a.who} is a reader (it may re-share the current key)`,
  // Proposals.
  ProposalExists: () => 'a proposal with this id exists',
  ProposalSpent: () => 'a proposal with this id was decided already (executed or failed); its id cannot be used again',
  ActionCount: (a) => `a proposal carries 1 to ${a.max} actions`,
  ActiveLimitReached: (a) => `${a.who} already has ${a.open} active proposals (limit ${a.limit})`,
  NoSuchProposal: () => 'no such proposal',
  OnlyAdminsApprove: (a) => `only admins approve; ${a.who} is not an admin`,
  AlreadyApproved: () => 'already approved by this identity',
  ActionsMismatch: () => 'the actions sent with the approval are not those of the proposal',
  UnknownProposalAction: (a) => `unknown proposal action kind ${a.kind}`,
  // A proposal's execution.
  ThresholdNotPositive: () => 'threshold must be a positive integer',
  ThresholdExceedsAdmins: (a) => `threshold ${a.threshold} exceeds the ${a.admins} admins`,
  LimitNotPositive: () => 'the active-proposals limit must be a positive integer',
  NotAdmin: (a) => `${a.who} is not an admin`,
  LastAdmin: () => 'a context keeps at least one admin',
  NoProposalToDelete: () => 'no such proposal to delete',
  OutOfResources: () => 'the proposal\'s execution ran out of gas; send the request with more gas',
  CallFailed: (a) => `the call to ${a.target} reverted (${a.detail})`,
  TransferFailed: (a) => `the transfer of ${a.amount} to ${a.to} failed`,
  // Anything with no code of its own (the anchor gives the words).
  Other: (a) => a.detail ?? 'the request was refused'
} satisfies Record<string, Text>

export type RefusalCode = keyof typeof TEXTS
export const REFUSAL_CODES = Object.keys(TEXTS) as RefusalCode[]

/** What each request is called in an error, in words rather than its action's name. */
const REQUESTS: Record<string, string> = {
  addMember: 'adding the member',
  removeMember: 'the removal',
  setRole: 'the role change',
  grant: 'the capability grant',
  revoke: 'the capability revocation',
  updateApplication: 'the application update',
  invite: 'the invitation',
  revokeInvitation: 'revoking the invitation',
  claim: 'the claim',
  commitClaim: 'the claim (its commitment)',
  revealClaim: 'the claim',
  leave: 'leaving',
  propose: 'the proposal',
  approve: 'the approval',
  keys: 'sharing the group key'
}

/** `the role change was refused: <reason>`: the message of a refused request. */
export function refusedMessage (action: string, reason: string): string {
  return `${REQUESTS[action] ?? `the ${action} request`} was refused: ${reason}`
}

/** The text of a refusal (arguments are already rendered: short ids, ISO times). */
export function refusal (code: RefusalCode, args: Record<string, string | number | bigint> = {}): string {
  return (TEXTS[code] as Text)(Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)])))
}

// Each text as a pattern (its arguments matched loosely), to recover the code of a reason
// that travelled as text (an offchain op's verdict, a stored rejection).
const HOLE = '\u0000'
// When several match (`x is not a member` is in `only members share group keys; x is not
// a member`), the one with the most fixed text wins.
const PATTERNS: Array<{ code: RefusalCode, re: RegExp, fixed: number }> = REFUSAL_CODES.filter((c) => c !== 'Other').map((code) => {
  const parts = (TEXTS[code] as Text)(new Proxy({}, { get: () => HOLE })).split(HOLE)
  const source = parts.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?')
  return { code, re: new RegExp(`(?:^|: )${source}$`), fixed: parts.join('').length }
}).sort((a, b) => b.fixed - a.fixed)

/** The code of a refusal's text (or of a message ending in one, such as `addMember refused: …`). */
export function refusalCodeOf (text: string): RefusalCode | undefined {
  const line = text.split('\n')[0]!
  return PATTERNS.find((p) => p.re.test(line))?.code
}
