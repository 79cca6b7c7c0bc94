// Chain-neutral claim types: what is stated, and what the answer rests on.

/** What a verified claim rests on: a proof against a header agreed by a quorum, or a pinned checkpoint. */
export type RestsOn = 'proof+quorum' | 'proof+checkpoint'

export type ClaimStatement =
  | { kind: 'balance', account: string }
  | { kind: 'storage', account: string, slot: string }

export interface ClaimResult {
  statement: ClaimStatement
  /** The proven value (hex quantity). */
  value: string
  restsOn: RestsOn
  block: { number: number, hash: string }
  /** Endpoints whose header hashes agreed (quorum) */
  agreedBy: string[]
}
