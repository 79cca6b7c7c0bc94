// The node's counters, in one prom-client registry per process (a node runs alone in its
// process; tests that run several in one process see their sum). The node and sync code
// call the small functions below; GET /metrics (src/api/metrics.ts) serves the registry
// together with the gauges it reads from the node when scraped.

import { Counter, Gauge, Registry } from 'prom-client'

export const processRegistry = new Registry()

const deltas = new Counter({
  name: 'moor_deltas_total',
  help: 'Deltas by what happened to them: committed (written here), received (applied from a peer), sent (published to a context\'s members), snapshot (state imported whole)',
  labelNames: ['event'] as const,
  registers: [processRegistry]
})

const rejected = new Counter({
  name: 'moor_deltas_rejected_total',
  help: 'Deltas from peers refused, by reason (ids and numbers taken out of the reason)',
  labelNames: ['reason'] as const,
  registers: [processRegistry]
})

const syncRuns = new Counter({
  name: 'moor_sync_runs_total',
  help: 'Catch-up syncs started with a peer',
  registers: [processRegistry]
})

const chainPosition = new Gauge({
  name: 'moor_chain_feed_position',
  help: 'How far this node has read the anchor\'s change feed of a chain-anchored context (chain sequence, e.g. a block number)',
  labelNames: ['chain', 'context'] as const,
  registers: [processRegistry]
})

const chainLag = new Gauge({
  name: 'moor_chain_feed_lag',
  help: 'How many positions a chain-anchored context\'s feed position is behind the newest one that counts under the chain\'s finality (0: caught up)',
  labelNames: ['chain', 'context'] as const,
  registers: [processRegistry]
})

/** A delta event of the node's bus: `applied` is a local commit, `received` one from a peer. */
export function countDeltaEvent (kind: string): void {
  if (kind === 'applied') deltas.inc({ event: 'committed' })
  else if (kind === 'received' || kind === 'snapshot') deltas.inc({ event: kind })
}

export function countDeltasSent (n: number): void {
  deltas.inc({ event: 'sent' }, n)
}

export function countDeltaRejected (reason: string): void {
  rejected.inc({ reason: reasonLabel(reason) })
}

export function countSyncRun (): void {
  syncRuns.inc()
}

export function setChainPosition (chain: string, context: string, seq: number, behind?: number): void {
  chainPosition.set({ chain, context }, seq)
  if (behind !== undefined) chainLag.set({ chain, context }, behind)
}

/** A reason as a label of bounded variety: hex ids and numbers become `…`, at most 80 characters. */
export function reasonLabel (reason: string): string {
  return reason.replace(/\b[0-9a-f]{6,}\b/gi, '…').replace(/\b\d+\b/g, '…').slice(0, 80)
}
