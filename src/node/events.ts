// In-process fan-out of context events to subscribers (the SSE stream, tests).
import type { ContextEvent } from './types.ts'
import { countDeltaEvent } from '../log/metrics.ts'

export class EventBus {
  private readonly listeners = new Map<string, Set<(e: ContextEvent) => void>>()

  subscribe (contextId: string, listener: (e: ContextEvent) => void): () => void {
    let set = this.listeners.get(contextId)
    if (set === undefined) this.listeners.set(contextId, set = new Set())
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(contextId)
    }
  }

  publish (event: ContextEvent): void {
    if (event.type === 'delta') countDeltaEvent(event.kind)
    for (const listener of this.listeners.get(event.contextId) ?? []) {
      try { listener(event) } catch { /* a failing subscriber must not affect others */ }
    }
  }
}
