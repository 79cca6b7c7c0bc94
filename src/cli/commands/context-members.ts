// moor context members <ctx> — members with their roles and capabilities.

import type { ContextInfo, MemberInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines, table } from '../output.ts'

export const contextMembers: Command = {
  path: ['context', 'members'],
  group: 'Members',
  synopsis: 'context members <ctx>',
  summary: 'List the members of a context with their roles and capabilities.',
  notes: ['Admins hold every capability implicitly; CAPABILITIES lists those granted explicitly.'],
  positionals: { min: 1, max: 1, names: '<ctx>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const { members } = await client.request<{ members: MemberInfo[] }>('GET', `/admin/contexts/${id}/members`)
    if (ctx.json) {
      printJson(ctx, members)
      return 0
    }
    const context = await client.request<ContextInfo>('GET', `/admin/contexts/${id}`)
    const order = { admin: 0, member: 1, reader: 2 }
    const rows = [...members].sort((a, b) => order[a.role] - order[b.role] || a.identity.localeCompare(b.identity)).map((m) => [
      m.identity + (m.identity === context.identity ? ' (this node)' : ''),
      m.role,
      m.role === 'admin' ? '(all)' : m.capabilities.join(', ') || '-'
    ])
    printLines(ctx, table(['IDENTITY', 'ROLE', 'CAPABILITIES'], rows))
    return 0
  }
}
