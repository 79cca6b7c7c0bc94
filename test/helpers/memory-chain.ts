// An in-memory chain for tests: a chain with the real governance semantics (the shared
// reducer in src/governance/acl.ts), real ed25519 request signatures checked on "chain",
// nonces per (context, signer) kept for good, instant blocks (one per accepted request),
// forks on demand, and a switch that refuses reads of past state, as ICP does. Its
// anchor (MemoryAnchor) is built on the chain kit exactly as a real adapter is: what it
// writes itself is what a new chain must write (requests, reads, a feed source).
//
// It is a test host, not a product: one process, no persistence, no fees.
import { randomBytes } from 'node:crypto'
import { encode } from 'cborg'
import { ChangeFeed, KeyedQueue, confirmedPosition, finalityOf, waitConfirmed, type FeedSource, type Finality, type Position } from '../../src/chain/kit/index.ts'
import { toHex, utf8 } from '../../src/crypto/bytes.ts'
import { sign, verify } from '../../src/crypto/ed25519.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { NotFoundError } from '../../src/errors/index.ts'
import { applyAction, cloneState, genesisState, roleOf, type GovState } from '../../src/governance/acl.ts'
import {
  GovernanceRejectedError, type AnchorChange, type AnchorOptions, type ChainAction, type ChainAnchor, type ChainChange, type ChainGovernanceView,
  type ChainWatchOptions, type Genesis, type GovernanceView, type Lookup, type LookupOptions, type Receipt, type Signer, type SubmitOptions
} from '../../src/governance/anchor.ts'
import { viewOf } from '../../src/governance/offchain/index.ts'
import { contextIdFor, encodeAction } from '../../src/governance/offchain/op.ts'
import { refusal, refusedMessage, type RefusalCode } from '../../src/governance/refusals.ts'
import type { GovAction } from '../../src/governance/types.ts'
import { silentLogger, type Logger } from '../../src/log/index.ts'

const REQUEST_DOMAIN = utf8('moorage:memory-chain:request:v1')

/** A signed request as the chain receives it. */
interface Request {
  context: Uint8Array
  identity: Uint8Array
  nonce: bigint
  action: ChainAction | { type: 'create', application: Uint8Array, salt: Uint8Array }
  signature: Uint8Array
}

interface Applied { tx: string, context: string, author: Uint8Array, nonce: bigint, action: ChainAction, revision: number }
interface Block { seq: number, id: string, time: number, applied: Applied[], created: Array<Genesis & { context: string }> }

function requestBytes (r: Omit<Request, 'signature'>): Uint8Array {
  const action = r.action.type === 'create' ? ['create', r.action.application, r.action.salt] : encodeAction(r.action)
  return sha256(REQUEST_DOMAIN, encode([r.context, r.identity, r.nonce, action]))
}

function refused (code: RefusalCode, action: string, args: Record<string, string | number | bigint> = {}): GovernanceRejectedError {
  return new GovernanceRejectedError(refusedMessage(action, refusal(code, args)), { code })
}

export interface MemoryChainInit {
  /** Whether reads of past positions are answered (false: refused, as ICP does). */
  pastState?: boolean
  /** How far behind the head the `finalized` tag is (for anchors that declare a tag). */
  finalDepth?: number
}

/** The chain: blocks, and the governance state of every context at the head. */
export class MemoryChain {
  readonly id = toHex(new Uint8Array(randomBytes(4)))
  pastState: boolean
  finalDepth: number
  private blocks: Block[] = [{ seq: 0, id: newId(), time: Date.now(), applied: [], created: [] }]
  private readonly txs = new Map<string, Request>()
  private states = new Map<string, GovState>()
  /** Blocks made by `force`, and what they did instead of the reducer. */
  private readonly forced = new Map<string, (s: GovState) => void>()
  private skew = 0

  constructor (init: MemoryChainInit = {}) {
    this.pastState = init.pastState ?? true
    this.finalDepth = init.finalDepth ?? 2
  }

  /** The chain's time in ms (invitation expiry is judged against it). */
  now (): number { return Date.now() + this.skew }
  /** Moves the chain's time forward, and mines a block stamped with it. */
  advance (ms: number): void { this.skew += ms; this.mine() }

