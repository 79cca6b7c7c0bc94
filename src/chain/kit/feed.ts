// The change feed every chain adapter shares: it polls a small source (head, id at a
// position, changes in a range) for the watched contexts, range by range, up to the
// position the chain's finality allows, and tells the watchers in chain order.
//
// Reorgs are handled here and nowhere else. The feed remembers the id of every position
// it stopped at ("marks") and of every position a delivered change came from, for
// `reorgDepth` positions. Each poll first checks that its last mark is still on the
// chain. When it is not, it walks the marks back to the newest one still there (the fork
// point), tells the watchers that every change delivered after it was reorged out
// (`accepted: false`, in reverse order), calls `onReorg` so cached views are dropped, and
// resumes from the fork point: changes that made it into the new branch come again.
//
// A range is accepted only if the id of its last position is the same before and after
// its changes were read, so changes never mix two branches.
//
// A watcher may ask for history (`from`): before the next range, its context's changes
// from that position up to the feed's are read and delivered to it alone, so it sees
// every change once, with no gap between the history and the live feed. A watcher may
// also follow the feed's position (`onPosition`): told after each poll that advanced,
// once the changes up to that position were delivered, and how many positions it is behind
// the newest one that counts.
//
// A source that can be pushed (`subscribe`: the chain tells it of each new position)
// makes the feed poll at once on each push, while anyone watches; the interval poll stays
// as the fallback for a push that never comes.
import { toHex } from '../../crypto/bytes.ts'
import type { Logger } from '../../log/index.ts'
import type { AnchorChange, ChainChange, ChainWatchOptions, Finality, Position } from '../../governance/anchor.ts'
import { Failures } from '../../async/failures.ts'
import { confirmedPosition, type HeadSource } from './position.ts'

/** What a chain adapter gives the feed: where the chain stands, and its changes by range. */
export interface FeedSource extends HeadSource {
  /** Accepted changes of these contexts (hex ids) at positions in [from, to], in chain order. */
  changes: (contexts: string[], from: number, to: number, options?: { signal?: AbortSignal }) => Promise<ChainChange[]>
  /**
   * Optional push: calls `moved` whenever the chain may have moved (a new position), until
   * the function it returns is called. Only a hint: the feed reads, confirms and checks for
   * reorgs as after any poll, and the source may miss or repeat pushes.
   */
  subscribe?: (moved: () => void) => () => void
}

export interface FeedInit {
  source: FeedSource
  finality: Finality
  pollIntervalMs: number
  reorgDepth: number
  /** Most positions asked of the source at once. */
  range: number
  logger: Logger
  /** Told of each poll's progress, before its changes are delivered (refresh cached views here). */
  onAdvance?: (contexts: Set<string>, at: Position) => Promise<void>
  /** Told of a reorg: the contexts whose delivered changes were undone, and the fork point. */
  onReorg?: (contexts: Set<string>, fork: Position) => Promise<void>
  /** The newest position the adapter knows of (a new feed starts there rather than at the head). */
  lastSeen?: () => number | undefined
}

interface Delivered { position: Position, context: string, change: ChainChange }
type Listener = (change: AnchorChange) => void

interface Watcher {
  listener: Listener
  onPosition: ((p: Position, behind: number) => void) | undefined
  /** History still to deliver from this position; undefined once caught up. */
  from: number | undefined
}

/** The longest a failing feed waits between polls. */
const FEED_BACKOFF_MAX_MS = 60_000

export class ChangeFeed {
  private readonly init: FeedInit
  private readonly watchers = new Map<string, Set<Watcher>>()
  private readonly told = new WeakMap<Watcher, number>()
  private cursor: Position | undefined
  /** The newest position that counted at the last poll. */
  private confirmedSeq = 0
  private marks: Position[] = []
  private delivered: Delivered[] = []
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  /** Polls that fail (the endpoint down) back off from one poll interval, doubling to a minute. */
  private readonly failures: Failures
  private backoffMs = 0
  private closed = false
  /** Stops the source's pushes (set while anyone watches a source that can push). */
  private unsubscribe: (() => void) | undefined

