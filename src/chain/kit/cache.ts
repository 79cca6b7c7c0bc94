// Values read at a position (a context's view at a block), kept while that position is
// still the one asked for: a reorg changes the position's id, so the cache can never
// serve a value read on a dropped branch.
import type { Position } from '../../governance/anchor.ts'

export class PositionCache<T> {
  private readonly entries = new Map<string, { at: Position, value: T }>()

  get (key: string, at: Position): T | undefined {
    const hit = this.entries.get(key)
    return hit !== undefined && hit.at.seq === at.seq && hit.at.id === at.id ? hit.value : undefined
  }

  set (key: string, at: Position, value: T): void {
    this.entries.set(key, { at, value })
  }

  clear (): void {
    this.entries.clear()
  }
}
