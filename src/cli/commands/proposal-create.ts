// moor proposal create <ctx> <action> [args] [<action> [args]]... [--action <json>]...
//   add-admin <identity>   remove-admin <identity>   set-threshold <n>
//   set-active-limit <n>   set-value <key> <value>   delete-proposal <proposal-id>

import type { ProposalActionInfo, ProposalInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg, jsonArg, positiveIntArg } from '../command.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { printJson, printLines } from '../output.ts'
import { describeProposal } from './proposal-show.ts'

const MAX_ACTIONS = 16

interface ActionSpec {
  args: string[]
  build: (args: string[], usage: string) => ProposalActionInfo
}

const ACTIONS: Record<string, ActionSpec> = {
  'add-admin': { args: ['<identity>'], build: ([id], u) => ({ type: 'addAdmin', identity: hexArg(id, 'add-admin <identity>', u) }) },
  'remove-admin': { args: ['<identity>'], build: ([id], u) => ({ type: 'removeAdmin', identity: hexArg(id, 'remove-admin <identity>', u) }) },
  'set-threshold': { args: ['<n>'], build: ([n], u) => ({ type: 'setThreshold', threshold: positiveIntArg(n!, 'set-threshold <n>', u, 1_000_000) }) },
  'set-active-limit': { args: ['<n>'], build: ([n], u) => ({ type: 'setActiveLimit', limit: positiveIntArg(n!, 'set-active-limit <n>', u, 1_000_000) }) },
  'set-value': { args: ['<key>', '<value>'], build: ([key, value]) => ({ type: 'setValue', key: key!, value: value! }) },
  'delete-proposal': { args: ['<proposal-id>'], build: ([id], u) => ({ type: 'deleteProposal', proposal: hexArg(id, 'delete-proposal <proposal-id>', u) }) }
}

export const proposalCreate: Command = {
  path: ['proposal', 'create'],
  group: 'Governance',
  synopsis: 'proposal create <ctx> <action> [args]... [--action <json>]...',
  summary: 'Propose governance actions; they execute once enough admins approve.',
  optionHelp: [['--action <json>', 'an action as JSON, e.g. \'{"type":"setValue","key":"k","value":"v"}\'\n(repeatable; after the typed actions)']],
  notes: [
    'Actions (several may follow each other, up to 16):',
    '  add-admin <identity>          make a member (or any identity) an admin',
    '  remove-admin <identity>       demote an admin to member',
    '  set-threshold <n>             admin approvals needed to execute a proposal',
    '  set-active-limit <n>          open proposals one identity may have',
    '  set-value <key> <value>       set a context value (UTF-8)',
    '  delete-proposal <id>          drop an open proposal',
    'Example: moor proposal create <ctx> add-admin <identity> set-threshold 2',
    'The author\'s approval counts when it is an admin: with a threshold of 1 the proposal',
    'executes at once. Needs the Proxy capability (admins have it).'
  ],
  options: { action: { type: 'string', multiple: true } },
  positionals: { min: 1, max: 1 + MAX_ACTIONS * 3, names: '<ctx> <action> [args]...' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const actions = parseActions(ctx.positionals.slice(1), (ctx.values.action as unknown as string[] | undefined) ?? [], ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const proposal = await client.request<ProposalInfo>('POST', `/admin/contexts/${id}/proposals`, { json: { actions } })
    if (ctx.json) printJson(ctx, proposal)
    else printLines(ctx, describeProposal(proposal))
    return 0
  }
}

export function parseActions (words: string[], json: string[], usage: string): ProposalActionInfo[] {
  const actions: ProposalActionInfo[] = []
  for (let i = 0; i < words.length;) {
    const name = words[i]!
    const spec = ACTIONS[name]
    if (spec === undefined) throw new UsageError(`unknown action "${name}"`, usage, { details: `actions: ${Object.keys(ACTIONS).join(', ')}` })
    const args = words.slice(i + 1, i + 1 + spec.args.length)
    if (args.length < spec.args.length) throw new UsageError(`${name} needs ${spec.args.join(' ')}`, usage)
    actions.push(spec.build(args, usage))
    i += 1 + spec.args.length
  }
  for (const text of json) {
    const value = jsonArg(text, '--action', usage)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError('--action must be a JSON object with a "type"', usage, { details: `got ${text}` })
    actions.push(value as ProposalActionInfo)
  }
  if (actions.length === 0) throw new UsageError('no action given', usage, { hint: 'e.g. `moor proposal create <ctx> add-admin <identity>`' })
  if (actions.length > MAX_ACTIONS) throw new UsageError(`a proposal carries at most ${MAX_ACTIONS} actions`, usage)
  return actions
}