  constructor (init: FeedInit) {
    this.init = init
    this.failures = new Failures({ baseMs: init.pollIntervalMs, maxMs: Math.max(init.pollIntervalMs, FEED_BACKOFF_MAX_MS) })
  }

  watch (context: Uint8Array, listener: Listener, options: ChainWatchOptions = {}): () => void {
    const hex = toHex(context)
    const set = this.watchers.get(hex) ?? new Set()
    // Without history asked for, a watcher hears of everything after what the adapter knew
    // when it started watching, even if the feed's first poll comes later.
    const seen = this.cursor === undefined ? this.init.lastSeen?.() : undefined
    const watcher: Watcher = { listener, onPosition: options.onPosition, from: options.from ?? (seen !== undefined ? seen + 1 : undefined) }
    set.add(watcher)
    this.watchers.set(hex, set)
    if (!this.closed) this.unsubscribe ??= this.init.source.subscribe?.(() => { this.kick() })
    this.schedule(0)
    return () => {
      set.delete(watcher)
      if (set.size === 0) this.watchers.delete(hex)
      if (this.watchers.size === 0) this.stopPushes()
    }
  }

  /** The position the feed has read up to (undefined before its first poll). */
  get position (): Position | undefined {
    return this.cursor
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
    this.stopPushes()
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private stopPushes (): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
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
        if (await this.step()) this.again = true
        const after = this.failures.succeeded('poll')
        if (after !== undefined) this.init.logger.info('change feed works again', { after })
      } catch (err) {
        // Once per change of error, and polled less often while it lasts (an endpoint down).
        const f = this.failures.failed('poll', err)
        this.backoffMs = f.delayMs
        if (f.news) this.init.logger.warn('change feed poll failed', { error: f.error, note: 'retried with backoff; logged again when the error changes or the feed recovers' })
        else this.init.logger.debug('change feed poll failed again', { error: f.error, failures: f.failures })
      }
    })()
    try {
      await this.running
    } finally {
      this.running = undefined
      if (!this.closed && this.watchers.size > 0) {
        const now = this.again
        this.again = false
        const backoff = this.backoffMs
        this.backoffMs = 0
        this.schedule(backoff > 0 ? Math.max(backoff, this.init.pollIntervalMs) : now ? 0 : this.init.pollIntervalMs)
      }
    }
  }

  /** One poll; true when there is more to read right away. */
  private async step (): Promise<boolean> {
    const { source } = this.init
    const confirmed = await confirmedPosition(source, this.init.finality)
    if (confirmed === undefined) return false
    this.confirmedSeq = confirmed.seq
    if (this.cursor === undefined) {
      const start = Math.min(this.init.lastSeen?.() ?? confirmed.seq, confirmed.seq)
      const id = start === confirmed.seq ? confirmed.id : await source.idAt(start)
      if (id === undefined) return false
      this.cursor = { seq: start, id }
      this.marks = [this.cursor]
    }
    if (await source.idAt(this.cursor.seq) !== this.cursor.id) {
      await this.rollback()
      return true
    }
    if (!await this.backfill(this.cursor)) return true
    if (confirmed.seq <= this.cursor.seq) { this.tellPosition(this.cursor, true); return false }
    const from = this.cursor.seq + 1
    const to = Math.min(confirmed.seq, from + this.init.range - 1)
    const before = await source.idAt(to)
    const found = await source.changes([...this.watchers.keys()], from, to)
    const after = await source.idAt(to)
    if (before === undefined || before !== after) return true
    // The range must continue the cursor's branch.
    if (await source.idAt(this.cursor.seq) !== this.cursor.id) return true
    const changes: Delivered[] = found.map((change) => ({ position: change.position, context: toHex(change.context), change }))
    this.cursor = { seq: to, id: after }
    this.marks.push(this.cursor)
    const touched = new Set(changes.map((c) => c.context))
    if (touched.size > 0) await this.init.onAdvance?.(touched, this.cursor)
    for (const d of changes) {
      this.delivered.push(d)
      this.emit(d.context, d.change)
    }
    this.trim()
    this.tellPosition(this.cursor, false)
    return to < confirmed.seq
  }

  /**
   * Delivers the history watchers asked for, up to the cursor (on its branch). False when
   * the chain moved under the read: the next poll tries again.
   */
  private async backfill (cursor: Position): Promise<boolean> {
    const { source } = this.init
    for (const [hex, set] of this.watchers) {
      for (const w of set) {
        if (w.from === undefined) continue
        if (w.from > cursor.seq) { w.from = undefined; continue }
        const history: ChainChange[] = []
        for (let start = w.from; start <= cursor.seq; start += this.init.range) {
          history.push(...await source.changes([hex], start, Math.min(cursor.seq, start + this.init.range - 1)))
        }
        if (await source.idAt(cursor.seq) !== cursor.id) return false
        w.from = undefined
        for (const change of history) this.call(w, change)
        // A watcher that just caught up learns where the feed stands.
        this.tellOne(w, cursor)
      }
    }
    return true
  }

  private tellPosition (cursor: Position, onlyNew: boolean): void {
    for (const set of this.watchers.values()) {
      for (const w of set) {
        if (onlyNew && this.told.has(w)) continue
        this.tellOne(w, cursor)
      }
    }
  }

  private tellOne (w: Watcher, cursor: Position): void {
    if (w.onPosition === undefined || w.from !== undefined || this.told.get(w) === cursor.seq) return
    this.told.set(w, cursor.seq)
    try { w.onPosition({ ...cursor }, Math.max(0, this.confirmedSeq - cursor.seq)) } catch (err) { this.init.logger.warn('anchor watcher failed', { error: (err as Error).message }) }
  }

  private async rollback (): Promise<void> {
    const { source, logger } = this.init
    const candidates = [...this.marks, ...this.delivered.map((d) => d.position)].sort((a, b) => b.seq - a.seq)
    let fork: Position | undefined
    for (const m of candidates) {
      if (await source.idAt(m.seq) === m.id) { fork = m; break }
    }
    if (fork === undefined) {
      // Deeper than what we remember: undo everything and restart below the oldest change.
      const n = Math.max(0, Math.min(...candidates.map((m) => m.seq)) - 1)
      fork = { seq: n, id: (await source.idAt(n)) ?? '' }
      logger.warn('reorg deeper than the remembered window', { fork: n })
    }
    const at = fork
    const undone = this.delivered.filter((d) => d.position.seq > at.seq)
    this.delivered = this.delivered.filter((d) => d.position.seq <= at.seq)
    this.marks = [...this.marks.filter((m) => m.seq < at.seq), at]
    this.cursor = at
    logger.info('chain reorganised; undoing changes past the fork', { fork: at.seq, undone: undone.length })
    await this.init.onReorg?.(new Set(undone.map((d) => d.context)), at)
    for (const d of undone.reverse()) {
      this.emit(d.context, { ...d.change, accepted: false, reason: `reorged out: position ${d.position.seq} (${d.position.id.slice(0, 10)}…) left the chain` })
    }
    // Position watchers learn the feed stands at the fork now (what they knew past it is void).
    this.tellPosition(at, false)
  }

  private trim (): void {
    const floor = (this.cursor?.seq ?? 0) - this.init.reorgDepth
    // Keep the newest mark below the floor too: a fork point can still be found there.
    const below = this.marks.filter((m) => m.seq < floor).at(-1)
    this.marks = [...(below !== undefined ? [below] : []), ...this.marks.filter((m) => m.seq >= floor)]
    this.delivered = this.delivered.filter((d) => d.position.seq >= floor)
  }

  private emit (context: string, change: ChainChange): void {
    for (const w of [...(this.watchers.get(context) ?? [])]) {
      // A watcher still waiting for its history gets this change with it.
      if (w.from === undefined) this.call(w, change)
    }
  }

  private call (w: Watcher, change: ChainChange): void {
    try { w.listener(change) } catch (err) { this.init.logger.warn('anchor watcher failed', { error: (err as Error).message }) }
  }
}
