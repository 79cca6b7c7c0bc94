// The offchain anchor: governance as a signed op DAG replicated among members. Every
// node evaluates the same DAG the same way (see log.ts), so the anchor "itself" is the
// set of member nodes. Ops are persisted in the store's `governance` database, once
// judged admissible (log.ts); ops whose parents are missing wait in a small bounded
// buffer in memory (held.ts), never on disk.
import { randomBytes } from 'node:crypto'
import { compareBytes, equalBytes, toHex } from '../../crypto/bytes.ts'
import { NotFoundError } from '../../errors/index.ts'
import type { Logger } from '../../log/index.ts'
import type { HybridClock } from '../../state/hlc.ts'
import { key, prefixRange, type Store } from '../../store/index.ts'
import { GovernanceRejectedError, type Anchor, type AnchorChange, type AnchorOptions, type GovernanceView, type Receipt, type Signer, type SubmitOptions } from '../anchor.ts'
import type { GovState } from '../acl.ts'
import { refusedMessage } from '../refusals.ts'
import type { GovAction } from '../types.ts'
import { HeldBuffer } from '../../sync/held.ts'
import { Lru } from '../../cache/lru.ts'
import { GovernanceLog } from './log.ts'
import { contextIdFor, createOp, decodeOp, type GovOp, type OpAction } from './op.ts'
import type { SignedWalletLink } from '../../wallets/record.ts'
import { carriesWallet } from '../../wallets/vet.ts'
import { KeyedQueue } from '../../async/keyed-queue.ts'

const KNOWN = Uint8Array.of(0)
/** Where older versions kept held ops on disk, without bound; cleared on load. */
const HELD = Uint8Array.of(1)
/** Ops kept per context while their parents are missing: a sync fetches evicted ones again. */
export const HELD_OPS_MAX = 128
export const HELD_OPS_MAX_BYTES = 2 * 1024 * 1024
/** Ids of recently refused ops per context, so a peer repeating one costs a lookup. */
const REFUSED_MEMORY = 1024
/**
 * Governance logs kept in memory (the most recently used): the others load from the store
 * when asked for. An idle context costs its heads only (`heads`, what heartbeats name).
 */
export const LOADED_LOGS_MAX = 1024

type HeldOp = GovOp & { size: number }

export interface OffchainInit {
  store: Store
  clock: HybridClock
  logger: Logger
  /** Governance logs kept in memory (default LOADED_LOGS_MAX). */
  loadedLogs?: number
}

export type IngestOutcome =
  | { status: 'duplicate' }
  | { status: 'held', missing: Uint8Array[] }
  | { status: 'refused', reason: string }
  | { status: 'added', ops: GovOp[] }

export interface IngestResult {
  /** Ops stored in this transaction, parents first: `adopt` them after the commit. */
  added: GovOp[]
  /** Whether some op waits for parents (a sync with the sender fetches them). */
  held: boolean
  refused: Array<{ op: GovOp, reason: string }>
}

export class OffchainAnchor implements Anchor {
  readonly kind = 'offchain'
  private readonly store: Store
  private readonly clock: HybridClock
  private readonly log: Logger
  private readonly logs: Lru<GovernanceLog>
  /**
   * Every known context's current heads (hex, concatenated), kept when its log is not in
   * memory: heartbeats and writes name them; comparing a peer's with them loads nothing.
   */
  private readonly headsOf = new Map<string, string>()
  /**
   * Ops persisted but not adopted yet, per context: a log loaded from the store in between
   * already holds them, and `adopt` must still tell of them (they are new to everyone).
   */
  private readonly unadopted = new Map<string, Set<string>>()
  /** Genesis ops adopted before their transaction committed: their log stays in memory till then. */
  private readonly unstored = new Map<string, GovOp>()
  private readonly watchers = new Map<string, Set<(c: AnchorChange) => void>>()
  private readonly locks = new KeyedQueue()
  private readonly held = new Map<string, HeldBuffer<HeldOp>>()
  private readonly refused = new Map<string, Set<string>>()
  /** Told of every op that becomes part of a log (local or from a peer), after its verdict. */
  onAdopt: ((ops: GovOp[]) => void) | undefined
  /**
   * What needs more than the log: the wallet signatures ops carry, checked before ops from
   * a peer are judged (`vet` answers those that may go on), and a wallet-account claimer's
   * link before the log is served to it (`check` throws the refusal). Set by the node
   * (src/wallets/service.ts); without it such ops and claims are refused.
   */
  wallets: { vet (ctx: Uint8Array, ops: GovOp[]): Promise<GovOp[]>, check (link: SignedWalletLink): Promise<void> } | undefined