  head (tag?: string): number {
    const seq = this.blocks.length - 1
    return tag === 'finalized' ? seq - this.finalDepth : seq
  }

  idAt (seq: number): string | undefined { return this.blocks[seq]?.id }

  /** Mines `n` empty blocks. */
  mine (n = 1): void {
    for (let i = 0; i < n; i++) this.blocks.push({ seq: this.blocks.length, id: newId(), time: this.now(), applied: [], created: [] })
  }

  /**
   * A reorg: drops every block after `at` (their requests are gone, as after a real
   * reorg) and mines `blocks` new empty ones in their place.
   */
  fork (at: number, blocks = 2): void {
    this.blocks = this.blocks.slice(0, at + 1)
    this.states = this.replay(at)
    this.mine(blocks)
  }

  /** Checks and applies a signed request in a new block: its position and the context's revision after it. */
  execute (r: Request): { tx: string, position: Position, revision: number, context: Uint8Array } {
    const what = r.action.type
    if (!verify(r.identity, requestBytes(r), r.signature)) throw refused('BadSignature', what)
    const tx = toHex(sha256(r.signature))
    const block: Block = { seq: this.blocks.length, id: newId(), time: this.now(), applied: [], created: [] }
    if (r.action.type === 'create') {
      const context = contextIdFor(r.identity, r.action.application, r.action.salt)
      if (this.states.has(toHex(context))) throw refused('ContextExists', what, { context: toHex(context).slice(0, 12) })
      block.created.push({ context: toHex(context), seq: block.seq, creator: r.identity, application: r.action.application })
      this.states.set(toHex(context), genesisState(context, r.action.application, r.identity))
      this.push(block, tx, r)
      return { tx, position: { seq: block.seq, id: block.id }, revision: 1, context }
    }
    const s = this.states.get(toHex(r.context))
    if (s === undefined) throw refused('UnknownContext', what, { context: toHex(r.context).slice(0, 12) })
    const next = cloneState(s)
    const reason = applyRequest(next, r.action, { author: r.identity, nonce: r.nonce, at: block.time })
    if (reason !== null) throw new GovernanceRejectedError(refusedMessage(what, reason))
    this.states.set(toHex(r.context), next)
    block.applied.push({ tx, context: toHex(r.context), author: r.identity, nonce: r.nonce, action: r.action, revision: next.revision })
    this.push(block, tx, r)
    return { tx, position: { seq: block.seq, id: block.id }, revision: next.revision, context: r.context }
  }

  /**
   * Test-only: a block where the chain accepted `action` by `author` and changed the state
   * as `mutate` says, whatever the shared reducer thinks (a chain whose rules differ). The
   * change is in the feed like any other.
   */
  force (context: Uint8Array, author: Uint8Array, action: ChainAction, mutate: (s: GovState) => void): Position {
    const s = cloneState(this.states.get(toHex(context))!)
    mutate(s)
    const nonce = (s.nonces.get(toHex(author)) ?? 0n) + 1n
    s.nonces.set(toHex(author), nonce)
    s.revision++
    this.states.set(toHex(context), s)
    const block: Block = { seq: this.blocks.length, id: newId(), time: this.now(), applied: [], created: [] }
    block.applied.push({ tx: newId(), context: toHex(context), author, nonce, action, revision: s.revision })
    this.blocks.push(block)
    this.forced.set(block.id, mutate)
    return { seq: block.seq, id: block.id }
  }

  /** Sends the very request of transaction `tx` again (a replay by anyone who saw it): the chain's verdict. */
  resend (tx: string): RefusalCode | 'accepted' {
    const r = this.txs.get(tx)
    if (r === undefined) throw new NotFoundError(`no transaction ${tx}`)
    try {
      this.execute(r)
      return 'accepted'
    } catch (err) {
      if (err instanceof GovernanceRejectedError) return err.code
      throw err
    }
  }

  /** The state of a context at the head, or at position `at`. */
  state (context: Uint8Array, at?: number): GovState | undefined {
    if (at === undefined || at === this.head()) return this.states.get(toHex(context))
    return this.replay(at).get(toHex(context))
  }

  genesis (context: Uint8Array): Genesis | undefined {
    const hex = toHex(context)
    for (const b of this.blocks) {
      const g = b.created.find((c) => c.context === hex)
      if (g !== undefined) return { seq: g.seq, creator: g.creator, application: g.application }
    }
    return undefined
  }

