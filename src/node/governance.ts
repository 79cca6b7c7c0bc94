// The node's one door to a context's governance, whichever anchor holds it: the offchain
// log (src/governance/offchain/) or a chain (chain/, through adapters/<chain>/). Callers
// ask the same questions of both: the state now, the state at a delta's governance
// point, the point to write at, the key shares; and submit requests the same way.
import { toHex } from '../crypto/bytes.ts'
import type { Receipt, Signer } from '../governance/anchor.ts'
import type { GovState } from '../governance/acl.ts'
import { keyEventsOf, readKeyring, type KeyringView } from '../governance/group-keys.ts'
import type { OffchainAnchor } from '../governance/offchain/index.ts'
import type { GovernanceLog } from '../governance/offchain/log.ts'
import type { GovOp, KeyShareAction, OpAction } from '../governance/offchain/op.ts'
import type { GovAction } from '../governance/types.ts'
import type { KeyPair } from '../crypto/ed25519.ts'
import type { Logger } from '../log/index.ts'
import type { Publisher } from './publisher.ts'
import type { DeltaDag } from '../sync/dag.ts'
import type { Removal } from '../sync/removal.ts'
import type { ChainGovernance } from './chain/index.ts'
import { encodePoint } from './chain/timeline.ts'

/**
 * Strong removal when governance ops became part of a log: what this node applied of a
 * removed identity outside the removal's causal past is undone (and what an overturned
 * removal had voided is restored). Chain
 * code that learns of a removal calls `dag.enforceRemovals(ctx)` the same way.
 */
export function enforceRemovals (dag: DeltaDag, ops: GovOp[], publisher: Pick<Publisher, 'emit'>, log: Logger): void {
  // Any op may change which removals stand (one ordered before a removal can overturn it);
  // the DAG checks cheaply whether the set changed.
  const contexts = new Map<string, Uint8Array>()
  for (const op of ops) contexts.set(toHex(op.context), op.context)
  for (const ctx of contexts.values()) enforceRemovalsIn(dag, ctx, publisher, log)
}

/** Strong removal in one context (at start, or once a removal arrived); subscribers hear of an undo. */
export function enforceRemovalsIn (dag: DeltaDag, ctx: Uint8Array, publisher: Pick<Publisher, 'emit'>, log: Logger): void {
  dag.enforceRemovals(ctx).then((undone) => {
    if (undone.length === 0) return
    publisher.emit({ contextId: toHex(ctx), type: 'delta', kind: 'undone', data: toHex(dag.info(ctx)?.rootHash ?? new Uint8Array(0)), deltaId: null, at: Date.now() })
  }, (err: unknown) => { log.warn('could not enforce a removal', { context: toHex(ctx), error: (err as Error).message }) })
}

/** One operation of a context's governance, as the audit and proposal history show it. */
export interface GovEntry {
  id: string
  position: number
  author: Uint8Array
  nonce: string
  at: number
  parents: string[]
  action: OpAction | { type: string }
  accepted: boolean
  reason: string | null
  /** The governance state just before this operation (undefined when not known here). */
  before: () => GovState | undefined
}

export class Governance {
  readonly offchain: OffchainAnchor
  readonly chains: ChainGovernance
  /** By log: a log that leaves memory takes its entry with it. */
  private readonly removalCache = new WeakMap<GovernanceLog, { stamp: string, list: Removal[] }>()

  constructor (offchain: OffchainAnchor, chains: ChainGovernance) {
    this.offchain = offchain
    this.chains = chains
  }

  /** Whether a context's governance lives on a chain (as followed by this node). */
  onChain (ctx: Uint8Array): boolean {
    return this.chains.tracks(ctx)
  }

  state (ctx: Uint8Array): GovState | undefined {
    return this.onChain(ctx) ? this.chains.state(ctx) : this.offchain.state(ctx)
  }

  /** The state at a delta's governance point; undefined while this node has not reached it. */
  stateAt (ctx: Uint8Array, point: Uint8Array[]): GovState | undefined {
    return this.onChain(ctx) ? this.chains.stateAt(ctx, point) : this.offchain.dag(ctx).stateAt(point)
  }

  /** The governance point a delta written now names. */
  point (ctx: Uint8Array): Uint8Array[] {
    return this.onChain(ctx) ? this.chains.point(ctx) : this.offchain.heads(ctx)
  }

  /** Whether stateAt answers for this point now (a chain context may still be reading that block). */
  answers (ctx: Uint8Array, point: Uint8Array[]): boolean {
    return this.onChain(ctx) ? this.chains.answers(ctx, point) : this.offchain.dag(ctx).stateAt(point) !== undefined
  }

