// moor call <context-id> <method> [json-args] [--query] [--executor <id>] — run a method.

import type { RpcResult } from '../../api/jsonrpc.ts'
import { NodeClient } from '../client.ts'
import { hexArg, jsonArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson } from '../output.ts'

export const call: Command = {
  path: ['call'],
  group: 'Calls and events',
  synopsis: 'call <context-id> <method> [json-args] [--query] [--executor <id>]',
  summary: 'Call a method of a context\'s application (JSON-RPC `execute`, or `query` with --query).',
  optionHelp: [
    ['--query', 'run read-only: any write fails the call and nothing is committed'],
    ['--executor <id>', 'act as this identity (default: this node\'s identity in the context)']
  ],
  notes: [
    'json-args is any JSON value, passed to the method as UTF-8 JSON bytes, e.g.',
    '  moor call <ctx> set \'{"key":"a","value":"1"}\'',
    'The method\'s output goes to stdout (JSON pretty-printed, text as is); gas, delta and',
    'root hash go to stderr. With --json, stdout is the whole result.'
  ],
  options: { query: { type: 'boolean' }, executor: { type: 'string' } },
  positionals: { min: 2, max: 3, names: '<context-id> <method> [json-args]' },
  async run (ctx) {
    const [rawContext, method, rawArgs] = ctx.positionals
    const params: Record<string, unknown> = { contextId: hexArg(rawContext, '<context-id>', ctx.usage), method }
    if (rawArgs !== undefined) params.args = jsonArg(rawArgs, 'json-args', ctx.usage)
    if (ctx.values.executor !== undefined) params.executor = hexArg(ctx.values.executor as string, '--executor', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const result: RpcResult = await client.rpc(ctx.values.query === true ? 'query' : 'execute', params)
    if (ctx.json) {
      printJson(ctx, result)
      return 0
    }
    if (typeof result.output === 'string') ctx.io.stdout(result.output.endsWith('\n') ? result.output : result.output + '\n')
    else if (result.output !== null) printJson(ctx, result.output)
    for (const e of result.events ?? []) ctx.io.stderr(`event ${e.type} ${e.kind}: ${e.data}\n`)
    const delta = result.deltaId == null ? 'no delta' : `delta ${result.deltaId.slice(0, 16)}`
    ctx.io.stderr(`gas ${result.gasUsed} · ${delta} · root ${result.rootHash.slice(0, 16)}\n`)
    return 0
  }
}
