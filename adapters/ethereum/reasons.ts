// Turns the contracts' custom errors into the shared refusal codes of
// src/governance/refusals.ts (which also renders their text), so a refusal has the same
// code and reads the same whatever the anchor.
import { Interface, type ErrorDescription, getBytes } from 'ethers'
import { refusal, type RefusalCode } from '../../src/governance/refusals.ts'
import { capabilityName, short } from './encoding.ts'

type Args = ErrorDescription['args']
type Refusal = { code: RefusalCode, args?: Record<string, string | number | bigint> }
type Map = (a: Args, action: string) => Refusal

const REQUEST_NAMES: Record<number, string> = { 0: 'addMember', 1: 'removeMember', 2: 'setRole', 3: 'grant', 4: 'revoke', 13: 'approve', 14: 'keys' }
const who = (a: Args, i = 0): { who: string } => ({ who: short(a[i] as string) })
const same = (code: RefusalCode): Map => () => ({ code })

const CODES: Record<string, Map> = {
  // Authentication and nonces.
  UnknownContext: (a) => ({ code: 'UnknownContext', args: { context: short(a[0] as string) } }),
  ContextExists: (a) => ({ code: 'ContextExists', args: { context: short(a[0] as string) } }),
  BadSignature: same('BadSignature'),
  BadBinding: (a) => ({ code: 'BadBinding', args: who(a) }),
  WrongKey: (a) => ({ code: 'WrongKey', args: { ...who(a), key: String(a[1]) } }),
  StaleNonce: (a) => ({ code: 'StaleNonce', args: { ...who(a), nonce: String(a[1]), last: String(a[2]) } }),
  Reentered: same('Reentered'),
  OnlyProxy: same('OnlyProxy'),
  UnknownRequest: (a) => ({ code: 'UnknownRequest', args: { kind: String(a[0]) } }),
  // Members, invitations (acl.ts semantics).
  MissingCapability: (a) => ({ code: 'MissingCapability', args: { ...who(a), capability: capabilityName(Number(a[1])) } }),
  AdminChangeNeedsProposal: (a) => ({ code: Number(a[0]) === 0 ? 'AdminAddNeedsProposal' : Number(a[0]) === 1 ? 'AdminRemoveNeedsProposal' : 'AdminRoleNeedsProposal' }),
  AlreadyMember: (a) => ({ code: 'AlreadyMember', args: who(a) }),
  NotMember: (a, action) => ({ code: action === 'keys' ? 'KeysNotMember' : 'NotMember', args: who(a) }),
  OnlyAdmins: (a) => {
    const kind = REQUEST_NAMES[Number(a[0])]
    return kind === 'approve' ? { code: 'OnlyAdminsApprove', args: who(a, 1) } : { code: 'OnlyAdminsCapabilities', args: { what: kind ?? 'do this' } }
  },
  UnknownCapability: (a) => ({ code: 'UnknownCapability', args: { capability: String(a[0]) } }),
  BadApplication: same('BadApplication'),
  InvitationExists: same('InvitationExists'),
  InvitationRole: same('InvitationRole'),
  InvitationTarget: (a) => ({ code: 'InvitationTarget', args: { kind: String(a[0]) } }),
  MaxUsesNotPositive: same('MaxUsesNotPositive'),
  AlreadyExpired: same('AlreadyExpired'),
  InviteeIsMember: same('InviteeIsMember'),
  NoSuchInvitation: same('NoSuchInvitation'),
  OpenInvitationNeedsReveal: same('OpenInvitationNeedsReveal'),
  NamesAnotherIdentity: same('NamesAnotherIdentity'),
  NotOpenInvitation: (_a, action) => ({ code: action === 'commitClaim' ? 'CommitNeedsOpenInvitation' : 'NotOpenInvitation' }),
  TooManyCommitments: same('TooManyCommitments'),
  NoMatchingCommitment: same('NoMatchingCommitment'),
  BadClaimProof: same('BadClaimProof'),
  InvitationRevokedError: same('InvitationRevoked'),
  InvitationExpired: (a) => ({ code: 'InvitationExpired', args: { time: new Date(Number(a[1])).toISOString() } }),
  NoUsesLeft: same('NoUsesLeft'),
  AlreadyAMember: same('ClaimerIsMember'),
  LastAdminCannotLeave: same('LastAdminCannotLeave'),
  NotAdmin: (a) => ({ code: 'NotAdmin', args: who(a) }),
  LastAdmin: same('LastAdmin'),
  ReaderCannotRotate: (a) => ({ code: 'ReaderCannotRotate', args: who(a) }),
  // Proposals (ContextProxy).
  ProposalExists: same('ProposalExists'),
  ProposalSpent: same('ProposalSpent'),
  ActionCount: (a) => ({ code: 'ActionCount', args: { max: String(a[1]) } }),
  ActiveLimitReached: (a) => ({ code: 'ActiveLimitReached', args: { ...who(a), open: String(a[1]), limit: String(a[2]) } }),
  NoSuchProposal: same('NoSuchProposal'),
  AlreadyApproved: same('AlreadyApproved'),
  ActionsMismatch: same('ActionsMismatch'),
  OutOfGas: same('OutOfResources'),
  ThresholdNotPositive: same('ThresholdNotPositive'),
  ThresholdExceedsAdmins: (a) => ({ code: 'ThresholdExceedsAdmins', args: { threshold: String(a[0]), admins: String(a[1]) } }),
  LimitNotPositive: same('LimitNotPositive'),
  NoProposalToDelete: same('NoProposalToDelete'),
  CallFailed: (a) => ({ code: 'CallFailed', args: { target: String(a[0]), detail: String(a[1]) } }),
  TransferFailed: (a) => ({ code: 'TransferFailed', args: { to: String(a[0]), amount: `${String(a[1])} wei` } }),
  UnknownProposalAction: (a) => ({ code: 'UnknownProposalAction', args: { kind: String(a[0]) } })
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

  /** The refusal code and text for revert data `data` (hex), given the action that was attempted. */
  refusal (data: string | undefined, action = ''): { code: RefusalCode, text: string } {
    if (data === undefined || data === '0x' || data === '') return { code: 'Other', text: 'the transaction reverted without a reason' }
    let parsed: ErrorDescription | null = null
    try { parsed = this.iface.parseError(data) } catch { parsed = null }
    if (parsed === null) return { code: 'Other', text: `the contract reverted (${data.slice(0, 74)})` }
    if (parsed.name === 'Error') return { code: 'Other', text: String(parsed.args[0]) }
    if (parsed.name === 'Panic') return { code: 'Other', text: `the contract panicked (code ${String(parsed.args[0])})` }
    const map = CODES[parsed.name]
    if (map === undefined) return { code: 'Other', text: `${parsed.name}(${parsed.args.map(String).join(', ')})` }
    const r = map(parsed.args, action)
    return { code: r.code, text: refusal(r.code, r.args) }
  }

  /** The reason's text for revert data (a proposal's failure, stored as the contract gave it). */
  explain (data: string | undefined, action = ''): string {
    return this.refusal(data, action).text
  }

  /** The custom error's name in revert data, if any. */
  errorName (data: string | undefined): string | undefined {
    if (data === undefined || getBytes(data).length < 4) return undefined
    try { return this.iface.parseError(data)?.name } catch { return undefined }
  }
}
