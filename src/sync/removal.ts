// Strong removal: one deterministic rule for every anchor.
//
// Once a node knows that an identity was removed (or left), it admits from that identity
// only deltas in the causal past of the removal's *frontier* — the data heads the remover
// had seen when it removed it. A delta outside is kept in the DAG (its children may be
// honest) but has no effect on the state; one a node applied before it learnt of the
// removal is undone there (the state is recomputed from the deltas that remain). Every
// node reaches the same verdict, as the frontier and a delta's ancestry are both content
// addressed, so root hashes converge.
//
// Why: judging only by the governance point a delta names lets a removed member keep its
// old key and write deltas naming a point from before its removal; peers would accept them
// for ever. The price: writes the removed member made concurrently with its removal, before
// it learnt of it, that had not reached the remover, are undone too.
//
// The rule applies to deltas whose governance point had not seen the removal (a delta
// written after the author was added again names a later point, and is judged there).
//
// Anchors that record no frontier (`frontier: null`) keep the weaker rule: the membership
// check at the delta's governance point. On a chain that point is a block, so the removal's
// position already bounds the author's admissible points (`stateAt` answers "not a member"
// for every point at or after it); a chain anchor that records the remover's frontier in
// the removal request gets strong removal by returning it here.
import { toHex } from '../crypto/bytes.ts'

export interface Removal {
  /** The identity removed (or that left). */
  identity: Uint8Array
  /** Stable id of the removal on its anchor (offchain: the op id; a chain: its position). */
  id: Uint8Array
  /** Data heads the remover had seen, or null when the anchor records none. */
  frontier: Uint8Array[] | null
  /**
   * Whether a delta written at governance point `point` had seen the removal (offchain:
   * the op is among the point's ancestors; a chain: the point's block is at or after the
   * removal's position). The rule applies only to deltas that had not.
   */
  seenAt: (point: Uint8Array[]) => boolean
}

/** What a walk back from a frontier found: the ids authored by one identity, and ids it could not follow. */
export interface PastOfFrontier {
  authored: Set<string>
  /** Ids reached that this node holds neither applied nor held: the answer may grow once they come. */
  missing: Uint8Array[]
}

export type RemovalVerdict =
  | { status: 'admit' }
  | { status: 'void', reason: string }
  | { status: 'wait', missing: Uint8Array[] }

/**
 * The rule, for one delta by a removed identity: admitted when it is in the causal past
 * of the frontier, void when it is not, and undecided (wait for `missing`) while the walk
 * back from the frontier reaches deltas this node lacks.
 */
export function judgeAfterRemoval (removal: Removal, delta: { id: Uint8Array, anchor: Uint8Array[] }, past: (removal: Removal) => PastOfFrontier): RemovalVerdict {
  if (removal.frontier === null || removal.seenAt(delta.anchor)) return { status: 'admit' }
  const p = past(removal)
  if (p.authored.has(toHex(delta.id))) return { status: 'admit' }
  if (p.missing.length > 0) return { status: 'wait', missing: p.missing }
  return { status: 'void', reason: `its author was removed by ${toHex(removal.id).slice(0, 12)} and the delta is not in the causal past of that removal` }
}

/** The strictest verdict over every removal of the author (a void anywhere is void). */
export function judgeRemoved (removals: Removal[], delta: { id: Uint8Array, anchor: Uint8Array[] }, past: (removal: Removal) => PastOfFrontier): RemovalVerdict {
  let wait: Uint8Array[] | undefined
  for (const r of removals) {
    const v = judgeAfterRemoval(r, delta, past)
    if (v.status === 'void') return v
    if (v.status === 'wait') wait = [...(wait ?? []), ...v.missing]
  }
  return wait === undefined ? { status: 'admit' } : { status: 'wait', missing: wait }
}
