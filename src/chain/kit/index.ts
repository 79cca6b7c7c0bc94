// The chain kit: what every chain adapter (adapters/<chain>/) needs and would otherwise
// write again — the reorg-aware change feed over a small source, positions and
// finality, a serialised sender, a per-identity queue, views cached by position, and
// retries and deadlines with an AbortSignal (src/async/). See docs/chain-kit.md.
export { ChangeFeed, type FeedInit, type FeedSource } from './feed.ts'
export { confirmedPosition, finalityOf, isConfirmed, onChain, readStable, type Finality, type HeadSource, type Position } from './position.ts'
export { SerialSender, type SenderInit } from './sender.ts'
export { KeyedQueue } from '../../async/keyed-queue.ts'
export { PositionCache } from './cache.ts'
export { plainLinkText } from './link-text.ts'
export { waitConfirmed, type WaitConfirmedInit } from './confirm.ts'
export { sleep, until, withRetry, withTimeout, TimeoutError, type RetryOptions, type UntilOptions, type WaitOptions } from '../../async/index.ts'
