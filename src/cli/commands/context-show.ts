// moor context show <id> — one context: application, members, state, grants.

import type { ContextInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { fields, printJson, printLines, time } from '../output.ts'

export const contextShow: Command = {
  path: ['context', 'show'],
  group: 'Contexts',
  synopsis: 'context show <id>',
  summary: 'Show one context.',
  positionals: { min: 1, max: 1, names: '<id>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], 'the context id', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const context = await client.request<ContextInfo>('GET', `/admin/contexts/${id}`)
    if (ctx.json) printJson(ctx, context)
    else printLines(ctx, describeContext(context))
    return 0
  }
}

export function describeContext (c: ContextInfo): string[] {
  const lines = fields([
    ['context', c.id],
    ['application', c.applicationId],
    ['anchor', !('network' in c.anchor) ? 'offchain' : `${c.anchor.kind} (chain ${c.anchor.network}, contract ${c.anchor.contract}, via ${c.anchor.rpc})`],
    ['created', time(c.createdAt)],
    ['identity', `${c.identity} (this node)`],
    ['root hash', c.rootHash],
    ['deltas', String(c.deltaCount)],
    ['heads', c.heads.length === 0 ? '(none)' : c.heads.join(', ')],
    ['xcall from', c.xcallGrants.length === 0 ? '(nobody)' : c.xcallGrants.join(', ')]
  ])
  lines.push(`members (${c.members.length}):`)
  for (const m of c.members) lines.push(`  ${m.identity}  ${m.role}`)
  return lines
}
