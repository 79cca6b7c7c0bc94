// The change feed: polls the ContextConfig contract's Applied events (one per accepted
// request) for the watched contexts, block range by block range, up to the confirmed head
// (head - confirmations + 1), and tells the watchers in chain order.
//
// Reorgs. The feed remembers the hash of every block it stopped at ("marks") and of every
// block a delivered change came from, for `reorgDepth` blocks. Each poll first checks that
// its last mark is still the canonical block at that height. When it is not, it walks the
// marks back to the newest one still canonical (the fork point), tells the watchers that
// every change delivered after it was reorged out (`accepted: false`, in reverse order),
// calls `onReorg` so cached views are dropped, and resumes from the fork point: changes
// that made it into the new branch are delivered again.
//
// A range is accepted only if the hash of its last block is the same before and after its
// logs were read, so logs never mix two branches.
//
// A watcher may ask for history (`fromBlock`): before the next range, its context's
// changes from that block up to the feed's position are read and delivered to it alone,
// so it sees every change once, with no gap between the history and the live feed. A
// watcher may also follow the feed's position (`onPosition`): told after each poll that
// advanced, once the changes up to that block were delivered.
import { toHex } from '../../src/crypto/bytes.ts'
import type { Logger } from '../../src/log/index.ts'
import type { AnchorChange } from '../../src/governance/anchor.ts'
import type { RawLog, Rpc } from './rpc.ts'

export interface EthereumChange extends AnchorChange {
  block: number
  blockHash: string
  logIndex: number
  nonce: bigint
}

export interface FeedInit {
  rpc: Rpc
  address: string
  appliedTopic: string
  decode: (log: RawLog) => EthereumChange | undefined
  confirmations: number
  pollIntervalMs: number
  reorgDepth: number
  logRange: number
  logger: Logger
  /** Told of each poll's progress, before its changes are delivered (refresh cached views here). */
  onAdvance?: (contexts: Set<string>, block: { number: number, hash: string }) => Promise<void>
  /** Told of a reorg: the contexts whose delivered changes were undone, and the fork point. */
  onReorg?: (contexts: Set<string>, fork: { number: number, hash: string }) => Promise<void>
  /** The newest block the anchor knows of (a new feed starts after it). */
  lastSeen: () => number | undefined
}

interface Mark { number: number, hash: string }
interface Delivered { number: number, hash: string, context: string, change: EthereumChange }
type Listener = (change: AnchorChange) => void

export interface WatchOptions {
  /** Deliver this context's changes from this block on first (history), then the live ones. */
  fromBlock?: number
  /** Told the block the feed has read up to, after the changes up to it were delivered. */
  onPosition?: (block: { number: number, hash: string }) => void
}

interface Watcher {
  listener: Listener
  onPosition: ((block: { number: number, hash: string }) => void) | undefined
  /** History still to deliver from this block; undefined once caught up. */
  from: number | undefined
}

export class ChangeFeed {
  private readonly init: FeedInit
  private readonly watchers = new Map<string, Set<Watcher>>()
  private cursor: Mark | undefined
  private marks: Mark[] = []
  private delivered: Delivered[] = []
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private closed = false

  constructor (init: FeedInit) {
    this.init = init
  }

  watch (context: Uint8Array, listener: Listener, options: WatchOptions = {}): () => void {
    const hex = toHex(context)
    const set = this.watchers.get(hex) ?? new Set()
    const watcher: Watcher = { listener, onPosition: options.onPosition, from: options.fromBlock }
    set.add(watcher)
    this.watchers.set(hex, set)
    this.schedule(0)
    return () => {
      set.delete(watcher)
      if (set.size === 0) this.watchers.delete(hex)
    }
  }

  /** The block the feed has read up to (undefined before its first poll). */
  get position (): number | undefined {
    return this.cursor?.number
  }

  /** Polls now (after a local submit) instead of at the next interval. */
  kick (): void {
    if (this.watchers.size > 0) this.schedule(0)
  }

  /** Resolves once a poll that started after this call has finished. */
  async settle (): Promise<void> {
    while (this.running !== undefined) await this.running
    await this.poll()
  }

  close (): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule (ms: number): void {
    if (this.closed) return
    if (this.running !== undefined) {
      if (ms === 0) this.again = true
      return
    }
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = setTimeout(() => { this.timer = undefined; void this.poll() }, ms)
    this.timer.unref()
  }

  private async poll (): Promise<void> {
    if (this.running !== undefined) return await this.running
    this.running = (async () => {
      try {
        if (this.watchers.size === 0) {
          // Nobody listens: forget the position; a later watcher starts afresh.
          this.cursor = undefined
          this.marks = []
          this.delivered = []
          return
        }
        const more = await this.step()
        if (more) this.again = true
      } catch (err) {
        this.init.logger.warn('change feed poll failed', { error: (err as Error).message })
      }
    })()
    try {
      await this.running
    } finally {
      this.running = undefined
      if (!this.closed && this.watchers.size > 0) {
        const now = this.again
        this.again = false
        this.schedule(now ? 0 : this.init.pollIntervalMs)
      }
    }
  }

