// moor proposal approve <ctx> <proposal-id> — approve as this node's admin identity.

import type { ProposalInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'
import { statusLine } from './proposal-show.ts'

export const proposalApprove: Command = {
  path: ['proposal', 'approve'],
  group: 'Governance',
  synopsis: 'proposal approve <ctx> <proposal-id>',
  summary: 'Approve a proposal (admins only); it executes when approvals reach the threshold.',
  positionals: { min: 2, max: 2, names: '<ctx> <proposal-id>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const pid = hexArg(ctx.positionals[1], '<proposal-id>', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const proposal = await client.request<ProposalInfo>('POST', `/admin/contexts/${id}/proposals/${pid}/approve`)
    if (ctx.json) printJson(ctx, proposal)
    else printLines(ctx, [`approved ${pid}: ${statusLine(proposal)}`])
    return 0
  }
}
