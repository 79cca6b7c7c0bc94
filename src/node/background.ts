// The owner of fire-and-forget work: a task started here is named, its failure is logged
// with that name, and it never becomes an unhandled rejection. `settled` lets a component
// wait for what it started before it stops.
//
// A duty that keeps failing the same way (a chain endpoint that went away, a contract a
// restarted devnet no longer has) is logged once per change of state: the first failure
// and each new error as a warning, repeats at debug, and one line once it works again. A
// task run with `backoff` is not even started again until a delay that doubles with each
// failure has passed, so a node does not hammer an endpoint that is down.
import type { Logger } from '../log/index.ts'
import { BACKGROUND_BACKOFF_MAX_MS, BACKGROUND_BACKOFF_MS } from './constants.ts'

export interface BackgroundOptions {
  /** The clock backoff is measured on (tests). */
  now?: () => number
}

export interface RunOptions {
  /** Skip this task (same name and context) while it is backing off after failures. */
  backoff?: boolean
}

interface Failing { error: string, failures: number, retryAt: number }

export class Background {
  private readonly log: Logger
  private readonly now: () => number
  private readonly pending = new Set<Promise<void>>()
  /** Failing warn-level tasks, by name and context. */
  private readonly failing = new Map<string, Failing>()

  constructor (log: Logger, options: BackgroundOptions = {}) {
    this.log = log
    this.now = options.now ?? Date.now
  }

  /**
   * Runs `task` in the background. A failure is logged at `level` (debug for work that
   * is retried anyway, such as a sync with a peer that went away).
   */
  run (name: string, task: () => Promise<unknown>, fields: Record<string, unknown> = {}, level: 'debug' | 'warn' = 'warn', options: RunOptions = {}): void {
    const key = `${name}|${String(fields.context ?? '')}`
    const state = this.failing.get(key)
    if (options.backoff === true && state !== undefined && this.now() < state.retryAt) return
    const failed = (err: unknown): void => { this.failed(key, name, fields, level, err) }
    let p: Promise<void>
    try {
      p = task().then(() => { this.succeeded(key, name, fields) }, failed)
    } catch (err) {
      failed(err)
      return
    }
    this.pending.add(p)
    void p.finally(() => { this.pending.delete(p) })
  }

  private failed (key: string, name: string, fields: Record<string, unknown>, level: 'debug' | 'warn', err: unknown): void {
    const error = err instanceof Error ? err.message : String(err)
    if (level === 'debug') {
      this.log.debug(`${name} failed`, { ...fields, error })
      return
    }
    const prev = this.failing.get(key)
    const failures = (prev?.failures ?? 0) + 1
    const delay = Math.min(BACKGROUND_BACKOFF_MAX_MS, BACKGROUND_BACKOFF_MS * 2 ** (failures - 1))
    this.failing.set(key, { error, failures, retryAt: this.now() + delay })
    if (prev?.error === error) this.log.debug(`${name} failed again`, { ...fields, failures, error })
    else this.log.warn(`${name} failed`, { ...fields, error, ...(prev === undefined ? {} : { failures }), note: 'logged again when the error changes or the task recovers' })
  }

  private succeeded (key: string, name: string, fields: Record<string, unknown>): void {
    const prev = this.failing.get(key)
    if (prev === undefined) return
    this.failing.delete(key)
    this.log.info(`${name} works again`, { ...fields, after: prev.failures })
  }

  /** Waits for every task started so far to end (their failures are already logged). */
  async settled (): Promise<void> {
    await Promise.allSettled([...this.pending])
  }
}
