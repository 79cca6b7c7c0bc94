// moor context invite <ctx> (--identity <pk> | --wallet <account> | --open) [--role member|reader]
//                           [--expires <duration>] [--max-uses <n>] [--include-rpc]

import type { InviteResult } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { durationArg, hexArg, positiveIntArg, roleArg } from '../command.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { printJson, time } from '../output.ts'

export const contextInvite: Command = {
  path: ['context', 'invite'],
  group: 'Members',
  synopsis: 'context invite <ctx> (--identity <public-key> | --wallet <account> | --open) [--role member|reader] [--expires <duration>] [--max-uses <n>] [--include-rpc]',
  summary: 'Invite into a context; prints the invitation string to hand to the invitee.',
  optionHelp: [
    ['--identity <public-key>', 'identity-bound: only this identity may join\n(the invitee makes it with `moor identity new`)'],
    ['--wallet <account>', 'a wallet account (CAIP-10, e.g. eip155:1:0x…): whoever presents a link\nmade with that wallet may join (off-chain contexts)'],
    ['--open', 'open: whoever holds the string may join (a bearer secret)'],
    ['--role <role>', 'member (read and write, the default) or reader (read only)'],
    ['--expires <duration>', 'how long it stays valid: 7d (default), 12h, 30m, 1d12h'],
    ['--max-uses <n>', 'open invitations: how many may join with it (default 1, at most 64)'],
    ['--include-rpc', 'chain-anchored contexts: also write this node\'s RPC endpoint into the\nstring (only a public one: an endpoint URL may hold a provider key)']
  ],
  notes: [
    'The invitation string goes to stdout alone (details to stderr), so it can be captured:',
    '  inv=$(moor context invite <ctx> --open --max-uses 5)',
    'The invitee runs `moor context join <invitation>`. For a chain-anchored context the string',
    'names the chain\'s network, not an endpoint: the joiner uses its own (--rpc or config.json),',
    'unless --include-rpc put this node\'s in.'
  ],
  options: { identity: { type: 'string' }, wallet: { type: 'string' }, open: { type: 'boolean' }, role: { type: 'string' }, expires: { type: 'string' }, 'max-uses': { type: 'string' }, 'include-rpc': { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: '<ctx>' },
  async run (ctx) {
    const contextId = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const v = ctx.values
    const open = v.open === true
    const targets = [v.identity !== undefined, v.wallet !== undefined, open].filter(Boolean).length
    if (targets > 1) throw new UsageError('--identity, --wallet and --open exclude each other', ctx.usage)
    if (targets === 0) throw new UsageError('give --identity <public-key>, --wallet <account> or --open', ctx.usage)
    if (!open && v['max-uses'] !== undefined) throw new UsageError('--max-uses is for open invitations', ctx.usage, { details: 'an identity-bound or wallet-account invitation is used once' })
    const body: Record<string, unknown> = open ? { open: true } : v.wallet !== undefined ? { wallet: v.wallet } : { identity: hexArg(v.identity as string, '--identity', ctx.usage) }
    if (v.role !== undefined) body.role = roleArg(v.role as string, '--role', ctx.usage)
    if (v.expires !== undefined) body.expiresInMs = durationArg(v.expires as string, '--expires', ctx.usage)
    if (v['max-uses'] !== undefined) body.maxUses = positiveIntArg(v['max-uses'] as string, '--max-uses', ctx.usage, 64)
    if (v['include-rpc'] === true) body.includeRpc = true
    const client = await NodeClient.fromHome(ctx.home)
    const inv = await client.request<InviteResult>('POST', `/admin/contexts/${contextId}/invitations`, { json: body })
    if (ctx.json) {
      printJson(ctx, inv)
      return 0
    }
    ctx.io.stdout(inv.invitation + '\n')
    const who = inv.kind === 'open' ? `open invitation for ${inv.maxUses} ${inv.role}${inv.maxUses === 1 ? '' : 's'}` : `invitation for ${(body.identity ?? body.wallet) as string} as ${inv.role}`
    const joins = inv.kind === 'account'
      ? `moor wallet link ${contextId} ${body.wallet as string}, signs the text with that wallet, then moor context join <invitation> --nonce <nonce> --signature <signature>`
      : 'moor context join <invitation>'
    ctx.io.stderr(`${who} (id ${inv.id}), valid until ${time(inv.expiresAt)}\nthe invitee runs: ${joins}\n`)
    if (inv.kind === 'open') ctx.io.stderr('whoever holds an open invitation can join with it: share it like a password\n')
    return 0
  }
}
