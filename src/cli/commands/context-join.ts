// moor context join <invitation> [--rpc <url>] [--nonce <nonce> --signature <signature>]
// — join a context; shows the catch-up progress on stderr.

import type { ContextInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { printJson, printLines } from '../output.ts'
import { progressReporter } from '../progress.ts'
import { describeContext } from './context-show.ts'

export const contextJoin: Command = {
  path: ['context', 'join'],
  group: 'Members',
  synopsis: 'context join <invitation> [--rpc <url>] [--fresh-identity] [--nonce <nonce> --signature <signature>]',
  summary: 'Join a context with an invitation from one of its admins.',
  notes: [
    'An identity-bound invitation names an identity this node made with `moor identity new`;',
    'an open one makes a new identity and claims the invitation by commit–reveal; one for a',
    'wallet account is claimed with a link made with that wallet: run `moor wallet link <ctx>',
    '<account>` first, sign the text it prints, and pass its nonce and the signature here.',
    'The node fetches the governance, waits for the group key, then the application and the',
    'state; progress is drawn on stderr (a bar on a terminal, plain lines otherwise).',
    'For a chain-anchored context the claim is a request to the contract, sent through',
    '--rpc, else config.json chains.<chain>.rpc, else an endpoint the inviter included, else',
    'the chain\'s well-known endpoint for the invitation\'s network (a local devnet\'s, say).'
  ],
  optionHelp: [
    ['--rpc <url>', 'chain-anchored contexts: the JSON-RPC endpoint to use'],
    ['--fresh-identity', 'this node was removed from the context: drop its copy\n(as `moor context delete` does) and join anew'],
    ['--nonce <nonce>', 'wallet-account invitations: the nonce `moor wallet link` printed'],
    ['--signature <signature>', 'wallet-account invitations: the wallet\'s signature over its text']
  ],
  options: { rpc: { type: 'string' }, 'fresh-identity': { type: 'boolean' }, nonce: { type: 'string' }, signature: { type: 'string' } },
  positionals: { min: 1, max: 1, names: '<invitation>' },
  async run (ctx) {
    const invitation = ctx.positionals[0]!.trim()
    const { nonce, signature } = ctx.values as { nonce?: string, signature?: string }
    if ((nonce === undefined) !== (signature === undefined)) throw new UsageError('--nonce and --signature go together', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const progress = progressReporter(ctx.io)
    let context: ContextInfo
    try {
      const rpc = ctx.values.rpc as string | undefined
      const fresh = ctx.values['fresh-identity'] === true
      context = await client.withProgress<ContextInfo>('/admin/contexts/join', { invitation, ...(rpc !== undefined ? { rpc } : {}), ...(fresh ? { freshIdentity: true } : {}), ...(nonce !== undefined ? { wallet: { nonce, signature } } : {}) }, progress.update)
    } finally {
      progress.done()
    }
    if (ctx.json) printJson(ctx, context)
    else {
      const role = context.members.find((m) => m.identity === context.identity)?.role ?? 'member'
      printLines(ctx, [`joined context ${context.id} as ${role}`, ...describeContext(context).map((l) => '  ' + l)])
    }
    return 0
  }
}
