// Where a node's changes leave it, in one place: a durable local batch's deltas go to the
// contexts' members and its events to the subscribers; deltas from peers, undos, snapshots
// and membership changes are announced to the subscribers from here too. The executor
// hands over what a batch committed once it is on disk (never before: an acknowledged
// write is durable, and no peer hears of one that is not); this decides what becomes of it.
import { toHex } from '../crypto/bytes.ts'
import type { Delta } from '../sync/delta.ts'
import type { EventBus } from './events.ts'
import type { ContextEvent } from './types.ts'

/** What a durable batch of local calls committed: one delta per context written, and the calls' events. */
export interface Committed {
  deltas: Delta[]
  events: ContextEvent[]
}

/** Sends local deltas to the members of their contexts (the replicator's gossip). */
export interface DeltaSender {
  deltasCommitted: (deltas: Delta[]) => void
}

export class Publisher {
  private readonly bus: EventBus
  private sender: DeltaSender | undefined

  constructor (bus: EventBus) {
    this.bus = bus
  }

  /** The replicator, made after this (it announces through this too): local deltas go to it from now on. */
  sendWith (sender: DeltaSender): void {
    this.sender = sender
  }

  /** A batch of local calls is durable: its deltas go out (beside the callers' acknowledgements) and its events to subscribers. */
  committed ({ deltas, events }: Committed): void {
    for (const d of deltas) this.bus.publish(deltaEvent(d, 'applied'))
    if (deltas.length > 0) this.sender?.deltasCommitted(deltas)
    for (const e of events) this.bus.publish(e)
  }

  /** Deltas from peers were applied durably here. */
  received (deltas: Delta[]): void {
    for (const d of deltas) this.bus.publish(deltaEvent(d, 'received'))
  }

  /** Any other change of a context that its subscribers hear of (an undo, a snapshot, membership lost). */
  emit (event: ContextEvent): void {
    this.bus.publish(event)
  }
}

function deltaEvent (d: Delta, kind: 'applied' | 'received'): ContextEvent {
  const id = toHex(d.id)
  return { contextId: toHex(d.context), type: 'delta', kind, data: id, deltaId: id, at: d.hlc.ms }
}
