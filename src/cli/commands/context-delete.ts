// moor context delete <id> — leave a context and delete every local trace of it.

import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'

export const contextDelete: Command = {
  path: ['context', 'delete'],
  aliases: [['context', 'rm']],
  group: 'Contexts',
  synopsis: 'context delete <id>',
  summary: 'Leave a context and delete its state, deltas and identity from this node.',
  positionals: { min: 1, max: 1, names: '<id>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], 'the context id', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    await client.request('DELETE', `/admin/contexts/${id}`)
    if (ctx.json) printJson(ctx, { deleted: id })
    else printLines(ctx, [`deleted context ${id}`])
    return 0
  }
}
