// moor context sync <ctx> — catch up with every connected peer now, with progress.

import type { SyncStatusInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'
import { progressReporter } from '../progress.ts'
import { describeSync } from './context-sync-status.ts'

export const contextSync: Command = {
  path: ['context', 'sync'],
  group: 'Sync',
  synopsis: 'context sync <ctx>',
  summary: 'Catch up a context with every connected peer now; prints the sync status after.',
  notes: ['Progress is drawn on stderr (a bar on a terminal, plain lines otherwise).'],
  positionals: { min: 1, max: 1, names: '<ctx>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const progress = progressReporter(ctx.io)
    let status: SyncStatusInfo
    try {
      status = await client.withProgress<SyncStatusInfo>(`/admin/contexts/${id}/sync`, undefined, progress.update)
    } finally {
      progress.done()
    }
    if (ctx.json) printJson(ctx, status)
    else printLines(ctx, describeSync(status))
    return 0
  }
}
