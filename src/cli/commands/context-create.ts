// moor context create --app <id> [--init-args <json>] — a new context of an application.

import type { ContextInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg, jsonArg } from '../command.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { printJson, printLines } from '../output.ts'
import { describeContext } from './context-show.ts'

export const contextCreate: Command = {
  path: ['context', 'create'],
  group: 'Contexts',
  synopsis: 'context create --app <id> [--init-args <json>]',
  summary: 'Create a context of an installed application; this node becomes its admin.',
  optionHelp: [
    ['--app <id>', 'the application id (from `moor app list`)'],
    ['--init-args <json>', 'arguments for the application\'s init method, as JSON']
  ],
  options: { app: { type: 'string' }, 'init-args': { type: 'string' } },
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run (ctx) {
    if (ctx.values.app === undefined) throw new UsageError('missing --app <id>', ctx.usage)
    const applicationId = hexArg(ctx.values.app as string, '--app', ctx.usage)
    const rawInit = ctx.values['init-args'] as string | undefined
    const body: Record<string, unknown> = { applicationId }
    if (rawInit !== undefined) body.initArgs = jsonArg(rawInit, '--init-args', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const context = await client.request<ContextInfo>('POST', '/admin/contexts', { json: body })
    if (ctx.json) printJson(ctx, context)
    else printLines(ctx, [`created context ${context.id}`, ...describeContext(context).map((l) => '  ' + l)])
    return 0
  }
}
