// moor status — the running node's facts and counters.

import type { NodeStatus } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import type { Command } from '../command.ts'
import { duration, fields, printJson, printLines, time } from '../output.ts'

export const status: Command = {
  path: ['status'],
  group: 'Node',
  synopsis: 'status',
  summary: 'Show the running node\'s status.',
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run (ctx) {
    const client = await NodeClient.fromHome(ctx.home)
    const s = await client.request<NodeStatus>('GET', '/admin/status')
    if (ctx.json) {
      printJson(ctx, { ...s, url: client.baseUrl })
      return 0
    }
    printLines(ctx, fields([
      ['node', s.nodeId],
      ['version', s.version],
      ['api', client.baseUrl],
      ['home', s.home],
      ['started', `${time(s.startedAt)} (up ${duration(s.uptimeMs)})`],
      ['applications', String(s.applications)],
      ['contexts', String(s.contexts)],
      ['store', `${s.store.path} (schema v${s.store.schemaVersion})`]
    ]))
    return 0
  }
}
