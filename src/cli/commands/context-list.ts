// moor context list — the contexts on this node.

import type { ContextInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import type { Command } from '../command.ts'
import { printJson, printLines, table } from '../output.ts'

export const contextList: Command = {
  path: ['context', 'list'],
  aliases: [['context', 'ls']],
  group: 'Contexts',
  synopsis: 'context list',
  summary: 'List the contexts on this node.',
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run (ctx) {
    const client = await NodeClient.fromHome(ctx.home)
    const { contexts } = await client.request<{ contexts: ContextInfo[] }>('GET', '/admin/contexts')
    if (ctx.json) {
      printJson(ctx, contexts)
      return 0
    }
    if (contexts.length === 0) {
      printLines(ctx, ['no contexts (create one with `moor context create --app <id>`)'])
      return 0
    }
    printLines(ctx, table(['ID', 'APPLICATION', 'MEMBERS', 'DELTAS', 'ROOT HASH', 'STATE'], contexts.map((c) => [
      c.id, c.applicationId.slice(0, 16), String(c.members.length), String(c.deltaCount), c.rootHash.slice(0, 16),
      c.anchorMissingSince !== null ? 'gone from its chain' : c.removed === null ? 'member' : `removed by ${c.removed.by.slice(0, 16)}…`
    ])))
    return 0
  }
}
