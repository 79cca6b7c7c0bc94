// The state of something retried in the background (a duty, a poll): quiet while it keeps
// failing the same way, with a delay that doubles per failure. Whoever logs asks it whether
// a failure is news (the first, or a new error) and is told once when it works again, so
// an endpoint that went away costs one warning, not one a second forever.

export interface FailureState { error: string, failures: number, retryAt: number }

export interface BackoffOptions {
  /** Delay after the first failure (ms); doubled after each further one. */
  baseMs: number
  maxMs: number
  now?: () => number
}

export class Failures {
  private readonly o: BackoffOptions
  private readonly now: () => number
  private readonly states = new Map<string, FailureState>()

  constructor (options: BackoffOptions) {
    this.o = options
    this.now = options.now ?? Date.now
  }

  /** Records a failure; `news` when it is the first or its error changed (log it then), with the delay before the next try. */
  failed (key: string, err: unknown): { news: boolean, failures: number, delayMs: number, error: string } {
    const error = err instanceof Error ? err.message : String(err)
    // The same failure is the same first line: details (which call failed) vary with the attempt.
    const summary = error.split('\n')[0]!
    const prev = this.states.get(key)
    const failures = (prev?.failures ?? 0) + 1
    const delayMs = Math.min(this.o.maxMs, this.o.baseMs * 2 ** (failures - 1))
    this.states.set(key, { error: summary, failures, retryAt: this.now() + delayMs })
    return { news: prev?.error !== summary, failures, delayMs, error }
  }

  /** Records a success; the failures it ends (undefined when it was not failing: nothing to log). */
  succeeded (key: string): number | undefined {
    const prev = this.states.get(key)
    if (prev === undefined) return undefined
    this.states.delete(key)
    return prev.failures
  }

  /** Whether a retry should still wait. */
  waiting (key: string): boolean {
    const s = this.states.get(key)
    return s !== undefined && this.now() < s.retryAt
  }
}
