// The owner of fire-and-forget work: a task started here is named, its failure is logged
// with that name, and it never becomes an unhandled rejection. `settled` lets a component
// wait for what it started before it stops.
//
// A duty that keeps failing the same way (a chain endpoint that went away, a contract a
// restarted devnet no longer has) is logged once per change of state: the first failure
// and each new error as a warning, repeats at debug, and one line once it works again. A
// task run with `backoff` is not even started again until a delay that doubles with each
// failure has passed, so a node does not hammer an endpoint that is down.
import { Failures } from '../async/failures.ts'
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

export class Background {
  private readonly log: Logger
  private readonly pending = new Set<Promise<void>>()
  /** Failing warn-level tasks, by name and context. */
  private readonly failing: Failures

  constructor (log: Logger, options: BackgroundOptions = {}) {
    this.log = log
    this.failing = new Failures({ baseMs: BACKGROUND_BACKOFF_MS, maxMs: BACKGROUND_BACKOFF_MAX_MS, ...(options.now !== undefined ? { now: options.now } : {}) })
  }

  /**
   * Runs `task` in the background. A failure is logged at `level` (debug for work that
   * is retried anyway, such as a sync with a peer that went away).
   */
  run (name: string, task: () => Promise<unknown>, fields: Record<string, unknown> = {}, level: 'debug' | 'warn' = 'warn', options: RunOptions = {}): void {
    const key = `${name}|${String(fields.context ?? '')}`
    if (options.backoff === true && this.failing.waiting(key)) return
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
    if (level === 'debug') {
      this.log.debug(`${name} failed`, { ...fields, error: err instanceof Error ? err.message : String(err) })
      return
    }
    const f = this.failing.failed(key, err)
    if (!f.news) this.log.debug(`${name} failed again`, { ...fields, failures: f.failures, error: f.error })
    else this.log.warn(`${name} failed`, { ...fields, error: f.error, ...(f.failures === 1 ? {} : { failures: f.failures }), note: 'logged again when the error changes or the task recovers' })
  }

  private succeeded (key: string, name: string, fields: Record<string, unknown>): void {
    const failures = this.failing.succeeded(key)
    if (failures !== undefined) this.log.info(`${name} works again`, { ...fields, after: failures })
  }

  /** Waits for every task started so far to end (their failures are already logged). */
  async settled (): Promise<void> {
    await Promise.allSettled([...this.pending])
  }
}
