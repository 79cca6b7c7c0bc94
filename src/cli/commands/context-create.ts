// moor context create --app <id> [--init-args <json>] [--anchor <kind> [--rpc <url>] [--contract <id>]]
// — a new context of an application, governed off-chain or on a chain (any registered
// chain module's kind).

import { parseId } from '../../chain/ids.ts'
import type { ContextInfo } from '../../node/types.ts'
import { CHAIN_MODULES } from '../../node/chains.ts'
import { NodeClient } from '../client.ts'
import { hexArg, jsonArg } from '../command.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { printJson, printLines } from '../output.ts'
import { describeContext } from './context-show.ts'

const KINDS = ['offchain', ...CHAIN_MODULES.kinds]

export const contextCreate: Command = {
  path: ['context', 'create'],
  group: 'Contexts',
  synopsis: `context create --app <id> [--init-args <json>] [--anchor ${KINDS.join('|')}] [--rpc <url>] [--contract <id>]`,
  summary: 'Create a context of an installed application; this node becomes its admin.',
  optionHelp: [
    ['--app <id>', 'the application id (from `moor app list`)'],
    ['--init-args <json>', 'arguments for the application\'s init method, as JSON'],
    ['--anchor <kind>', 'where governance lives: offchain (default) or a chain\n(a context config contract)'],
    ['--rpc <url>', 'with a chain anchor: the JSON-RPC endpoint (default: config.json chains.<kind>.rpc)'],
    ['--contract <id>', 'with a chain anchor: the context config contract (default: chains.<kind>.contract)']
  ],
  options: { app: { type: 'string' }, 'init-args': { type: 'string' }, anchor: { type: 'string' }, rpc: { type: 'string' }, contract: { type: 'string' } },
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run (ctx) {
    if (ctx.values.app === undefined) throw new UsageError('missing --app <id>', ctx.usage)
    const applicationId = hexArg(ctx.values.app as string, '--app', ctx.usage)
    const rawInit = ctx.values['init-args'] as string | undefined
    const body: Record<string, unknown> = { applicationId }
    if (rawInit !== undefined) body.initArgs = jsonArg(rawInit, '--init-args', ctx.usage)
    const anchor = (ctx.values.anchor as string | undefined) ?? 'offchain'
    const rpc = ctx.values.rpc as string | undefined
    const contract = ctx.values.contract as string | undefined
    const m = CHAIN_MODULES.find(anchor)
    if (anchor !== 'offchain' && m === undefined) throw new UsageError(`unknown --anchor "${anchor}"; one of ${KINDS.join(', ')}`, ctx.usage)
    if (m === undefined && (rpc !== undefined || contract !== undefined)) throw new UsageError('--rpc and --contract go with a chain anchor (--anchor <kind>)', ctx.usage)
    if (m !== undefined && contract !== undefined && parseId(m.contract, contract) === undefined) throw new UsageError(`--contract must be ${m.contract.description}, got "${contract.slice(0, 60)}"`, ctx.usage)
    if (m !== undefined) body.anchor = { kind: m.kind, ...(rpc !== undefined ? { rpc } : {}), ...(contract !== undefined ? { contract } : {}) }
    const client = await NodeClient.fromHome(ctx.home)
    const context = await client.request<ContextInfo>('POST', '/admin/contexts', { json: body })
    if (ctx.json) printJson(ctx, context)
    else printLines(ctx, [`created context ${context.id}`, ...describeContext(context).map((l) => '  ' + l)])
    return 0
  }
}
