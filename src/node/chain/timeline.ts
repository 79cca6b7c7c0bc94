// A chain-anchored context's membership by block. The chain is the order: membership
// changes only at blocks where the context's contract accepted a request, so the node
// keeps one entry per such block (read at that block) and answers "who was a member at
// block n" with the newest entry at or below n. Entries start at the block the node
// began following the context ("covered from"); earlier blocks are read on demand.
import type { ChainGovernanceView } from '../../governance/anchor.ts'
import { stateWith, type GovState } from '../../governance/acl.ts'
import type { MemberRecord, ProposalRecord } from '../../governance/types.ts'
import { toHex } from '../../crypto/bytes.ts'

export interface Entry {
  block: number
  hash: string
  revision: number
  application: Uint8Array
  members: MemberRecord[]
}

/** A delta's governance point on a chain: the block number, as 32 bytes big-endian. */
export function encodePoint (block: number): Uint8Array {
  const out = new Uint8Array(32)
  new DataView(out.buffer).setBigUint64(24, BigInt(block))
  return out
}

/** The block a governance point names; undefined when it is not one block number. */
export function decodePoint (anchor: Uint8Array[]): number | undefined {
  if (anchor.length !== 1 || anchor[0]!.byteLength !== 32) return undefined
  const p = anchor[0]!
  if (p.subarray(0, 24).some((b) => b !== 0)) return undefined
  const n = new DataView(p.buffer, p.byteOffset, 32).getBigUint64(24)
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(n)
}

export function entryOf (view: ChainGovernanceView): Entry {
  return {
    block: view.block.number,
    hash: view.block.hash,
    revision: view.revision,
    application: view.application,
    members: view.members.map((m) => ({ identity: m.identity, role: m.role, capabilities: [...m.capabilities] }))
  }
}

/** The governance state an entry says (membership and application; nothing else is kept by block). */
export function stateOfEntry (context: Uint8Array, e: Entry): GovState {
  return stateWith(context, e.application, e.members, e.revision)
}

/** The full state a chain view says. Nonces live on the chain; they are not mirrored. */
export function stateOfView (view: ChainGovernanceView): GovState {
  return {
    ...stateOfEntry(view.context, entryOf(view)),
    invitations: new Map(view.invitations.map((i) => [toHex(i.id), i])),
    // Chain-specific proposal actions (calls, transfers) are shown as they are.
    proposals: new Map(view.proposals.map((p) => [toHex(p.id), p as ProposalRecord])),
    history: [...view.history],
    threshold: view.threshold,
    activeLimit: view.activeLimit,
    values: new Map(view.values.map((v) => [toHex(v.key), v.value]))
  }
}

export class Timeline {
  private entries: Entry[]

  constructor (entries: Entry[]) {
    this.entries = [...entries].sort((a, b) => a.block - b.block)
  }

  get coveredFrom (): number | undefined { return this.entries[0]?.block }
  get last (): Entry | undefined { return this.entries.at(-1) }
  get size (): number { return this.entries.length }

  /** The entry in force at block `n` (undefined below the covered range). */
  at (n: number): Entry | undefined {
    let found: Entry | undefined
    for (const e of this.entries) {
      if (e.block > n) break
      found = e
    }
    return found
  }

  /** Adds the entry read at a change's block; false when one at or after it is there already. */
  add (e: Entry): boolean {
    const last = this.last
    if (last !== undefined && last.block >= e.block) return false
    this.entries.push(e)
    return true
  }

  /** Drops every entry above `block` (a reorg); the removed ones are returned. */
  truncateAbove (block: number): Entry[] {
    const removed = this.entries.filter((e) => e.block > block)
    this.entries = this.entries.filter((e) => e.block <= block)
    return removed
  }

  all (): readonly Entry[] { return this.entries }
}
