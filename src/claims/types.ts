// Chain-neutral claim types: what is stated, and what the answer rests on. Which statement
// kinds exist, and what their fields are, is each chain module's (its `claims.kinds`).

/**
 * What a verified claim rests on:
 * - `proof+quorum`: a proof checked locally against a root in a block that ≥ 2 endpoints agree on;
 * - `proof+checkpoint`: a proof against a root in a pinned block;
 * - `quorum`: no proof: ≥ 2 endpoints agreed on the block and on the value. Agreement, not a proof;
 * - `light-client`: a proof against a header chain followed here from a pinned checkpoint, each
 *   header signed by the chain's block producers (more than 2/3 of their stake);
 * - `certificate`: the value is in a state tree the chain's root key signed, checked locally
 *   (the `block` is then the certificate: its tree's root hash and its time; number 0).
 */
export type RestsOn = 'proof+quorum' | 'proof+checkpoint' | 'quorum' | 'light-client' | 'certificate'

/** A statement as its chain module's `claims.parse` checked it: a kind that module declares, and its fields. */
export interface ClaimStatement {
  readonly kind: string
  readonly [field: string]: string | number
}

export interface ClaimResult {
  statement: ClaimStatement
  /** The proven (or agreed) value, as text in the chain's own form (a 0x quantity, a decimal amount, base64 bytes…). */
  value: string
  restsOn: RestsOn
  /** The block the value was read at; `hash` as the chain writes it; `timestamp` in seconds. */
  block: { number: number, hash: string, timestamp: number }
  /** Endpoints that agreed on the block (and, for `quorum`, on the value); for `light-client`, the one that served the proof */
  agreedBy: string[]
  /** What else the value rests on, e.g. an assumed storage layout ("balances at slot 0"). */
  assumes?: string
}

export interface ClaimVerifyInit {
  /** JSON-RPC endpoints; ≥ 2 must agree on the block unless a checkpoint is pinned. */
  endpoints: string[]
  /** A pinned block (number and hash) instead of a quorum (chains whose verifier supports it). */
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
