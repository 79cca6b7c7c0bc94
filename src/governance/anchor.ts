// The Anchor interface: where a context's governance lives. Implemented by `offchain`
// (src/governance/offchain/) and by each chain adapter (adapters/<chain>/). Small and
// data-in/data-out: nothing chain-specific crosses it.
import { MoorageError } from '../errors/index.ts'
import type { GovAction, MemberRecord, ProposalRecord } from './types.ts'
import type { InvitationState, ProposalOutcome } from './acl.ts'

export interface Signer {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

export interface AnchorOptions {
  signal?: AbortSignal
}

export interface SubmitOptions extends AnchorOptions {
  /** Use this nonce instead of the next one (replay and stale-nonce checks). */
  nonce?: bigint
}

export interface Receipt {
  /** Id of the operation (offchain op id, transaction hash, ...), hex. */
  id: string
  /** The anchor's revision after the operation. */
  revision: number
}

/** A read-only view of a context's governance. */
export interface GovernanceView {
  context: Uint8Array
  application: Uint8Array
  members: MemberRecord[]
  threshold: number
  activeLimit: number
  revision: number
  proposals: ProposalRecord[]
  history: ProposalOutcome[]
  invitations: InvitationState[]
  values: Array<{ key: Uint8Array, value: Uint8Array }>
}

export interface AnchorChange {
  context: Uint8Array
  /** Operation id (hex) and who made it. */
  id: string
  author: Uint8Array
  action: GovAction | { type: string }
  accepted: boolean
  reason?: string
  revision: number
}

export interface Anchor {
  readonly kind: string
  /** Creates a context governed by this anchor, with `creator` as its first admin. */
  createContext (init: { application: Uint8Array, creator: Signer, salt?: Uint8Array }, options?: AnchorOptions): Promise<{ context: Uint8Array, receipt: Receipt }>
  /** Asks the anchor to perform `action` as `signer`; throws GovernanceRejectedError with the reason when refused. */
  submit (context: Uint8Array, signer: Signer, action: GovAction, options?: SubmitOptions): Promise<Receipt>
  /** The next nonce `identity` must use. */
  nonce (context: Uint8Array, identity: Uint8Array, options?: AnchorOptions): Promise<bigint>
  view (context: Uint8Array, options?: AnchorOptions): Promise<GovernanceView>
  /** Change feed: every operation that reaches the anchor for `context`, accepted or not. */
  watch (context: Uint8Array, listener: (change: AnchorChange) => void): () => void
}

export class GovernanceRejectedError extends MoorageError {
  static override readonly status: number = 422
  override name = 'GovernanceRejectedError'
}

export class UnknownAnchorError extends MoorageError {
  static override readonly status: number = 400
  override name = 'UnknownAnchorError'
}
