// The JSON shapes of NEAR's light-client RPC (nearcore's views): what
// `next_light_client_block`, `EXPERIMENTAL_light_client_proof`,
// `EXPERIMENTAL_light_client_block_proof` and `EXPERIMENTAL_validators_ordered` answer.
// Hashes and keys are base58, as nearcore writes them.

export interface BlockHeaderInnerLiteView {
  height: number
  epoch_id: string
  next_epoch_id: string
  prev_state_root: string
  outcome_root: string
  /** Nanoseconds; also as a number (`timestamp`), which loses precision: hashing uses the string. */
  timestamp: number
  timestamp_nanosec: string
  next_bp_hash: string
  block_merkle_root: string
}

export interface ValidatorStakeView {
  validator_stake_struct_version: 'V1'
  account_id: string
  public_key: string
  /** yoctoNEAR, decimal */
  stake: string
}

export interface LightClientBlockLiteView {
  prev_block_hash: string
  inner_rest_hash: string
  inner_lite: BlockHeaderInnerLiteView
}

export interface LightClientBlockView extends LightClientBlockLiteView {
  next_block_inner_hash: string
  /** The block producers of the next epoch (their borsh hashes to inner_lite.next_bp_hash). */
  next_bps: ValidatorStakeView[] | null
  /** Approvals of the block after the next one, in the order of this epoch's block producers. */
  approvals_after_next: Array<string | null>
}

export interface MerklePathItem { hash: string, direction: 'Left' | 'Right' }

export type ExecutionStatusView =
  | 'Unknown'
  | { Failure: unknown }
  | { SuccessValue: string }
  | { SuccessReceiptId: string }

export interface ExecutionOutcomeView {
  logs: string[]
  receipt_ids: string[]
  gas_burnt: number
  tokens_burnt: string
  executor_id: string
  status: ExecutionStatusView
  metadata?: unknown
}

export interface ExecutionOutcomeWithIdView {
  /** The outcome's path in its shard's outcome root. */
  proof: MerklePathItem[]
  block_hash: string
  id: string
  outcome: ExecutionOutcomeView
}

export interface LightClientProofView {
  outcome_proof: ExecutionOutcomeWithIdView
  /** The shard outcome root's path in the block's outcome root. */
  outcome_root_proof: MerklePathItem[]
  block_header_lite: LightClientBlockLiteView
  /** The block's path in the light client head's block_merkle_root. */
  block_proof: MerklePathItem[]
}
