// The offchain anchor: governance as a signed op DAG replicated among members. Every
// node evaluates the same DAG the same way (see log.ts), so the anchor "itself" is the
// set of member nodes. Ops are persisted in the store's `governance` database.
import { randomBytes } from 'node:crypto'
import { toHex } from '../../crypto/bytes.ts'
import { NotFoundError } from '../../errors/index.ts'
import type { Logger } from '../../log/index.ts'
import type { HybridClock } from '../../state/hlc.ts'
import { key, prefixRange, type Store } from '../../store/index.ts'
import { GovernanceRejectedError, type Anchor, type AnchorChange, type AnchorOptions, type GovernanceView, type Receipt, type Signer, type SubmitOptions } from '../anchor.ts'
import type { GovState } from '../acl.ts'
import type { GovAction } from '../types.ts'
import { GovernanceLog } from './log.ts'
import { contextIdFor, createOp, decodeOp, type GovOp, type OpAction } from './op.ts'

const KNOWN = Uint8Array.of(0)
const HELD = Uint8Array.of(1)

export interface OffchainInit {
  store: Store
  clock: HybridClock
  logger: Logger
}

export type IngestOutcome = { status: 'duplicate' } | { status: 'held', missing: Uint8Array[] } | { status: 'added', ops: GovOp[] }

export class OffchainAnchor implements Anchor {
  readonly kind = 'offchain'
  private readonly store: Store
  private readonly clock: HybridClock
  private readonly log: Logger
  private readonly logs = new Map<string, GovernanceLog>()
  private readonly watchers = new Map<string, Set<(c: AnchorChange) => void>>()
  private readonly locks = new Map<string, Promise<unknown>>()
  /** Told of every op that becomes part of a log (local or from a peer), after its verdict. */
  onAdopt: ((ops: GovOp[]) => void) | undefined

  constructor (init: OffchainInit) {
    this.store = init.store
    this.clock = init.clock
    this.log = init.logger
  }

  /** The in-memory log of a context, loaded from the store on first use. */
  dag (context: Uint8Array): GovernanceLog {
    const hex = toHex(context)
    let log = this.logs.get(hex)
    if (log === undefined) {
      log = new GovernanceLog(context)
      for (const { value } of this.store.db.governance.getRange(prefixRange(key(context, KNOWN)))) log.add(decodeOp(value as Uint8Array))
      log.evaluate()
      this.logs.set(hex, log)
    }
    return log
  }

  knows (context: Uint8Array): boolean {
    return this.dag(context).size > 0
  }

  /** A signed genesis op for a new context; its id follows from creator, application and salt. */
  genesis (application: Uint8Array, creator: Signer, salt: Uint8Array = new Uint8Array(randomBytes(16))): GovOp {
    const context = contextIdFor(creator.publicKey, application, salt)
    return createOp({ context, author: creator.publicKey, secretKey: creator.secretKey, parents: [], nonce: 1n, hlc: this.clock.now(), action: { type: 'genesis', application, salt } })
  }

  /**
   * Signs `action` as `signer` on top of the current heads and checks it would be
   * accepted; throws GovernanceRejectedError with the reason otherwise. Nothing is stored.
   */
  build (context: Uint8Array, signer: Signer, action: OpAction, explicitNonce?: bigint): GovOp {
    const log = this.dag(context)
    const state = log.state()
    if (state === undefined) throw new NotFoundError(`context ${toHex(context)} has no governance log on this node`)
    const nonce = explicitNonce ?? (state.nonces.get(toHex(signer.publicKey)) ?? 0n) + 1n
    const op = createOp({ context, author: signer.publicKey, secretKey: signer.secretKey, parents: log.currentHeads(), nonce, hlc: this.clock.now(), action })
    const trial = new GovernanceLog(context)
    for (const { op: o } of log.history()) trial.add(o)
    trial.add(op)
    trial.evaluate()
    const verdict = trial.verdict(op.id)!
    if (!verdict.accepted) throw new GovernanceRejectedError(`${action.type} refused: ${verdict.reason ?? 'unknown reason'}`)
    return op
  }

  /** Writes an op into the current store transaction; call `adopt` after the commit. */
  persist (op: GovOp): void {
    this.store.db.governance.put(key(op.context, KNOWN, op.id), op.bytes)
  }

  /** Makes committed ops part of the in-memory log and tells watchers. */
  adopt (ops: GovOp[]): void {
    const byContext = new Map<string, GovOp[]>()
    const adopted: GovOp[] = []
    for (const op of ops) {
      // The same op may come twice (gossip and a sync racing, each ingested before the
      // other was adopted): it is part of the log once, and watchers hear of it once.
      if (this.logs.get(toHex(op.context))?.has(op.id) === true || adopted.some((o) => toHex(o.id) === toHex(op.id))) continue
      adopted.push(op)
      const hex = toHex(op.context)
      byContext.set(hex, [...(byContext.get(hex) ?? []), op])
    }
    for (const [, list] of byContext) {
      const log = this.logs.get(toHex(list[0]!.context)) ?? this.dag(list[0]!.context)
      for (const op of list) log.add(op)
      log.evaluate()
      for (const op of list) this.clock.observe(op.hlc)
      const revision = log.state()?.revision ?? 0
      for (const op of list) {
        const v = log.verdict(op.id)!
        const change: AnchorChange = { context: op.context, id: toHex(op.id), author: op.author, action: op.action, accepted: v.accepted, revision, ...(v.reason !== undefined ? { reason: v.reason } : {}) }
        if (!v.accepted) this.log.info('governance op rejected', { context: toHex(op.context), op: toHex(op.id), action: op.action.type, reason: v.reason })
        for (const w of this.watchers.get(toHex(op.context)) ?? []) {
          try { w(change) } catch (err) { this.log.warn('anchor watcher failed', { error: (err as Error).message }) }
        }
      }
    }
    if (adopted.length === 0) return
    try { this.onAdopt?.(adopted) } catch (err) { this.log.warn('governance hook failed', { error: (err as Error).message }) }
  }

