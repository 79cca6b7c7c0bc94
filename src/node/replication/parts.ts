// What the replication jobs share: their components, the names they reach each other by
// (through the facade, so that one entry point per operation exists), and small helpers.
import type { ClaimGate } from '../../claims/gate.ts'
import { concatBytes, toHex, utf8 } from '../../crypto/bytes.ts'
import { sha256 } from '../../crypto/hash.ts'
import { MoorageError } from '../../errors/index.ts'
import type { Logger } from '../../log/index.ts'
import type { Network } from '../../network/index.ts'
import type { HybridClock } from '../../state/hlc.ts'
import type { Store } from '../../store/index.ts'
import type { DeltaDag } from '../../sync/dag.ts'
import type { RatchetOptions } from '../../sync/ratchet/index.ts'
import type { RatchetStore } from '../../sync/ratchet/store.ts'
import type { Applications } from '../applications.ts'
import type { Contexts } from '../contexts.ts'
import type { Publisher } from '../publisher.ts'
import type { Governance } from '../governance.ts'
import type { Identities } from '../identities.ts'
import type { SyncProgressEvent, SyncStatusInfo } from '../types.ts'
import type { Replicator } from './index.ts'

export interface ReplicationComponents {
  network: Network
  store: Store
  dag: DeltaDag
  governance: Governance
  contexts: Contexts
  identities: Identities
  applications: Applications
  /** Where the replicator's news for subscribers goes (deltas received, snapshots, membership lost). */
  publisher: Publisher
  clock: HybridClock
  logger: Logger
  heartbeatMs?: number
  /** Epoch rotation and ratchet limits (config.json `encryption`, docs/encryption.md). */
  encryption?: RatchetOptions
  /** Where the generation secrets are kept (<home>/ratchet); in memory only without it. */
  ratchetStore?: RatchetStore
  /** Checks the claims of gated open invitations before their reveals are taken in (src/claims/gate.ts). */
  claimGate?: Pick<ClaimGate, 'refusals'>
}

export type SyncStatus = Omit<SyncStatusInfo, 'removed' | 'keyEpochNumber'>
export type SyncProgress = SyncProgressEvent

export class SyncError extends MoorageError {
  static override readonly status: number = 502
  override name = 'SyncError'
}

/**
 * The jobs of replication as each one sees the others: the facade itself. Operations
 * that tests wrap (ask, keyDuties) and those several jobs start (syncWith, syncGov,
 * receiveDeltas, receiveOps, chainUpdated) are called through it, one entry point each.
 */
export type Parts = Replicator

/**
 * A context's gossip topic. Gossipsub tells every connected peer which topics a node
 * follows: the name is a hash of the context id, so it reveals the context only to a
 * peer that already knows its id.
 */
export const topicOf = (ctx: Uint8Array): string => `moorage/ctx/${toHex(sha256(concatBytes(utf8('moorage:topic:v1'), ctx)))}`
export const EMPTY = new Uint8Array(0)

export function dedupe (ids: Uint8Array[]): Uint8Array[] {
  const m = new Map<string, Uint8Array>()
  for (const id of ids) m.set(toHex(id), id)
  return [...m.values()]
}
