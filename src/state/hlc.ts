// Hybrid logical clock: wall-clock milliseconds plus a logical counter, so that a node's
// timestamps never go backwards and always exceed every timestamp it has seen — within
// a bound. A timestamp more than MAX_CLOCK_DRIFT_MS ahead of this node's wall clock is
// not observed (and the delta or op carrying it is refused, see `aheadReason`): one
// peer's clock near 2^53 would otherwise drag every node it reaches into the far future
// for good (invitations "already expired", writes that win every LWW race).
import { MoorageError } from '../errors/index.ts'

export interface Timestamp {
  ms: number
  c: number
}

/** How far ahead of this node's wall clock a timestamp from a peer may be. */
export const MAX_CLOCK_DRIFT_MS = 5 * 60_000

export class ClockDriftError extends MoorageError {
  static override readonly status: number = 400
  override name = 'ClockDriftError'
}

export function compareTimestamps (a: Timestamp, b: Timestamp): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.c - b.c
}

/** Why `seen` is refused at wall time `wall`, or null when it is within the drift bound. */
export function aheadReason (seen: Timestamp, wall: number = Date.now()): string | null {
  const ahead = seen.ms - wall
  return ahead > MAX_CLOCK_DRIFT_MS ? `its clock is ${ahead} ms ahead of this node's (at most ${MAX_CLOCK_DRIFT_MS} ms allowed; retried once that time has come)` : null
}

export class HybridClock {
  private last: Timestamp = { ms: 0, c: 0 }
  private readonly wall: () => number

  constructor (wall: () => number = Date.now) {
    this.wall = wall
  }

  /** A timestamp greater than every one issued or observed before. */
  now (): Timestamp {
    const wall = this.wall()
    this.last = wall > this.last.ms ? { ms: wall, c: 0 } : { ms: this.last.ms, c: this.last.c + 1 }
    return this.last
  }

  /** Why a peer's timestamp is refused now (too far ahead), or null. */
  refuses (seen: Timestamp): string | null {
    return aheadReason(seen, this.wall())
  }

  /**
   * Moves the clock past a timestamp seen in a received delta or op; answers false (and
   * leaves the clock alone) when the timestamp is beyond the drift bound.
   */
  observe (seen: Timestamp): boolean {
    if (this.refuses(seen) !== null) return false
    if (compareTimestamps(seen, this.last) > 0) this.last = { ms: seen.ms, c: seen.c }
    return true
  }

  /** The last timestamp issued or observed (for tests and status). */
  peek (): Timestamp {
    return this.last
  }
}
