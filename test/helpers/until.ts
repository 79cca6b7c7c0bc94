// Waits for a condition that other nodes, processes or a chain make true eventually
// (the shared helper in src/async/, with the tests' positional arguments).
import { until as poll } from '../../src/async/index.ts'

/** Resolves once `fn` holds; fails naming `what` after `ms`. Polls every `every` ms. */
export async function until (what: string, fn: () => boolean | Promise<boolean>, ms = 15_000, every = 25): Promise<void> {
  await poll(what, fn, { timeoutMs: ms, intervalMs: every })
}