  /** Every op of a context's log, as stored wire bytes. */
  opsBytes (context: Uint8Array): Uint8Array[] {
    return this.dag(context).history().map(({ op }) => op.bytes)
  }

  /**
   * Takes an op from a peer (inside a transaction): drops duplicates, holds it while
   * parents are missing, otherwise persists it with every held op it unblocks.
   * Call `adopt` with the returned ops after the commit.
   */
  ingest (op: GovOp, pendingInBatch: GovOp[] = []): IngestOutcome {
    const log = this.dag(op.context)
    const inBatch = (id: Uint8Array): boolean => pendingInBatch.some((p) => toHex(p.id) === toHex(id))
    // The store too: another transaction may have taken the op and not adopted it yet.
    if (log.has(op.id) || inBatch(op.id) || this.store.db.governance.doesExist(key(op.context, KNOWN, op.id))) return { status: 'duplicate' }
    const missing = op.parents.filter((p) => !log.has(p) && !inBatch(p))
    if (missing.length > 0) {
      this.store.db.governance.put(key(op.context, HELD, op.id), op.bytes)
      return { status: 'held', missing }
    }
    const added = [op]
    this.persist(op)
    // Release held ops whose parents are now all present.
    let progress = true
    while (progress) {
      progress = false
      for (const { key: k, value } of [...this.store.db.governance.getRange(prefixRange(key(op.context, HELD)))]) {
        const held = decodeOp(value as Uint8Array)
        const known = (id: Uint8Array): boolean => log.has(id) || added.some((a) => toHex(a.id) === toHex(id)) || inBatch(id)
        if (held.parents.every(known)) {
          this.store.db.governance.remove(k)
          if (!known(held.id)) { this.persist(held); added.push(held) }
          progress = true
        }
      }
    }
    return { status: 'added', ops: added }
  }

  state (context: Uint8Array): GovState | undefined {
    return this.dag(context).state()
  }

  /** Removes a context's governance log (inside a transaction). */
  clear (context: Uint8Array): void {
    for (const k of [...this.store.db.governance.getKeys(prefixRange(context))]) this.store.db.governance.remove(k)
    this.logs.delete(toHex(context))
  }

  /** Drops the in-memory copy (after a rollback, or to free memory for idle contexts). */
  forget (context: Uint8Array): void {
    this.logs.delete(toHex(context))
  }

  // The Anchor interface, for callers outside a store transaction.

  async createContext (init: { application: Uint8Array, creator: Signer, salt?: Uint8Array }, _options?: AnchorOptions): Promise<{ context: Uint8Array, receipt: Receipt }> {
    const op = this.genesis(init.application, init.creator, init.salt)
    await this.store.transaction(() => { this.persist(op) })
    this.adopt([op])
    return { context: op.context, receipt: { id: toHex(op.id), revision: 1 } }
  }

  async submit (context: Uint8Array, signer: Signer, action: GovAction, options?: SubmitOptions): Promise<Receipt> {
    return await this.submitOp(context, signer, action, options)
  }

  /** Like `submit`, for any op action (also key shares). */
  async submitOp (context: Uint8Array, signer: Signer, action: OpAction, options?: SubmitOptions): Promise<Receipt> {
    return await this.exclusive(context, async () => {
      options?.signal?.throwIfAborted()
      const op = this.build(context, signer, action, options?.nonce)
      await this.store.transaction(() => { this.persist(op) })
      this.adopt([op])
      return { id: toHex(op.id), revision: this.dag(context).state()!.revision }
    })
  }

  async nonce (context: Uint8Array, identity: Uint8Array): Promise<bigint> {
    const s = this.requireState(context)
    return (s.nonces.get(toHex(identity)) ?? 0n) + 1n
  }

  async view (context: Uint8Array): Promise<GovernanceView> {
    return viewOf(this.requireState(context))
  }

  watch (context: Uint8Array, listener: (change: AnchorChange) => void): () => void {
    const hex = toHex(context)
    const set = this.watchers.get(hex) ?? new Set()
    set.add(listener)
    this.watchers.set(hex, set)
    return () => { set.delete(listener) }
  }

  private requireState (context: Uint8Array): GovState {
    const s = this.state(context)
    if (s === undefined) throw new NotFoundError(`context ${toHex(context)} has no governance log on this node`)
    return s
  }

  /** Serialises builds per context so nonces and heads never race. */
  private async exclusive<T> (context: Uint8Array, fn: () => Promise<T>): Promise<T> {
    const hex = toHex(context)
    const prev = this.locks.get(hex) ?? Promise.resolve()
    const run = prev.then(fn, fn)
    this.locks.set(hex, run.catch(() => undefined))
    return await run
  }
}

export function viewOf (s: GovState): GovernanceView {
  return {
    context: s.context,
    application: s.application,
    members: [...s.members.values()].map((m) => ({ ...m, capabilities: [...m.capabilities] })),
    threshold: s.threshold,
    activeLimit: s.activeLimit,
    revision: s.revision,
    proposals: [...s.proposals.values()],
    history: [...s.history],
    invitations: [...s.invitations.values()],
    values: [...s.values].map(([k, value]) => ({ key: new Uint8Array(Buffer.from(k, 'hex')), value }))
  }
}
