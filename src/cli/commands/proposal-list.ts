// moor proposal list <ctx> — the open proposals of a context.

import { describeProposalAction, short } from '../../node/describe.ts'
import type { ProposalInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines, table, time } from '../output.ts'

export const proposalList: Command = {
  path: ['proposal', 'list'],
  aliases: [['proposal', 'ls']],
  group: 'Governance',
  synopsis: 'proposal list <ctx>',
  summary: 'List the open proposals of a context with their approvals.',
  notes: ['Closed ones (executed, failed) are in `moor proposal show` and `moor context governance`.'],
  positionals: { min: 1, max: 1, names: '<ctx>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const { proposals } = await client.request<{ proposals: ProposalInfo[] }>('GET', `/admin/contexts/${id}/proposals`)
    if (ctx.json) {
      printJson(ctx, proposals)
      return 0
    }
    if (proposals.length === 0) {
      printLines(ctx, ['no open proposals'])
      return 0
    }
    printLines(ctx, table(['ID', 'APPROVALS', 'BY', 'CREATED', 'ACTIONS'], proposals.map((p) => [
      p.id,
      `${p.counted}/${p.threshold}`,
      short(p.author),
      time(p.createdAt),
      p.actions.map(describeProposalAction).join('; ')
    ])))
    return 0
  }
}
