// moor context show <id> — one context: application, members, state, grants.

import type { ContextInfo, RemovedInfo } from '../../node/types.ts'
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

/** `removed by <identity> at <time> (governance position <n>)`: this node no longer syncs the context. */
export function removedLine (r: RemovedInfo): string {
  return `removed by ${r.by} at ${time(r.at)} (governance position ${r.position}); this node no longer syncs it`
}

export function describeContext (c: ContextInfo): string[] {
  const lines = fields([
    ['context', c.id],
    ['application', c.applicationId],
    ['anchor', !('network' in c.anchor) ? 'offchain' : `${c.anchor.kind} (chain ${c.anchor.network}, contract ${c.anchor.contract}, via ${c.anchor.rpc})`],
    ...(c.anchorMissingSince === null ? [] : [['anchor state', `GONE: the chain has no such context since ${time(c.anchorMissingSince)} (a reset devnet loses its contexts)`] as [string, string]]),
    ['created', time(c.createdAt)],
    ['identity', `${c.identity} (this node)`],
    ['root hash', c.rootHash],
    ['deltas', String(c.deltaCount)],
    ['heads', c.heads.length === 0 ? '(none)' : c.heads.join(', ')],
    ['xcall from', c.xcallGrants.length === 0 ? '(nobody)' : c.xcallGrants.join(', ')],
    ...(c.removed === null ? [] : [['removed', removedLine(c.removed)] as [string, string]])
  ])
  lines.push(`members (${c.members.length}):`)
  for (const m of c.members) lines.push(`  ${m.identity}  ${m.role}`)
  return lines
}
