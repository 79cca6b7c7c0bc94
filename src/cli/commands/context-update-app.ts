// moor context update-app <ctx> <app-id> — move a context to another installed application.

import type { ContextInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'

export const contextUpdateApp: Command = {
  path: ['context', 'update-app'],
  group: 'Contexts',
  synopsis: 'context update-app <ctx> <app-id>',
  summary: 'Run a context on another application (installed here; needs ManageApplication).',
  notes: ['The other members\' nodes follow and fetch the module from peers.'],
  positionals: { min: 2, max: 2, names: '<ctx> <app-id>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const applicationId = hexArg(ctx.positionals[1], '<app-id>', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const context = await client.request<ContextInfo>('PUT', `/admin/contexts/${id}/application`, { json: { applicationId } })
    if (ctx.json) printJson(ctx, context)
    else printLines(ctx, [`context ${id} now runs application ${context.applicationId}`])
    return 0
  }
}