  /** Accepted changes of these contexts in [from, to]. */
  changes (contexts: string[], from: number, to: number): ChainChange[] {
    const want = new Set(contexts)
    const out: ChainChange[] = []
    for (const b of this.blocks.slice(Math.max(0, from), to + 1)) {
      b.applied.forEach((a, index) => {
        if (!want.has(a.context)) return
        out.push({
          context: new Uint8Array(Buffer.from(a.context, 'hex')),
          id: a.tx,
          author: a.author,
          action: a.action as AnchorChange['action'],
          accepted: true,
          revision: a.revision,
          position: { seq: b.seq, id: b.id },
          index,
          nonce: a.nonce,
          at: b.time
        })
      })
    }
    return out
  }

  private push (block: Block, tx: string, r: Request): void {
    this.blocks.push(block)
    this.txs.set(tx, r)
  }

  /** Every context's state after block `at`, from the blocks themselves. */
  private replay (at: number): Map<string, GovState> {
    const states = new Map<string, GovState>()
    for (const b of this.blocks.slice(0, at + 1)) {
      for (const c of b.created) states.set(c.context, genesisState(new Uint8Array(Buffer.from(c.context, 'hex')), c.application, c.creator))
      for (const a of b.applied) {
        const s = states.get(a.context)!
        const forced = this.forced.get(b.id)
        if (forced === undefined) {
          applyRequest(s, a.action, { author: a.author, nonce: a.nonce, at: b.time })
        } else {
          forced(s)
          s.nonces.set(toHex(a.author), a.nonce)
          s.revision++
        }
      }
    }
    return states
  }
}

/** The chain's rule for one request: the shared reducer, plus group-key shares (members only; readers re-share, never rotate). */
function applyRequest (s: GovState, action: ChainAction, ctx: { author: Uint8Array, nonce: bigint, at: number }): string | null {
  if (action.type !== 'keys') return applyAction(s, action as GovAction, ctx)
  const last = s.nonces.get(toHex(ctx.author)) ?? 0n
  const who = toHex(ctx.author).slice(0, 12)
  if (ctx.nonce <= last) return refusal('StaleNonce', { nonce: ctx.nonce, who, last })
  const role = roleOf(s, ctx.author)
  if (role === undefined) return refusal('KeysNotMember', { who })
  if (role === 'reader' && action.rotate) return refusal('ReaderCannotRotate', { who })
  s.nonces.set(toHex(ctx.author), ctx.nonce)
  s.revision++
  return null
}

function newId (): string {
  return '0x' + randomBytes(32).toString('hex')
}

export interface MemoryAnchorInit {
  confirmations?: number
  /** Positions of ids the feed keeps to find a fork point (default 64). */
  reorgDepth?: number
  finalityTag?: string
  pollIntervalMs?: number
  txTimeoutMs?: number
  /** Most positions the feed reads at once (default 100). */
  feedRange?: number
  logger?: Logger
}

/** The chain anchor of the in-memory chain, on the chain kit. */
export class MemoryAnchor implements ChainAnchor {
  readonly kind = 'memory'
  readonly finality: Finality
  readonly chain: MemoryChain
  private readonly source: FeedSource
  private readonly feed: ChangeFeed
  private readonly queue = new KeyedQueue()
  private readonly txTimeoutMs: number
  private readonly pollIntervalMs: number
  private lastSeen: number | undefined

  constructor (chain: MemoryChain, init: MemoryAnchorInit = {}) {
    this.chain = chain
    this.finality = finalityOf(init)
    this.pollIntervalMs = init.pollIntervalMs ?? 20
    this.txTimeoutMs = init.txTimeoutMs ?? 10_000
    this.source = {
      head: async (tag) => chain.head(tag),
      idAt: async (seq) => chain.idAt(seq),
      changes: async (contexts, from, to) => chain.changes(contexts, from, to)
    }
    this.feed = new ChangeFeed({
      source: this.source,
      finality: this.finality,
      pollIntervalMs: this.pollIntervalMs,
      reorgDepth: init.reorgDepth ?? 64,
      range: init.feedRange ?? 100,
      logger: (init.logger ?? silentLogger).child('memory-chain'),
      // A new feed starts at the newest position this anchor wrote at, so nothing after it is missed.
      lastSeen: () => this.lastSeen
    })
  }

