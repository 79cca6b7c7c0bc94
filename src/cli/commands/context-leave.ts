// moor context leave <ctx> — leave a context (the other members see it), then delete it here.

import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'

export const contextLeave: Command = {
  path: ['context', 'leave'],
  group: 'Members',
  synopsis: 'context leave <ctx>',
  summary: 'Leave a context: record a leave the other members see, then delete it from this node.',
  notes: [
    'The last admin cannot leave (make another member an admin with a proposal first).',
    '`moor context delete` drops a context from this node whether or not it can leave.'
  ],
  positionals: { min: 1, max: 1, names: '<ctx>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    await client.request('POST', `/admin/contexts/${id}/leave`)
    if (ctx.json) printJson(ctx, { left: id })
    else printLines(ctx, [`left context ${id}`])
    return 0
  }
}
