// moor context sync-status <ctx> — peers, heads, root hash, pending deltas, last sync.

import type { SyncStatusInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { duration, fields, printJson, printLines } from '../output.ts'
import { removedLine } from './context-show.ts'

export const contextSyncStatus: Command = {
  path: ['context', 'sync-status'],
  group: 'Sync',
  synopsis: 'context sync-status <ctx>',
  summary: 'Show how a context stands with its peers.',
  positionals: { min: 1, max: 1, names: '<ctx>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const status = await client.request<SyncStatusInfo>('GET', `/admin/contexts/${id}/sync`)
    if (ctx.json) printJson(ctx, status)
    else printLines(ctx, describeSync(status))
    return 0
  }
}

export function describeSync (s: SyncStatusInfo): string[] {
  const lines = fields([
    ['context', s.contextId],
    ['root hash', s.rootHash || '(empty)'],
    ['deltas', `${s.deltaCount}${s.pendingDeltas > 0 ? ` (${s.pendingDeltas} waiting for their parents)` : ''}`],
    ['heads', s.heads.length === 0 ? '(none)' : s.heads.join(', ')],
    ...(s.removed === null ? [] : [['removed', removedLine(s.removed)] as [string, string]]),
    ['group key', s.removed !== null ? '(none: removed)' : s.awaitingKey ? 'waiting for a member to share it' : `epoch ${s.keyEpochNumber ?? '?'} (key ${(s.keyEpoch ?? '').slice(0, 16)}…)`],
    ['last sync', s.lastSync === null ? 'never' : `${duration(Date.now() - s.lastSync)} ago`],
    ['last error', s.lastError ?? '(none)']
  ])
  lines.push(`peers (${s.peers.length}):`)
  for (const p of s.peers) lines.push(`  ${p}`)
  return lines
}
