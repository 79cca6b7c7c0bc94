// Hybrid logical clock: wall-clock milliseconds plus a logical counter, so that a node's
// timestamps never go backwards and always exceed every timestamp it has seen.

export interface Timestamp {
  ms: number
  c: number
}

export function compareTimestamps (a: Timestamp, b: Timestamp): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.c - b.c
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

  /** Moves the clock past a timestamp seen in a received delta. */
  observe (seen: Timestamp): void {
    if (compareTimestamps(seen, this.last) > 0) this.last = { ms: seen.ms, c: seen.c }
  }
}
