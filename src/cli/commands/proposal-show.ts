// moor proposal show <ctx> <proposal-id> — one proposal, open or closed, with its outcome.

import { describeProposalAction } from '../../node/describe.ts'
import type { ProposalInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { fields, printJson, printLines, time } from '../output.ts'

export const proposalShow: Command = {
  path: ['proposal', 'show'],
  group: 'Governance',
  synopsis: 'proposal show <ctx> <proposal-id>',
  summary: 'Show a proposal: its actions, approvals and, once closed, its outcome.',
  positionals: { min: 2, max: 2, names: '<ctx> <proposal-id>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const pid = hexArg(ctx.positionals[1], '<proposal-id>', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const proposal = await client.request<ProposalInfo>('GET', `/admin/contexts/${id}/proposals/${pid}`)
    if (ctx.json) printJson(ctx, proposal)
    else printLines(ctx, describeProposal(proposal))
    return 0
  }
}

export function statusLine (p: ProposalInfo): string {
  switch (p.status) {
    case 'open': return `open: ${p.counted} of ${p.threshold} approval${p.threshold === 1 ? '' : 's'}`
    case 'executed': return `executed${p.closedAt !== null ? ` at ${time(p.closedAt)}` : ''}`
    case 'failed': return `failed: ${p.reason ?? 'unknown reason'}`
    case 'deleted': return 'deleted by another proposal before it executed'
  }
}

export function describeProposal (p: ProposalInfo): string[] {
  const lines = fields([
    ['proposal', p.id],
    ['status', statusLine(p)],
    ['author', p.author],
    ['created', time(p.createdAt)]
  ])
  lines.push('actions:')
  p.actions.forEach((a, i) => { lines.push(`  ${i + 1}. ${describeProposalAction(a)}`) })
  lines.push(`approved by (${p.approvals.length}):`)
  for (const a of p.approvals) lines.push(`  ${a}`)
  if (p.status === 'open') lines.push('', `other admins approve with: moor proposal approve ${p.contextId} ${p.id}`)
  return lines
}
