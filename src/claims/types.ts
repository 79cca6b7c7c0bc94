// Chain-neutral claim types: what is stated, and what the answer rests on.

/** What a verified claim rests on: a proof against a header agreed by a quorum, or a pinned checkpoint. */
export type RestsOn = 'proof+quorum' | 'proof+checkpoint'

export type ClaimStatement =
  | { kind: 'balance', account: string }
  | { kind: 'storage', account: string, slot: string }
  /** balanceOf(holder) read from the mapping at `slotIndex` (Solidity layout): rests on that assumed layout. */
  | { kind: 'token-balance', token: string, holder: string, slotIndex: number }
  /** ownerOf(tokenId) read from the owners mapping at `slotIndex`: rests on that assumed layout. */
  | { kind: 'nft-owner', token: string, tokenId: string, slotIndex: number }
  | { kind: 'code-hash', account: string }

export interface ClaimResult {
  statement: ClaimStatement
  /** The proven value (hex quantity). */
  value: string
  restsOn: RestsOn
  /** The block the value was proven at; `timestamp` in seconds, as the header gives it. */
  block: { number: number, hash: string, timestamp: number }
  /** Endpoints whose header hashes agreed (quorum) */
  agreedBy: string[]
  /** A storage layout the value rests on, e.g. "balances at slot 0". */
  assumes?: string
}

export interface ClaimVerifyInit {
  /** JSON-RPC endpoints; ≥ 2 must agree on the header unless a checkpoint is pinned. */
  endpoints: string[]
  /** A pinned block (number and hash) instead of a quorum. */
  checkpoint?: { number: number, hash: string }
  block?: number | 'latest'
  /** The network (CAIP-2 reference, e.g. a chain id) every endpoint must serve; unchecked when absent. */
  network?: string
}

/** Where a node verifies claims about one chain (config.json `claims.<kind>`): ≥ 2 independent endpoints, or a pinned checkpoint. */
export interface ClaimEndpoints {
  rpc: string[]
  checkpoint?: { number: number, hash: string }
}
