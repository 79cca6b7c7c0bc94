// Governance concepts shared by every anchor (offchain and chains): roles, capabilities,
// the actions a context identity can request, and what can be asked of an anchor.
import type { SignedWalletLink } from '../wallets/record.ts'

export const ROLES = ['admin', 'member', 'reader'] as const
export type Role = typeof ROLES[number]

export const CAPABILITIES = ['ManageMembers', 'ManageApplication', 'Proxy'] as const
export type Capability = typeof CAPABILITIES[number]

/** Where an invitation lets someone in from. */
export type InvitationTarget =
  | { type: 'identity', identity: Uint8Array }
  /**
   * Open invitation: whoever holds the invitation secret. `key` is the ed25519 public key
   * derived from the secret; a claim proves the secret by a signature binding the
   * claimer's identity, so a watcher who sees the reveal cannot reuse it.
   */
  | { type: 'open', key: Uint8Array }
  /**
   * A wallet account (CAIP-10): claimed by an identity presenting a wallet link made with
   * that account (src/wallets/); offchain contexts only.
   */
  | { type: 'account', account: string }

export interface InvitationSpec {
  id: Uint8Array
  target: InvitationTarget
  role: Exclude<Role, 'admin'>
  /** Milliseconds since the epoch; a claim stamped later is rejected. */
  expiresAt: number
  maxUses: number
  /**
   * Open invitations only: a claim the claimant must prove (JSON text of a claim condition,
   * src/claims/condition.ts). Governance keeps it opaque; every admitting node verifies it
   * against the chain before it takes the reveal in (docs/claims.md).
   */
  condition?: string
}

/** Actions a proposal can carry; they execute together once approvals reach the threshold. */
export type ProposalAction =
  | { type: 'setThreshold', threshold: number }
  | { type: 'setActiveLimit', limit: number }
  | { type: 'addAdmin', identity: Uint8Array }
  | { type: 'removeAdmin', identity: Uint8Array }
  | { type: 'setValue', key: Uint8Array, value: Uint8Array }
  | { type: 'deleteProposal', proposal: Uint8Array }

/**
 * Actions only a chain's proxy contract can run (it holds the context's funds): a call
 * to another contract and a transfer. An offchain context refuses them.
 */
export type ChainProposalAction =
  /** Calls `target` with `data`, sending `value` (in the chain's smallest unit) from the context's proxy. */
  | { type: 'call', target: string, value?: bigint, data?: Uint8Array }
  /** Sends `amount` from the context's proxy to `to`. */
  | { type: 'transfer', to: string, amount: bigint }

/** What a context identity asks its anchor to do. */
export type GovAction =
  | { type: 'addMember', identity: Uint8Array, role: Exclude<Role, 'admin'> }
  /**
   * `frontier`: the data heads (delta ids) the remover had seen. Strong removal: once a
   * node knows the removal, it admits from the removed identity only deltas in the causal
   * past of these heads (src/sync/removal.ts). Absent on anchors that do not record it.
   */
  | { type: 'removeMember', identity: Uint8Array, frontier?: Uint8Array[] }
  | { type: 'setRole', identity: Uint8Array, role: Exclude<Role, 'admin'> }
  | { type: 'grant', identity: Uint8Array, capability: Capability }
  | { type: 'revoke', identity: Uint8Array, capability: Capability }
  | { type: 'updateApplication', application: Uint8Array }
  | { type: 'invite', invitation: InvitationSpec }
  | { type: 'revokeInvitation', invitation: Uint8Array }
  /** Claims an identity-bound invitation (signed by the invitee); a wallet-account invitation's claim carries the claimer's link with that account. */
  | { type: 'claim', invitation: Uint8Array, link?: SignedWalletLink }
  /** Open invitations, step 1: commit to the claim proof without revealing it (see claimCommitment). */
  | { type: 'commitClaim', invitation: Uint8Array, commitment: Uint8Array }
  /** Open invitations, step 2: reveal the proof; valid only after a matching commitment by the same identity. */
  | { type: 'revealClaim', invitation: Uint8Array, proof: Uint8Array, /** For a gated invitation: the wallet link and the block the claim is proven at (JSON, src/claims/evidence.ts). */ evidence?: string }
  /** `frontier`: the leaver's data heads, as for removeMember. */
  | { type: 'leave', frontier?: Uint8Array[] }
  | { type: 'propose', proposal: Uint8Array, actions: ProposalAction[] }
  | { type: 'approve', proposal: Uint8Array }

export interface MemberRecord {
  identity: Uint8Array
  role: Role
  capabilities: Capability[]
}

export interface ProposalRecord {
  id: Uint8Array
  author: Uint8Array
  actions: ProposalAction[]
  approvals: Uint8Array[]
  createdAt: number
}

/** Key material for the context group key, shared or rotated through the anchor (the off-chain DAG, or a chain contract). */
export interface KeyShareAction {
  type: 'keys'
  /** Id of the group key (epoch): sha256 of the key bytes' commitment, chosen by whoever made the key. */
  keyId: Uint8Array
  /** True when this key replaces the current one (a rotation), false when re-sharing. */
  rotate: boolean
  shares: Array<{ recipient: Uint8Array, wrapped: Uint8Array }>
}
