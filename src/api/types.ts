import type { Logger } from '../log/index.ts'
import type { MoorNode } from '../node/types.ts'

/** What the route groups need: the node, a logger, and the server's open SSE streams. */
export interface ApiComponents {
  node: MoorNode
  logger: Logger
  /** Closers of open SSE streams; the server calls them all on close(). */
  streams: Set<() => void>
  heartbeatMs: number
}
