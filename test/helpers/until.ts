// Waits for a condition that other nodes, processes or a chain make true eventually.

/** Resolves once `fn` holds; fails naming `what` after `ms`. Polls every `every` ms. */
export async function until (what: string, fn: () => boolean | Promise<boolean>, ms = 15_000, every = 25): Promise<void> {
  const end = Date.now() + ms
  for (;;) {
    if (await fn()) return
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, every))
  }
}