  get pastState (): boolean { return this.chain.pastState }

  async createContext (init: { application: Uint8Array, creator: Signer, salt?: Uint8Array }, options?: AnchorOptions): Promise<{ context: Uint8Array, receipt: Receipt }> {
    const salt = init.salt ?? new Uint8Array(randomBytes(32))
    const r = this.signed(init.creator, new Uint8Array(32), 0n, { type: 'create', application: init.application, salt })
    const done = this.chain.execute(r)
    await this.confirmed(done.position, options?.signal)
    return { context: done.context, receipt: { id: done.tx, revision: 1 } }
  }

  async submit (context: Uint8Array, signer: Signer, action: ChainAction, options?: SubmitOptions): Promise<Receipt> {
    return await this.queue.run(`${toHex(context)}:${toHex(signer.publicKey)}`, async () => {
      options?.signal?.throwIfAborted()
      const nonce = options?.nonce ?? ((this.chain.state(context)?.nonces.get(toHex(signer.publicKey)) ?? 0n) + 1n)
      const done = this.chain.execute(this.signed(signer, context, nonce, action))
      await this.confirmed(done.position, options?.signal)
      this.feed.kick()
      return { id: done.tx, revision: done.revision }
    })
  }

  async nonce (context: Uint8Array, identity: Uint8Array, options?: AnchorOptions): Promise<bigint> {
    const at = await this.head(options)
    return (this.chain.state(context, at.seq)?.nonces.get(toHex(identity)) ?? 0n) + 1n
  }

  async view (context: Uint8Array, options?: AnchorOptions): Promise<GovernanceView> {
    return await this.viewAt(context, options) as unknown as GovernanceView
  }

  async viewAt (context: Uint8Array, options?: AnchorOptions): Promise<ChainGovernanceView> {
    const found = await this.lookup(context, options)
    if (!found.found) throw new NotFoundError(`context ${toHex(context)} is not on the memory chain (${found.missing})`)
    return found.value
  }

  async lookup (context: Uint8Array, options: LookupOptions = {}): Promise<Lookup<ChainGovernanceView>> {
    options.signal?.throwIfAborted()
    const head = await this.head(options)
    const seq = options.at ?? head.seq
    if (seq !== head.seq && !this.chain.pastState) return { found: false, missing: 'no-past-state' }
    const id = this.chain.idAt(seq)
    if (id === undefined) return { found: false, missing: 'no-position' }
    const s = this.chain.state(context, seq)
    const genesis = this.chain.genesis(context)
    if (s === undefined || genesis === undefined) return { found: false, missing: 'no-context' }
    return { found: true, value: { ...viewOf(s), context, position: { seq, id }, genesis } }
  }

  async idAt (seq: number): Promise<string | undefined> {
    return this.chain.idAt(seq)
  }

  watch (context: Uint8Array, listener: (change: AnchorChange) => void, options?: ChainWatchOptions): () => void {
    return this.feed.watch(context, listener, options)
  }

  async network (): Promise<string> {
    return this.chain.id
  }

  /** Polls the chain now and resolves when the feed has caught up with it. */
  async sync (): Promise<void> {
    await this.feed.settle()
  }

  async close (): Promise<void> {
    this.feed.close()
  }

  private async head (options?: AnchorOptions): Promise<Position> {
    const at = await confirmedPosition(this.source, this.finality, options)
    if (at === undefined) throw new NotFoundError('the memory chain has no confirmed block yet')
    return at
  }

  private signed (signer: Signer, context: Uint8Array, nonce: bigint, action: Request['action']): Request {
    const body = { context, identity: signer.publicKey, nonce, action }
    return { ...body, signature: sign(signer.secretKey, requestBytes(body)) }
  }

  private async confirmed (position: Position, signal?: AbortSignal): Promise<void> {
    await waitConfirmed({
      source: this.source,
      finality: this.finality,
      included: async () => this.chain.idAt(position.seq) === position.id ? { position, value: undefined } : undefined,
      intervalMs: this.pollIntervalMs,
      timeoutMs: this.txTimeoutMs,
      signal,
      seen: (p) => { this.lastSeen = Math.max(this.lastSeen ?? 0, p.seq) }
    })
  }
}
