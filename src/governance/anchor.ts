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

/** A block of a chain: its height and hash. */
export interface BlockRef {
  number: number
  hash: string
}

/** A chain anchor's change: where on the chain it happened. */
export interface ChainChange extends AnchorChange {
  block: number
  blockHash: string
  logIndex: number
  /** The author's request nonce. */
  nonce: bigint
}

/** A proposal as a chain holds it: its actions may include chain-specific ones (calls, transfers). */
export type ChainProposalRecord = Omit<ProposalRecord, 'actions'> & { actions: Array<ProposalRecord['actions'][number] | { type: string }> }

/** A chain anchor's view, pinned to the block it was read at. */
export interface ChainGovernanceView extends Omit<GovernanceView, 'proposals'> {
  proposals: ChainProposalRecord[]
  block: BlockRef
  /** The block the context was created in (its history starts there). */
  createdBlock: number
}

export interface ChainWatchOptions {
  /** Deliver the context's changes from this block on first, then the live ones, with no gap. */
  fromBlock?: number
  /** Told the block the feed has read up to, once every change up to it was delivered. */
  onPosition?: (block: BlockRef) => void
}

/**
 * What every chain adapter (adapters/<chain>/) offers beyond Anchor: views pinned to
 * blocks, and a change feed with history and position, so a node can keep a context's
 * membership by block and handle reorgs (a change reorged out arrives again with
 * `accepted: false`, and the position moves back to the fork).
 */
export interface ChainAnchor extends Anchor {
  /** The view at the confirmed head. */
  viewAt (context: Uint8Array, options?: AnchorOptions): Promise<ChainGovernanceView>
  /** The view as of a block (a delta's governance point). */
  viewAtBlock (context: Uint8Array, number: number): Promise<ChainGovernanceView>
  watch (context: Uint8Array, listener: (change: AnchorChange) => void, options?: ChainWatchOptions): () => void
  /** The chain's id (EIP-155 chain id, NEAR network id, ...), as a string. */
  network (): Promise<string>
  close (): Promise<void>
}
