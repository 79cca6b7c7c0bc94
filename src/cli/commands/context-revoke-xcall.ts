// moor context revoke-xcall <target> <source> — withdraw a grant-xcall.

import type { ContextInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'

export const contextRevokeXcall: Command = {
  path: ['context', 'revoke-xcall'],
  group: 'Contexts',
  synopsis: 'context revoke-xcall <target> <source>',
  summary: 'Stop the application of context <source> from calling into context <target>.',
  positionals: { min: 2, max: 2, names: '<target> <source>' },
  async run (ctx) {
    const target = hexArg(ctx.positionals[0], '<target>', ctx.usage)
    const source = hexArg(ctx.positionals[1], '<source>', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const context = await client.request<ContextInfo>('DELETE', `/admin/contexts/${target}/xcall-grants/${source}`)
    if (ctx.json) printJson(ctx, context)
    else printLines(ctx, [`${source} may no longer xcall into ${target}`])
    return 0
  }
}