  /** One poll; true when there is more to read right away. */
  private async step (): Promise<boolean> {
    const { rpc } = this.init
    const head = await rpc.blockNumber()
    const confirmed = head - (this.init.confirmations - 1)
    if (this.cursor === undefined) {
      const start = Math.min(this.init.lastSeen() ?? confirmed, confirmed)
      if (start < 0) return false
      const hash = await rpc.blockHash(start)
      if (hash === undefined) return false
      this.cursor = { number: start, hash }
      this.marks = [this.cursor]
    }
    const current = await rpc.blockHash(this.cursor.number)
    if (current !== this.cursor.hash) {
      await this.rollback()
      return true
    }
    if (!await this.backfill(this.cursor)) return true
    if (confirmed <= this.cursor.number) { this.tellPosition(this.cursor, true); return false }
    const from = this.cursor.number + 1
    const to = Math.min(confirmed, from + this.init.logRange - 1)
    const before = await rpc.blockHash(to)
    const contexts = [...this.watchers.keys()].map((h) => '0x' + h)
    const logs = await rpc.logs({ address: this.init.address, topics: [this.init.appliedTopic, contexts] }, from, to, this.init.logRange)
    const after = await rpc.blockHash(to)
    if (before === undefined || before !== after) return true
    // The range must continue the cursor's branch.
    if (await rpc.blockHash(this.cursor.number) !== this.cursor.hash) return true
    const changes: Delivered[] = []
    for (const log of logs) {
      const change = this.init.decode(log)
      if (change === undefined) continue
      changes.push({ number: log.blockNumber, hash: log.blockHash, context: toHex(change.context), change })
    }
    this.cursor = { number: to, hash: after }
    this.marks.push(this.cursor)
    const touched = new Set(changes.map((c) => c.context))
    if (touched.size > 0) await this.init.onAdvance?.(touched, this.cursor)
    for (const d of changes) {
      this.delivered.push(d)
      this.emit(d.context, d.change)
    }
    this.trim()
    this.tellPosition(this.cursor, false)
    return to < confirmed
  }

  /**
   * Delivers the history watchers asked for, up to the cursor (on its branch). False when
   * the chain moved under the read: the next poll tries again.
   */
  private async backfill (cursor: Mark): Promise<boolean> {
    const { rpc } = this.init
    for (const [hex, set] of this.watchers) {
      for (const w of set) {
        if (w.from === undefined) continue
        if (w.from > cursor.number) { w.from = undefined; continue }
        const logs = await rpc.logs({ address: this.init.address, topics: [this.init.appliedTopic, '0x' + hex] }, w.from, cursor.number, this.init.logRange)
        if (await rpc.blockHash(cursor.number) !== cursor.hash) return false
        w.from = undefined
        for (const log of logs) {
          const change = this.init.decode(log)
          if (change === undefined) continue
          try { w.listener(change) } catch (err) { this.init.logger.warn('anchor watcher failed', { error: (err as Error).message }) }
        }
        // A watcher that just caught up learns where the feed stands.
        this.tellOne(w, cursor)
      }
    }
    return true
  }

  private readonly told = new WeakMap<Watcher, number>()

  private tellPosition (cursor: Mark, onlyNew: boolean): void {
    for (const set of this.watchers.values()) {
      for (const w of set) {
        if (onlyNew && this.told.has(w)) continue
        this.tellOne(w, cursor)
      }
    }
  }

  private tellOne (w: Watcher, cursor: Mark): void {
    if (w.onPosition === undefined || w.from !== undefined || this.told.get(w) === cursor.number) return
    this.told.set(w, cursor.number)
    try { w.onPosition({ number: cursor.number, hash: cursor.hash }) } catch (err) { this.init.logger.warn('anchor watcher failed', { error: (err as Error).message }) }
  }

  private async rollback (): Promise<void> {
    const { rpc, logger } = this.init
    const candidates = [...this.marks, ...this.delivered.map((d) => ({ number: d.number, hash: d.hash }))]
      .sort((a, b) => b.number - a.number)
    let fork: Mark | undefined
    for (const m of candidates) {
      if (await rpc.blockHash(m.number) === m.hash) { fork = m; break }
    }
    if (fork === undefined) {
      // Deeper than what we remember: undo everything and restart below the oldest change.
      const oldest = Math.min(...candidates.map((m) => m.number))
      const n = Math.max(0, oldest - 1)
      fork = { number: n, hash: (await rpc.blockHash(n)) ?? '' }
      logger.warn('reorg deeper than the remembered window', { fork: n })
    }
    const undone = this.delivered.filter((d) => d.number > fork.number)
    this.delivered = this.delivered.filter((d) => d.number <= fork.number)
    this.marks = [...this.marks.filter((m) => m.number < fork.number), fork]
    this.cursor = fork
    logger.info('chain reorganised; undoing changes past the fork', { fork: fork.number, undone: undone.length })
    const touched = new Set(undone.map((d) => d.context))
    await this.init.onReorg?.(touched, fork)
    for (const d of undone.reverse()) {
      this.emit(d.context, { ...d.change, accepted: false, reason: `reorged out: block ${d.number} (${d.hash.slice(0, 10)}…) left the chain` })
    }
    // Position watchers learn the feed stands at the fork now (what they knew past it is void).
    this.tellPosition(fork, false)
  }

  private trim (): void {
    const floor = (this.cursor?.number ?? 0) - this.init.reorgDepth
    // Keep the newest mark below the floor too: a fork point can still be found there.
    const below = this.marks.filter((m) => m.number < floor).at(-1)
    this.marks = [...(below !== undefined ? [below] : []), ...this.marks.filter((m) => m.number >= floor)]
    this.delivered = this.delivered.filter((d) => d.number >= floor)
  }

  private emit (context: string, change: EthereumChange): void {
    for (const w of [...(this.watchers.get(context) ?? [])]) {
      // A watcher still waiting for its history gets this change with it.
      if (w.from !== undefined) continue
      try { w.listener(change) } catch (err) { this.init.logger.warn('anchor watcher failed', { error: (err as Error).message }) }
    }
  }
}
