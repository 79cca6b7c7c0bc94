// Tasks run one after another per key (an identity's requests in a context, the governance
// ops built for a context); a key's entry goes once its last task is done.

/** Runs the tasks given for one key one after another. */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>()

  async run<T> (key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve()
    const run = prev.then(fn, fn)
    const tail = run.catch(() => undefined)
    this.tails.set(key, tail)
    try {
      return await run
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }

  /** Whether a task of `key` is running or waiting. */
  busy (key: string): boolean {
    return this.tails.has(key)
  }
}
