// The Anchor interface: where a context's governance lives. Implemented by `offchain`
// (src/governance/offchain/) and by each chain adapter (adapters/<chain>/). Small and
// data-in/data-out: nothing chain-specific crosses it.
import { MoorageError, type MoorageErrorOptions } from '../errors/index.ts'
import { refusalCodeOf, type RefusalCode } from './refusals.ts'
import type { GovAction, MemberRecord, ProposalRecord } from './types.ts'
import type { KeyShareAction } from './offchain/op.ts'
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

export interface RejectedOptions extends MoorageErrorOptions {
  /** Why, as a shared code (src/governance/refusals.ts); found from the message when not given. */
  code?: RefusalCode | undefined
}

/** An anchor refused a request; `code` says why (compare it, not the message). */
export class GovernanceRejectedError extends MoorageError {
  static override readonly status: number = 422
  override name = 'GovernanceRejectedError'
  readonly code: RefusalCode

  constructor (message: string, options: RejectedOptions = {}) {
    super(message, options)
    this.code = options.code ?? refusalCodeOf(message) ?? 'Other'
  }
}

export class UnknownAnchorError extends MoorageError {
  static override readonly status: number = 400
  override name = 'UnknownAnchorError'
}

/**
 * A place in a chain's order: `seq` grows along the chain (a block height, a round), `id`
 * names what is there (a block hash) and changes when a reorg replaces it.
 */
export interface Position {
  seq: number
  id: string
}

/**
 * When a change on a chain counts: once `confirmations` positions (its own included) are
 * on top of it, or once the chain's endpoint marks it with a finality tag (`finalized`).
 * Declared by each chain adapter.
 */
export type Finality = { confirmations: number } | { tag: string }

/**
 * A group-key share published through the chain: the chain orders it with the membership
 * changes, so a member that catches up (after a restart, or joining late) finds every
 * share it is owed in the change feed. Declared here as an operation every chain anchor
 * carries (docs/chain-kit.md explains why not peer-to-peer).
 */
export type { KeyShareAction } from './offchain/op.ts'
export type ChainAction = GovAction | KeyShareAction

/** A chain anchor's change: where on the chain it happened. */
export interface ChainChange extends AnchorChange {
  position: Position
  /** Its order among the changes at the same position. */
  index: number
  /** The author's request nonce. */
  nonce: bigint
  /** The chain's time at the position, in ms. */
  at: number
}

/** A proposal as a chain holds it: its actions may include chain-specific ones (calls, transfers). */
export type ChainProposalRecord = Omit<ProposalRecord, 'actions'> & { actions: Array<ProposalRecord['actions'][number] | { type: string }> }

/** A chain anchor's view, pinned to the position it was read at. */
export interface ChainGovernanceView extends Omit<GovernanceView, 'proposals'> {
  proposals: ChainProposalRecord[]
  position: Position
  /** How the context began: where (its history starts there), its first admin and application. */
  genesis: Genesis
}

export interface Genesis {
  seq: number
  creator: Uint8Array
  application: Uint8Array
}

export interface ChainWatchOptions {
  /** Deliver the context's changes from this position on first, then the live ones, with no gap. */
  from?: number | undefined
  /**
   * Told the position the feed has read up to, once every change up to it was delivered,
   * and how many positions that is behind the newest one that counts (when the feed knows).
   */
  onPosition?: ((position: Position, behind?: number) => void) | undefined
}

/** Where to read a chain view: the confirmed head (default) or a past position. */
export interface LookupOptions extends AnchorOptions {
  at?: number
}

/**
 * A read that may find nothing, said as a result rather than an error: `no-context` (the
 * chain has no such context at that position), `no-position` (the chain has no such
 * position yet, or any more), `no-past-state` (this chain, or this endpoint, cannot read
 * past state).
 */
export type Lookup<T> = { found: true, value: T } | { found: false, missing: 'no-context' | 'no-position' | 'no-past-state' }

/**
 * What every chain adapter (adapters/<chain>/) offers beyond Anchor: views pinned to
 * positions, and a change feed with history and position, so a node can keep a
 * context's membership by position and handle reorgs (a change reorged out arrives again
 * with `accepted: false`, and the position moves back to the fork).
 */
export interface ChainAnchor extends Anchor {
  readonly finality: Finality
  /** Whether `lookup` answers for past positions (archive reads); a node works without. */
  readonly pastState: boolean
  submit (context: Uint8Array, signer: Signer, action: ChainAction, options?: SubmitOptions): Promise<Receipt>
  /** The view at the confirmed head; NotFoundError for a context the chain does not have. */
  viewAt (context: Uint8Array, options?: AnchorOptions): Promise<ChainGovernanceView>
  /** The view at the confirmed head or at a past position, or why there is none. */
  lookup (context: Uint8Array, options?: LookupOptions): Promise<Lookup<ChainGovernanceView>>
  /** The id at position `seq` on the canonical chain now (undefined past the head). */
  idAt (seq: number, options?: AnchorOptions): Promise<string | undefined>
  watch (context: Uint8Array, listener: (change: AnchorChange) => void, options?: ChainWatchOptions): () => void
  /** The chain's network id (the reference within its CAIP-2 namespace), as a string. */
  network (): Promise<string>
  close (): Promise<void>
}
