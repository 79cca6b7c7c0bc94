// moor context governance <ctx> [--rejected] [--limit <n>] — the governance audit: every
// operation in evaluation order, accepted or rejected, with the reason for each rejection.

import { short } from '../../node/describe.ts'
import type { ContextInfo, GovernanceInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg, positiveIntArg } from '../command.ts'
import type { Command } from '../command.ts'
import { fields, printJson, printLines, table, time } from '../output.ts'

export const contextGovernance: Command = {
  path: ['context', 'governance'],
  aliases: [['context', 'audit']],
  group: 'Governance',
  synopsis: 'context governance <ctx> [--rejected] [--limit <n>]',
  summary: 'Show a context\'s governance: settings, invitations, and every operation with why any was rejected.',
  optionHelp: [
    ['--rejected', 'only the rejected operations'],
    ['--limit <n>', 'only the last n operations']
  ],
  notes: [
    'Operations are listed in the order every node evaluates them (see docs/governance.md):',
    'of two conflicting concurrent operations the one ordered first wins, and the other is',
    'shown as rejected with the reason.'
  ],
  options: { rejected: { type: 'boolean' }, limit: { type: 'string' } },
  positionals: { min: 1, max: 1, names: '<ctx>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const limit = ctx.values.limit === undefined ? undefined : positiveIntArg(ctx.values.limit as string, '--limit', ctx.usage, 1_000_000)
    const client = await NodeClient.fromHome(ctx.home)
    const query = { rejected: ctx.values.rejected === true ? 'true' : undefined, limit: limit?.toString() }
    const gov = await client.request<GovernanceInfo>('GET', `/admin/contexts/${id}/governance`, { query })
    if (ctx.json) {
      printJson(ctx, gov)
      return 0
    }
    const context = await client.request<ContextInfo>('GET', `/admin/contexts/${id}`)
    const who = (identity: string): string => identity === context.identity ? 'this node' : short(identity)
    const lines = fields([
      ['context', gov.contextId],
      ['application', gov.application],
      ['revision', String(gov.revision)],
      ['threshold', `${gov.threshold} admin approval${gov.threshold === 1 ? '' : 's'}`],
      ['active limit', `${gov.activeLimit} open proposals per identity`]
    ])
    if (gov.values.length > 0) {
      lines.push('values:')
      for (const v of gov.values) lines.push(`  ${JSON.stringify(v.key)} = ${JSON.stringify(v.value)}${v.encoding === 'hex' ? ' (hex)' : ''}`)
    }
    const live = gov.invitations.filter((i) => i.status === 'live')
    if (live.length > 0) {
      lines.push('open invitations:')
      for (const i of live) lines.push(`  ${short(i.id)} ${i.kind === 'open' ? 'open' : `for ${short(i.invitee ?? '')}`}, ${i.role}, ${i.uses}/${i.maxUses} used, until ${time(i.expiresAt)}`)
    }
    if (gov.ops.length === 0) {
      lines.push('', ctx.values.rejected === true ? `no rejected operations (of ${gov.total})` : 'no operations')
      printLines(ctx, lines)
      return 0
    }
    const shown = gov.ops.length === gov.total ? `${gov.total}` : `${gov.ops.length} of ${gov.total}`
    lines.push('', `operations (${shown}, in evaluation order):`)
    const rows: string[][] = []
    for (const op of gov.ops) {
      rows.push([String(op.position), time(op.at), who(op.author), op.accepted ? 'ok' : 'REJECTED', op.summary])
      if (!op.accepted) rows.push(['', '', '', '', `  why: ${op.reason ?? 'unknown'}`])
    }
    lines.push(...table(['#', 'AT', 'BY', 'VERDICT', 'WHAT'], rows))
    printLines(ctx, lines)
    return 0
  }
}
