// moor identity list [--context <id>] — this node's context identities.

import type { IdentityInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines, table, time } from '../output.ts'

export const identityList: Command = {
  path: ['identity', 'list'],
  aliases: [['identity', 'ls']],
  group: 'Identities',
  synopsis: 'identity list [--context <id>]',
  summary: 'List this node\'s context identities (one ed25519 key per context).',
  optionHelp: [['--context <id>', 'only the identity used in this context']],
  options: { context: { type: 'string' } },
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run (ctx) {
    const context = ctx.values.context === undefined ? undefined : hexArg(ctx.values.context as string, '--context', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const { identities } = await client.request<{ identities: IdentityInfo[] }>('GET', '/admin/identities', { query: { context } })
    if (ctx.json) {
      printJson(ctx, identities)
      return 0
    }
    if (identities.length === 0) {
      printLines(ctx, ['no identities'])
      return 0
    }
    printLines(ctx, table(['PUBLIC KEY', 'CONTEXT', 'CREATED'], identities.map((i) => [i.publicKey, i.contextId, time(i.createdAt)])))
    return 0
  }
}
