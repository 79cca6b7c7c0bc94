// moor context remove <ctx> <identity> — remove a member; the group key rotates.

import type { ContextInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'

export const contextRemove: Command = {
  path: ['context', 'remove'],
  group: 'Members',
  synopsis: 'context remove <ctx> <identity>',
  summary: 'Remove a member (needs ManageMembers); it cannot read anything written afterwards.',
  notes: ['Admins are removed through a proposal: `moor proposal create <ctx> remove-admin <identity>`.'],
  positionals: { min: 2, max: 2, names: '<ctx> <identity>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const identity = hexArg(ctx.positionals[1], '<identity>', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const context = await client.request<ContextInfo>('DELETE', `/admin/contexts/${id}/members/${identity}`)
    if (ctx.json) printJson(ctx, context)
    else printLines(ctx, [`removed ${identity} from context ${id}; the group key is rotated`])
    return 0
  }
}