  constructor (init: OffchainInit) {
    this.store = init.store
    this.clock = init.clock
    this.log = init.logger
    this.logs = new Lru({ capacity: init.loadedLogs ?? LOADED_LOGS_MAX, evictable: (hex) => this.evictable(hex) })
  }

  /** The log of a context, loaded from the store unless it is in memory (then marked recently used). */
  dag (context: Uint8Array): GovernanceLog {
    const hex = toHex(context)
    let log = this.logs.get(hex)
    if (log === undefined) {
      log = this.load(context)
      this.logs.set(hex, log)
      this.noteHeads(hex, log)
    }
    return log
  }

  /** Whether a context's log is in memory now (for tests and metrics). */
  resident (context: Uint8Array): boolean {
    return this.logs.has(toHex(context))
  }

  /** A context's current governance heads, without loading its log when they are known. */
  heads (context: Uint8Array): Uint8Array[] {
    const hex = toHex(context)
    const log = this.logs.peek(hex)
    if (log !== undefined) return log.currentHeads()
    const known = this.headsOf.get(hex)
    if (known === undefined) return this.dag(context).currentHeads()
    const out: Uint8Array[] = []
    for (let i = 0; i < known.length; i += 64) out.push(new Uint8Array(Buffer.from(known.slice(i, i + 64), 'hex')))
    return out
  }

  /** Whether this node has every op of `point` (a peer's governance heads): answered from the heads when they match. */
  reached (context: Uint8Array, point: Uint8Array[]): boolean {
    const known = this.logs.peek(toHex(context)) === undefined ? this.headsOf.get(toHex(context)) : undefined
    if (known !== undefined && point.every((h) => headAt(known, toHex(h)))) return true
    const log = this.dag(context)
    return point.every((h) => log.has(h))
  }

  private noteHeads (hex: string, log: GovernanceLog): void {
    const heads = log.currentHeads()
    if (heads.length === 0) this.headsOf.delete(hex)
    else this.headsOf.set(hex, heads.map(toHex).join(''))
  }

  /**
   * A log may leave memory once the store holds exactly what it holds: no genesis adopted
   * ahead of its commit, no op persisted and not adopted yet, no build under way.
   */
  private evictable (hex: string): boolean {
    if (this.unadopted.has(hex) || this.locks.busy(hex)) return false
    const genesis = this.unstored.get(hex)
    if (genesis === undefined) return true
    if (!this.store.db.governance.doesExist(key(genesis.context, KNOWN, genesis.id))) return false
    this.unstored.delete(hex)
    return true
  }

  /**
   * Reads a context's stored ops. A store written before ops were judged on arrival may
   * hold a stranger's junk: roots other than the genesis (and what descends from them)
   * are left out and removed, as are ops held on disk for missing parents.
   */
  private load (context: Uint8Array): GovernanceLog {
    const stored = new Map<string, GovOp>()
    const junk: Buffer[] = []
    for (const { key: k, value } of this.store.db.governance.getRange(prefixRange(key(context, KNOWN)))) {
      try {
        const op = decodeOp(value as Uint8Array)
        stored.set(toHex(op.id), op)
      } catch {
        junk.push(k as Buffer)
      }
    }
    const log = new GovernanceLog(context)
    const genesis = [...stored.values()].filter((op) => op.parents.length === 0 && log.admissible(op) === null).sort((a, b) => compareBytes(a.id, b.id))[0]
    const kept = new Set<string>()
    if (genesis !== undefined) {
      // Everything reachable from the genesis: ops whose parents are all kept, to a fixpoint.
      kept.add(toHex(genesis.id))
      log.add(genesis)
      let progress = true
      while (progress) {
        progress = false
        for (const [hex, op] of stored) {
          if (kept.has(hex) || op.parents.length === 0 || !op.parents.every((p) => kept.has(toHex(p)))) continue
          kept.add(hex)
          log.add(op)
          progress = true
        }
      }
    }
    for (const [hex, op] of stored) if (!kept.has(hex)) junk.push(key(context, KNOWN, op.id))
    for (const { key: k } of this.store.db.governance.getRange(prefixRange(key(context, HELD)))) junk.push(k as Buffer)
    if (junk.length > 0) {
      this.log.warn('dropped stored governance ops that do not descend from the genesis or still waited for parents', { context: toHex(context), ops: junk.length })
      void Promise.all(junk.map(async (k) => await this.store.db.governance.remove(k))).catch((err: unknown) => { this.log.warn('could not remove dropped governance ops', { error: (err as Error).message }) })
    }
    log.evaluate()
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
    const trial = log.fork()
    trial.add(op)
    const verdict = trial.verdict(op.id)!
    if (!verdict.accepted) throw new GovernanceRejectedError(refusedMessage(action.type, verdict.reason ?? 'unknown reason'))
    return op
  }

