// Turns the contracts' custom errors into the reasons src/governance/acl.ts gives, so a
// refusal reads the same whatever the anchor.
import { Interface, type ErrorDescription, getBytes } from 'ethers'
import { capabilityName, short } from './encoding.ts'

type Args = ErrorDescription['args']
type Explain = (a: Args, action: string) => string

const REQUEST_NAMES: Record<number, string> = { 0: 'addMember', 1: 'removeMember', 2: 'setRole', 3: 'grant', 4: 'revoke', 13: 'approve', 14: 'keys' }

const EXPLAIN: Record<string, Explain> = {
  // Authentication and nonces.
  UnknownContext: (a) => `no context ${short(a[0] as string)} on this contract`,
  ContextExists: (a) => `context ${short(a[0] as string)} exists already`,
  BadSignature: () => 'the request signature is malformed',
  BadBinding: (a) => `${short(a[0] as string)} has no EVM key bound in this context and the binding signature does not verify`,
  WrongKey: (a) => `the request is not signed by the key bound to ${short(a[0] as string)} (${String(a[1])})`,
  StaleNonce: (a) => `stale nonce ${String(a[1])}: the last accepted nonce of ${short(a[0] as string)} is ${String(a[2])}`,
  Reentered: () => 'a request cannot be made from inside another request',
  OnlyProxy: () => 'only the context\'s proxy may change admins',
  UnknownRequest: (a) => `unknown request kind ${String(a[0])}`,
  // Refusals (acl.ts wording).
  MissingCapability: (a) => `${short(a[0] as string)} lacks the ${capabilityName(Number(a[1]))} capability`,
  AdminChangeNeedsProposal: (a) => Number(a[0]) === 0
    ? 'admins are added through an addAdmin proposal'
    : Number(a[0]) === 1 ? 'admins are removed through a removeAdmin proposal' : 'admin roles change through proposals',
  AlreadyMember: (a) => `${short(a[0] as string)} is already a member`,
  NotMember: (a, action) => action === 'keys'
    ? `only members share group keys; ${short(a[0] as string)} is not a member`
    : `${short(a[0] as string)} is not a member`,
  OnlyAdmins: (a) => {
    const kind = REQUEST_NAMES[Number(a[0])]
    return kind === 'approve' ? `only admins approve; ${short(a[1] as string)} is not an admin` : `only admins ${kind ?? 'do this'} capabilities`
  },
  UnknownCapability: (a) => `unknown capability ${String(a[0])}`,
  BadApplication: () => 'the application id must be 32 bytes, not all zero',
  InvitationExists: () => 'an invitation with this id exists',
  InvitationRole: () => 'invitations grant the member or reader role',
  InvitationTarget: (a) => `unknown invitation target kind ${String(a[0])}`,
  MaxUsesNotPositive: () => 'maxUses must be a positive integer',
  AlreadyExpired: () => 'the invitation is already expired',
  InviteeIsMember: () => 'the invitee is already a member',
  NoSuchInvitation: () => 'no such invitation',
  OpenInvitationNeedsReveal: () => 'an open invitation is claimed by commitClaim then revealClaim',
  NamesAnotherIdentity: () => 'the invitation names another identity',
  NotOpenInvitation: (_a, action) => action === 'commitClaim' ? 'only open invitations take commitments' : 'not an open invitation',
  NoMatchingCommitment: () => 'no earlier commitment by this identity matches the reveal',
  BadClaimProof: () => 'the claim proof does not verify against the invitation key',
  InvitationRevokedError: () => 'the invitation was revoked',
  InvitationExpired: (a) => `the invitation expired at ${new Date(Number(a[1])).toISOString()}`,
  NoUsesLeft: () => 'the invitation has no uses left',
  AlreadyAMember: () => 'already a member',
  LastAdminCannotLeave: () => 'the last admin cannot leave; add another admin first',
  NotAdmin: (a) => `${short(a[0] as string)} is not an admin`,
  LastAdmin: () => 'a context keeps at least one admin',
  ReaderCannotRotate: (a) => `readers cannot rotate the group key; ${short(a[0] as string)} is a reader (it may re-share the current key)`,
  // Proposals (ContextProxy).
  ProposalExists: () => 'a proposal with this id exists',
  ActionCount: (a) => `a proposal carries 1 to ${String(a[1])} actions`,
  ActiveLimitReached: (a) => `${short(a[0] as string)} already has ${String(a[1])} active proposals (limit ${String(a[2])})`,
  NoSuchProposal: () => 'no such proposal',
  AlreadyApproved: () => 'already approved by this identity',
  ActionsMismatch: () => 'the actions sent with the approval are not those of the proposal',
  OutOfGas: () => 'the proposal\'s execution ran out of gas; send the request with more gas',
  ThresholdNotPositive: () => 'threshold must be a positive integer',
  ThresholdExceedsAdmins: (a) => `threshold ${String(a[0])} exceeds the ${String(a[1])} admins`,
  LimitNotPositive: () => 'the active-proposals limit must be a positive integer',
  NoProposalToDelete: () => 'no such proposal to delete',
  CallFailed: (a) => `the call to ${String(a[0])} reverted (${String(a[1])})`,
  TransferFailed: (a) => `the transfer of ${String(a[1])} wei to ${String(a[0])} failed`,
  UnknownProposalAction: (a) => `unknown proposal action kind ${String(a[0])}`
}

export class Reasons {
  private readonly iface: Interface

  constructor (...abis: unknown[][]) {
    const seen = new Set<string>()
    const errors = abis.flat().filter((f) => {
      const frag = f as { type?: string, name?: string }
      if (frag.type !== 'error' || frag.name === undefined || seen.has(frag.name)) return false
      seen.add(frag.name)
      return true
    })
    this.iface = new Interface(errors as never[])
  }

  /** The reason for revert data `data` (hex), given the action that was attempted. */
  explain (data: string | undefined, action = ''): string {
    if (data === undefined || data === '0x' || data === '') return 'the transaction reverted without a reason'
    let parsed: ErrorDescription | null = null
    try { parsed = this.iface.parseError(data) } catch { parsed = null }
    if (parsed === null) return `the contract reverted (${data.slice(0, 74)})`
    if (parsed.name === 'Error') return String(parsed.args[0])
    if (parsed.name === 'Panic') return `the contract panicked (code ${String(parsed.args[0])})`
    const explain = EXPLAIN[parsed.name]
    return explain !== undefined ? explain(parsed.args, action) : `${parsed.name}(${parsed.args.map(String).join(', ')})`
  }

  /** The custom error's name in revert data, if any. */
  errorName (data: string | undefined): string | undefined {
    if (data === undefined || getBytes(data).length < 4) return undefined
    try { return this.iface.parseError(data)?.name } catch { return undefined }
  }
}
