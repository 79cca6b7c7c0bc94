// moor events <context-id> [--count <n>] — follow a context's live events (SSE).

import type { ContextEvent } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { NodeNotRunningError, UsageError } from '../errors.ts'
import { time } from '../output.ts'

export const events: Command = {
  path: ['events'],
  group: 'Calls and events',
  synopsis: 'events <context-id> [--count <n>]',
  summary: 'Follow a context\'s live events until Ctrl-C.',
  optionHelp: [['--count <n>', 'stop after n events']],
  notes: ['With --json, each event is printed as one JSON document per line (NDJSON).'],
  options: { count: { type: 'string' } },
  positionals: { min: 1, max: 1, names: '<context-id>' },
  async run (ctx) {
    const contextId = hexArg(ctx.positionals[0], '<context-id>', ctx.usage)
    const rawCount = ctx.values.count as string | undefined
    if (rawCount !== undefined && !/^[1-9][0-9]*$/.test(rawCount)) {
      throw new UsageError('--count must be a positive integer', ctx.usage)
    }
    const count = rawCount === undefined ? Infinity : Number(rawCount)
    const client = await NodeClient.fromHome(ctx.home)

    const controller = new AbortController()
    let interrupted = false
    const stop = (): void => { interrupted = true; controller.abort() }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    let seen = 0
    try {
      for await (const message of client.events(`/admin/contexts/${contextId}/events`, controller.signal)) {
        let event: ContextEvent | null = null
        try { event = JSON.parse(message.data) as ContextEvent } catch { event = null }
        if (ctx.json) ctx.io.stdout(JSON.stringify(event ?? { type: message.event, data: message.data }) + '\n')
        else if (event != null) ctx.io.stdout(`${time(event.at)} ${event.type} ${event.kind} ${event.data}\n`)
        else ctx.io.stdout(`${message.event} ${message.data}\n`)
        if (++seen >= count) break
      }
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      controller.abort()
    }
    if (seen < count && !interrupted) {
      throw new NodeNotRunningError(`the node at ${client.baseUrl} closed the event stream`)
    }
    return 0
  }
}
