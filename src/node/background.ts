// The owner of fire-and-forget work: a task started here is named, its failure is logged
// with that name, and it never becomes an unhandled rejection. `settled` lets a component
// wait for what it started before it stops.
import type { Logger } from '../log/index.ts'

export class Background {
  private readonly log: Logger
  private readonly pending = new Set<Promise<void>>()

  constructor (log: Logger) {
    this.log = log
  }

  /**
   * Runs `task` in the background. A failure is logged at `level` (debug for work that
   * is retried anyway, such as a sync with a peer that went away).
   */
  run (name: string, task: () => Promise<unknown>, fields: Record<string, unknown> = {}, level: 'debug' | 'warn' = 'warn'): void {
    let p: Promise<void>
    try {
      p = task().then(() => {}, (err: unknown) => { this.log[level](`${name} failed`, { ...fields, error: err instanceof Error ? err.message : String(err) }) })
    } catch (err) {
      this.log[level](`${name} failed`, { ...fields, error: err instanceof Error ? err.message : String(err) })
      return
    }
    this.pending.add(p)
    void p.finally(() => { this.pending.delete(p) })
  }

  /** Waits for every task started so far to end (their failures are already logged). */
  async settled (): Promise<void> {
    await Promise.allSettled([...this.pending])
  }
}
