// A chain-anchored context's governance, rebuilt from its change feed. The chain is the
// order: the node replays every accepted change, from the context's creation on, through
// the shared reducer (src/governance/acl.ts), exactly as an offchain node replays its
// DAG, and keeps one membership entry per position where the context changed. "Who was a
// member at position n" is the newest entry at or below n. No read of past chain state is
// needed, so a chain that cannot read it (or an endpoint that has pruned it) works; where
// the reducer and the chain disagree (a chain-only proposal action the reducer cannot
// run), the chain's view at that position is taken instead when the chain can read it.
import type { ChainGovernanceView, Genesis, Position } from '../../governance/anchor.ts'
import { applyAction, cloneState, genesisState, stateWith, type GovState } from '../../governance/acl.ts'
import type { GovAction, MemberRecord, ProposalRecord } from '../../governance/types.ts'
import { toHex } from '../../crypto/bytes.ts'
import type { ChainChangeRecord } from './records.ts'

export interface Entry {
  position: Position
  revision: number
  application: Uint8Array
  members: MemberRecord[]
}

/** A delta's governance point on a chain: the position's sequence number, as 32 bytes big-endian. */
export function encodePoint (seq: number): Uint8Array {
  const out = new Uint8Array(32)
  new DataView(out.buffer).setBigUint64(24, BigInt(seq))
  return out
}

/** The position a governance point names; undefined when it is not one sequence number. */
export function decodePoint (anchor: Uint8Array[]): number | undefined {
  if (anchor.length !== 1 || anchor[0]!.byteLength !== 32) return undefined
  const p = anchor[0]!
  if (p.subarray(0, 24).some((b) => b !== 0)) return undefined
  const n = new DataView(p.buffer, p.byteOffset, 32).getBigUint64(24)
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(n)
}

export function entryOf (position: Position, s: GovState): Entry {
  return {
    position,
    revision: s.revision,
    application: s.application,
    members: [...s.members.values()].map((m) => ({ identity: m.identity, role: m.role, capabilities: [...m.capabilities] }))
  }
}

/** The governance state an entry says (membership and application; nothing else is kept by position). */
export function stateOfEntry (context: Uint8Array, e: Entry): GovState {
  return stateWith(context, e.application, e.members, e.revision)
}

/** The full state a chain view says. Nonces and commitments are not in views. */
export function stateOfView (view: ChainGovernanceView): GovState {
  return {
    ...stateWith(view.context, view.application, view.members, view.revision),
    invitations: new Map(view.invitations.map((i) => [toHex(i.id), i])),
    // Chain-specific proposal actions (calls, transfers) are shown as they are.
    proposals: new Map(view.proposals.map((p) => [toHex(p.id), p as ProposalRecord])),
    history: [...view.history],
    threshold: view.threshold,
    activeLimit: view.activeLimit,
    values: new Map(view.values.map((v) => [toHex(v.key), v.value]))
  }
}

/**
 * Applies one accepted chain change to `s` through the shared reducer. False when the
 * reducer refuses what the chain accepted, or ends at another revision: the caller then
 * takes the chain's word for the state.
 */
export function applyChange (s: GovState, c: ChainChangeRecord): boolean {
  if (c.action.type === 'keys') {
    // Key shares change no membership; the chain counted them as a request all the same.
    s.nonces.set(toHex(c.author), BigInt(c.nonce))
    s.revision++
  } else if (applyAction(s, c.action as GovAction, { author: c.author, nonce: BigInt(c.nonce), at: c.at }) !== null) {
    return false
  }
  return s.revision === c.revision
}

/** The membership timeline: entries in position order, replayed from the genesis. */
export class Timeline {
  private entries: Entry[] = []
  /** The reducer's state after the last change. */
  state: GovState

  constructor (context: Uint8Array, genesis: Genesis) {
    this.state = genesisState(context, genesis.application, genesis.creator)
    this.entries = [entryOf({ seq: genesis.seq, id: '' }, this.state)]
  }

  get last (): Entry { return this.entries.at(-1)! }
  get size (): number { return this.entries.length }
  all (): readonly Entry[] { return this.entries }

  /** The entry in force at position `n` (undefined before the genesis). */
  at (n: number): Entry | undefined {
    // The last entry at or below n (entries are in position order).
    let lo = 0; let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.entries[mid]!.position.seq <= n) lo = mid + 1
      else hi = mid
    }
    return lo === 0 ? undefined : this.entries[lo - 1]
  }

  /** Applies a change; false when the reducer disagreed with the chain (the state is left as the chain said, if `fallback` gives it). */
  apply (c: ChainChangeRecord): boolean {
    const next = cloneState(this.state)
    const agreed = applyChange(next, c)
    if (agreed) this.record(c.position, next)
    return agreed
  }

  /** Takes `s` as the state at `position` (the chain's word, after a disagreement). */
  record (position: Position, s: GovState): void {
    this.state = s
    const e = entryOf(position, s)
    if (this.last.position.seq === position.seq) this.entries[this.entries.length - 1] = e
    else this.entries.push(e)
  }
}
