// moor context role <ctx> <identity> <member|reader> — change a member's role.

import type { MemberInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg, roleArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'

export const contextRole: Command = {
  path: ['context', 'role'],
  group: 'Members',
  synopsis: 'context role <ctx> <identity> <member|reader>',
  summary: 'Make a member a reader (read only) or a member (read and write); needs ManageMembers.',
  notes: ['Admins are made and unmade through proposals (add-admin, remove-admin).'],
  positionals: { min: 3, max: 3, names: '<ctx> <identity> <role>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const identity = hexArg(ctx.positionals[1], '<identity>', ctx.usage)
    const role = roleArg(ctx.positionals[2]!, '<role>', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const member = await client.request<MemberInfo>('PUT', `/admin/contexts/${id}/members/${identity}/role`, { json: { role } })
    if (ctx.json) printJson(ctx, member)
    else printLines(ctx, [`${identity} is now a ${member.role}`])
    return 0
  }
}
