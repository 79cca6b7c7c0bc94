// Waiting, retrying and deadlines, in one place: every loop that polls or retries
// something slow (a chain endpoint, a condition another part makes true) goes through
// these, and each takes an AbortSignal so the caller can stop it.
import { MoorageError } from '../errors/index.ts'

/** A wait or a retried operation ran out of time. */
export class TimeoutError extends MoorageError {
  static override readonly status: number = 504
  override name = 'TimeoutError'
}

export interface WaitOptions {
  signal?: AbortSignal | undefined
}

/** Resolves after `ms`; rejects with the signal's reason as soon as it aborts. */
export async function sleep (ms: number, options: WaitOptions = {}): Promise<void> {
  const { signal } = options
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(timer); reject(signal!.reason) }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** `fn` with a deadline: its signal aborts after `ms` (or when `options.signal` does), and the result rejects with TimeoutError. */
export async function withTimeout<T> (ms: number, fn: (signal: AbortSignal) => Promise<T>, options: WaitOptions & { what?: string } = {}): Promise<T> {
  const deadline = AbortSignal.timeout(ms)
  const signal = options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline])
  try {
    return await Promise.race([fn(signal), new Promise<never>((_resolve, reject) => {
      if (signal.aborted) reject(signal.reason)
      signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
    })])
  } catch (err) {
    if (deadline.aborted && options.signal?.aborted !== true) throw new TimeoutError(`${options.what ?? 'the operation'} did not finish in ${ms} ms`, { cause: err })
    throw err
  }
}

export interface RetryOptions extends WaitOptions {
  /** Attempts in all, the first included (default 3). */
  attempts?: number
  /** Wait before the second attempt, in ms; each later wait is `factor` times longer (default 100, 3). */
  delayMs?: number
  factor?: number
  /** Whether an error is worth another attempt (default: every error). */
  retryable?: (err: unknown) => boolean
  /** Told before each wait (a log line). */
  onRetry?: (err: unknown, attempt: number) => void
}

/** Runs `fn` until it succeeds, the attempts run out, an error is not retryable, or the signal aborts. */
export async function withRetry<T> (fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 3
  let delay = options.delayMs ?? 100
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted()
    try {
      return await fn(attempt)
    } catch (err) {
      options.signal?.throwIfAborted()
      if (attempt >= attempts || options.retryable?.(err) === false) throw err
      options.onRetry?.(err, attempt)
      await sleep(delay, options)
      delay *= options.factor ?? 3
    }
  }
}

export interface UntilOptions extends WaitOptions {
  /** Give up after this many ms (default 15 s). */
  timeoutMs?: number
  /** Poll interval in ms (default 25). */
  intervalMs?: number
}

/**
 * Polls `fn` until it returns something other than undefined (or false), and returns it.
 * Fails with TimeoutError naming `what` after `timeoutMs`.
 */
export async function until<T> (what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, options: UntilOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000
  const end = Date.now() + timeoutMs
  for (;;) {
    options.signal?.throwIfAborted()
    const v = await fn()
    if (v !== undefined && v !== false) return v
    if (Date.now() > end) throw new TimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(options.intervalMs ?? 25, options)
  }
}