  /** Whether this node has reached a governance point (a peer's heartbeat names its own). */
  knows (ctx: Uint8Array, point: Uint8Array[]): boolean {
    return this.onChain(ctx) ? this.chains.knows(ctx, point) : this.offchain.reached(ctx, point)
  }

  /**
   * Accepted removals (and departures) of a context, for strong removal (src/sync/removal.ts).
   * Offchain they carry the remover's data frontier. A chain records none yet: there the
   * removal's position bounds the admissible governance points through `stateAt`; chain
   * code that records a frontier returns its removals here the same way.
   */
  removals (ctx: Uint8Array): Removal[] {
    if (this.onChain(ctx)) return []
    const log = this.offchain.dag(ctx)
    // Asked for every delta received: recomputed only when the log changed.
    const stamp = `${log.size}:${log.currentHeads().map(toHex).join()}`
    const cached = this.removalCache.get(log)
    if (cached?.stamp === stamp) return cached.list
    const out: Removal[] = []
    for (const { op, verdict } of log.history()) {
      if (!verdict.accepted) continue
      const a = op.action
      if (a.type !== 'removeMember' && a.type !== 'leave') continue
      out.push({
        identity: a.type === 'leave' ? op.author : a.identity,
        id: op.id,
        frontier: a.frontier ?? null,
        seenAt: (point) => log.sees(point, op.id)
      })
    }
    this.removalCache.set(log, { stamp, list: out })
    return out
  }

  async submit (ctx: Uint8Array, signer: Signer, action: GovAction): Promise<Receipt> {
    return this.onChain(ctx) ? await this.chains.submit(ctx, signer, action) : await this.offchain.submit(ctx, signer, action)
  }

  /** Publishes group-key shares: an op on the offchain log, a request on a chain. */
  async shareKeys (ctx: Uint8Array, signer: Signer, action: KeyShareAction): Promise<Receipt> {
    return this.onChain(ctx) ? await this.chains.submit(ctx, signer, action) : await this.offchain.submitOp(ctx, signer, action)
  }

  /**
   * This identity's keyring. On a chain the key in force is stale as soon as someone who
   * holds it is neither a member nor an invitee any more (removals there need not pass
   * through this node, e.g. an admin proposal executed by the proxy contract).
   */
  keyring (ctx: Uint8Array, me: KeyPair, cache: Map<string, Uint8Array>): KeyringView {
    if (!this.onChain(ctx)) return readKeyring(ctx, keyEventsOf(this.offchain.dag(ctx)), me, cache)
    const ring = readKeyring(ctx, this.chains.keyShares(ctx), me, cache)
    const s = this.chains.state(ctx)
    if (ring.latest === undefined || s === undefined) return ring
    const latest = toHex(ring.latest)
    const invitees = new Set([...s.invitations.values()].flatMap((i) => i.target.type === 'identity' && !i.revoked && i.uses < i.maxUses ? [toHex(i.target.identity)] : []))
    const departed = [...ring.holders].some(([who, keys]) => keys.has(latest) && !s.members.has(who) && !invitees.has(who))
    if (!departed) return ring
    const { current: _dropped, ...rest } = ring
    return { ...rest, stale: true }
  }

  /**
   * Which rotation made a group key, counting from 1 (the context's first key), as people
   * read epochs; undefined for a key no rotation here made.
   */
  keyEpochNumber (ctx: Uint8Array, keyId: Uint8Array): number | undefined {
    const events = this.onChain(ctx) ? this.chains.keyShares(ctx) : keyEventsOf(this.offchain.dag(ctx))
    const hex = toHex(keyId)
    let n = 0
    for (const e of events) {
      if (e.type !== 'keys' || !e.rotate) continue
      n++
      if (toHex(e.keyId) === hex) return n
    }
    return undefined
  }

  /** Every operation of a context's governance in its order, accepted or not. */
  entries (ctx: Uint8Array): GovEntry[] {
    if (this.onChain(ctx)) {
      return this.chains.changes(ctx).map((c, position) => ({
        id: c.id,
        position,
        author: c.author,
        nonce: c.nonce,
        at: c.at,
        parents: [],
        action: c.action as GovEntry['action'],
        accepted: true,
        reason: null,
        before: () => this.chains.stateAt(ctx, [encodePoint(c.position.seq - 1)])
      }))
    }
    const log = this.offchain.dag(ctx)
    return log.history().map(({ op, verdict }) => ({
      id: toHex(op.id),
      position: verdict.position,
      author: op.author,
      nonce: op.nonce.toString(),
      at: op.hlc.ms,
      parents: op.parents.map(toHex),
      action: op.action,
      accepted: verdict.accepted,
      reason: verdict.reason ?? null,
      before: () => log.stateAt(op.parents)
    }))
  }
}