  /** Writes an op into the current store transaction; call `adopt` after the commit. */
  persist (op: GovOp): void {
    this.store.db.governance.put(key(op.context, KNOWN, op.id), op.bytes)
    const hex = toHex(op.context)
    if (this.logs.peek(hex)?.has(op.id) === true) return
    const set = this.unadopted.get(hex) ?? new Set<string>()
    set.add(toHex(op.id))
    this.unadopted.set(hex, set)
  }

  /** Makes committed ops part of the in-memory log and tells watchers. */
  adopt (ops: GovOp[]): void {
    const byContext = new Map<string, GovOp[]>()
    const adopted: GovOp[] = []
    for (const op of ops) {
      // The same op may come twice (gossip and a sync racing, each ingested before the
      // other was adopted): it is part of the log once, and watchers hear of it once. A
      // log loaded from the store since the op's commit holds it already: it is new still.
      const hex = toHex(op.context)
      const id = toHex(op.id)
      const waiting = this.unadopted.get(hex)
      const fresh = waiting?.delete(id) === true
      if (waiting?.size === 0) this.unadopted.delete(hex)
      if ((!fresh && this.logs.peek(hex)?.has(op.id) === true) || adopted.some((o) => toHex(o.id) === id)) continue
      adopted.push(op)
      byContext.set(hex, [...(byContext.get(hex) ?? []), op])
      // A genesis adopted ahead of its transaction (a context being created here).
      if (op.parents.length === 0 && !this.store.db.governance.doesExist(key(op.context, KNOWN, op.id))) this.unstored.set(hex, op)
    }
    for (const [hex, list] of byContext) {
      const log = this.dag(list[0]!.context)
      for (const op of list) log.add(op)
      log.evaluate()
      this.noteHeads(hex, log)
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
    this.releaseHeld(adopted)
    try { this.onAdopt?.(adopted) } catch (err) { this.log.warn('governance hook failed', { error: (err as Error).message }) }
  }

  /** The ops of a peer that may be judged (see `vet`). */
  async vetted (context: Uint8Array, ops: GovOp[]): Promise<GovOp[]> {
    return this.wallets === undefined ? ops.filter((op) => !carriesWallet(op)) : await this.wallets.vet(context, ops)
  }

  /** Every op of a context's log, as stored wire bytes. */
  opsBytes (context: Uint8Array): Uint8Array[] {
    return this.dag(context).history().map(({ op }) => op.bytes)
  }

  /**
   * Takes ops from a peer (inside a transaction), judging each before anything is stored:
   * duplicates are dropped; an op whose parents are missing waits in the context's held
   * buffer (bounded, oldest evicted first); an op with a clock too far ahead, a second
   * root, or an author who may not make it at its causal point is refused with the
   * reason; every other op is persisted, with the held ops it releases (a cascade).
   * Call `adopt` with `added` after the commit.
   */
  ingestAll (context: Uint8Array, ops: GovOp[], taken: GovOp[] = []): IngestResult {
    const hex = toHex(context)
    const base = this.dag(context)
    let trial: GovernanceLog | undefined
    if (taken.length > 0) {
      trial = base.fork()
      for (const op of taken) trial.add(op)
    }
    const result: IngestResult = { added: [], held: false, refused: [] }
    const refused = this.refused.get(hex)
    const queue = [...ops]
    while (queue.length > 0) {
      const op = queue.shift()!
      const id = toHex(op.id)
      const log = trial ?? base
      // The store too: another transaction may have taken the op and not adopted it yet.
      if (log.has(op.id) || refused?.has(id) === true || this.store.db.governance.doesExist(key(context, KNOWN, op.id))) continue
      const why = !equalBytes(op.context, context) ? 'the op is for another context' : this.clock.refuses(op.hlc)
      if (why !== null) { this.refuse(result, op, why, false); continue }
      const missing = op.parents.filter((p) => !log.has(p))
      if (missing.length > 0) {
        for (const evicted of this.heldOf(hex).hold({ ...op, size: op.bytes.byteLength }, missing)) this.log.debug('held governance op evicted', { context: hex, op: toHex(evicted.id) })
        result.held = true
        continue
      }
      this.held.get(hex)?.take(op.id)
      trial ??= base.fork()
      const reason = trial.admissible(op)
      if (reason !== null) { this.refuse(result, op, reason, true); continue }
      trial.add(op)
      this.persist(op)
      result.added.push(op)
      queue.unshift(...(this.held.get(hex)?.arrived(op.id) ?? []))
    }
    return result
  }

  private refuse (result: IngestResult, op: GovOp, reason: string, remember: boolean): void {
    result.refused.push({ op, reason })
    this.log.info('governance op refused', { context: toHex(op.context), op: toHex(op.id), author: toHex(op.author), action: op.action.type, reason })
    // A refusal for a clock too far ahead is retried later; the others are for good.
    if (!remember) return
    const set = this.refused.get(toHex(op.context)) ?? new Set<string>()
    this.refused.set(toHex(op.context), set)
    if (set.size >= REFUSED_MEMORY) set.delete(set.values().next().value as string)
    set.add(toHex(op.id))
  }

  /**
   * Held ops whose parents were just adopted by another path (a local op, or another
   * transaction that took the parent while the child was being held) are judged now.
   */
  private releaseHeld (adopted: GovOp[]): void {
    for (const op of adopted) {
      const held = this.held.get(toHex(op.context))
      const ready = held?.arrived(op.id) ?? []
      if (held?.count === 0) this.held.delete(toHex(op.context))
      if (ready.length === 0) continue
      void this.store.transaction(() => this.ingestAll(op.context, ready)).then((r) => { this.adopt(r.added) }, (err: unknown) => {
        this.log.warn('could not take in released governance ops', { context: toHex(op.context), error: (err as Error).message })
      })
    }
  }

  private heldOf (hex: string): HeldBuffer<HeldOp> {
    let held = this.held.get(hex)
    if (held === undefined) {
      held = new HeldBuffer<HeldOp>({ maxItems: HELD_OPS_MAX, maxBytes: HELD_OPS_MAX_BYTES })
      this.held.set(hex, held)
    }
    return held
  }

  /** One op; see `ingestAll`. `pendingInBatch`: ops already taken in this transaction. */
  ingest (op: GovOp, pendingInBatch: GovOp[] = []): IngestOutcome {
    const log = this.dag(op.context)
    if (log.has(op.id) || pendingInBatch.some((p) => equalBytes(p.id, op.id))) return { status: 'duplicate' }
    const r = this.ingestAll(op.context, [op], pendingInBatch.filter((p) => equalBytes(p.context, op.context) && !log.has(p.id)))
    if (r.added.length > 0) return { status: 'added', ops: r.added }
    const refusal = r.refused.find((x) => equalBytes(x.op.id, op.id))
    if (refusal !== undefined) return { status: 'refused', reason: refusal.reason }
    if (this.held.get(toHex(op.context))?.has(op.id) === true) return { status: 'held', missing: op.parents.filter((p) => !log.has(p) && !pendingInBatch.some((b) => equalBytes(b.id, p))) }
    return { status: 'duplicate' }
  }

  /** Governance ops held for missing parents in a context (count and bytes). */
  heldCount (context: Uint8Array): { ops: number, bytes: number } {
    const h = this.held.get(toHex(context))
    return { ops: h?.count ?? 0, bytes: h?.size ?? 0 }
  }

  state (context: Uint8Array): GovState | undefined {
    return this.dag(context).state()
  }

  /** Removes a context's governance log (inside a transaction). */
  clear (context: Uint8Array): void {
    for (const k of [...this.store.db.governance.getKeys(prefixRange(context))]) this.store.db.governance.remove(k)
    this.forget(context)
    this.unadopted.delete(toHex(context))
    this.held.delete(toHex(context))
    this.refused.delete(toHex(context))
  }

  /**
   * Drops the in-memory copy (after a rollback): the log is read from the store again.
   * Ops committed and not adopted yet are still told of when they are.
   */
  forget (context: Uint8Array): void {
    const hex = toHex(context)
    this.logs.delete(hex)
    this.headsOf.delete(hex)
    this.unstored.delete(hex)
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
    return await this.locks.run(toHex(context), fn)
  }

}

/** Whether `hex` (one head) is among `heads` (hex heads, concatenated). */
function headAt (heads: string, hex: string): boolean {
  for (let i = 0; i < heads.length; i += 64) if (heads.startsWith(hex, i)) return true
  return false
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
