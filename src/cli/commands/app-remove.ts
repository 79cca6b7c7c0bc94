// moor app remove <id> — uninstall an application no context uses.

import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'

export const appRemove: Command = {
  path: ['app', 'remove'],
  aliases: [['app', 'rm']],
  group: 'Applications',
  synopsis: 'app remove <id>',
  summary: 'Uninstall an application (refused while a context uses it).',
  positionals: { min: 1, max: 1, names: '<id>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], 'the application id', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    await client.request('DELETE', `/admin/applications/${id}`)
    if (ctx.json) printJson(ctx, { removed: id })
    else printLines(ctx, [`removed application ${id}`])
    return 0
  }
}
