// moor wallet link <ctx> <account> [--as <identity>] [--expires <duration>]
// moor wallet link <ctx> <account> --nonce <nonce> --signature <signature>

import type { WalletLinkInfo, WalletStatementInfo } from '../../wallets/types.ts'
import { NodeClient } from '../client.ts'
import { durationArg, hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { printJson, printLines } from '../output.ts'

export const walletLink: Command = {
  path: ['wallet', 'link'],
  group: 'Wallets',
  synopsis: 'wallet link <ctx> <account> [--as <identity>] [--expires <duration>] [--nonce <nonce> --signature <signature>]',
  summary: 'Link a wallet account to a context identity: prints the text to sign, then submits the signature.',
  optionHelp: [
    ['--as <identity>', 'the identity to link (default: this node\'s identity in the context)'],
    ['--expires <duration>', 'how long the link counts: 30d (default), up to 366d'],
    ['--nonce <nonce>', 'with --signature: the nonce printed by the first step'],
    ['--signature <signature>', 'the wallet\'s answer, written as step 1 says (0x hex for Ethereum)']
  ],
  notes: [
    '<account> is a CAIP-10 id, e.g. eip155:1:0xAbc…; its chain module checks it.',
    'Step 1 prints the text for the wallet to sign, alone on stdout, and on stderr the wallet',
    'call that signs it (its method and JSON params, as the chain\'s wallets take them),',
    'the nonce (single use, valid ten minutes) and how to write the answer. Step 2 submits it:',
    '  moor wallet link <ctx> <account> --nonce <nonce> --signature <signature>',
    'The link is recorded on the context\'s governance log; every member node checks it.',
    'For a context this node has not joined (a wallet-account invitation) step 1 makes a new',
    'identity; the signature then goes to `moor context join <invitation> --nonce … --signature …`.'
  ],
  options: { as: { type: 'string' }, expires: { type: 'string' }, nonce: { type: 'string' }, signature: { type: 'string' } },
  positionals: { min: 2, max: 2, names: '<ctx> <account>' },
  async run (ctx) {
    const contextId = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const account = ctx.positionals[1]!
    const v = ctx.values
    const client = await NodeClient.fromHome(ctx.home)
    if (v.signature !== undefined || v.nonce !== undefined) {
      if (v.signature === undefined || v.nonce === undefined) throw new UsageError('--nonce and --signature go together', ctx.usage)
      if (v.as !== undefined || v.expires !== undefined) throw new UsageError('--as and --expires are for the first step (the statement)', ctx.usage)
      const link = await client.request<WalletLinkInfo>('POST', `/admin/contexts/${contextId}/wallets`, { json: { nonce: v.nonce, signature: v.signature } })
      if (ctx.json) printJson(ctx, link)
      else printLines(ctx, [`linked ${link.account} to identity ${link.identity}`, `  valid until ${link.expiry}`])
      return 0
    }
    const body: Record<string, unknown> = { account }
    if (v.as !== undefined) body.identity = hexArg(v.as as string, '--as', ctx.usage)
    if (v.expires !== undefined) body.expiresInMs = durationArg(v.expires as string, '--expires', ctx.usage)
    const st = await client.request<WalletStatementInfo>('POST', `/admin/contexts/${contextId}/wallets/statement`, { json: body })
    if (ctx.json) {
      printJson(ctx, st)
      return 0
    }
    ctx.io.stdout(st.message + '\n')
    const next = st.joining
      ? `moor context join <invitation> --nonce ${st.nonce} --signature <signature>`
      : `moor wallet link ${contextId} ${st.account} --nonce ${st.nonce} --signature <signature>`
    ctx.io.stderr([
      `sign the text above with ${st.account} (for identity ${st.identity}); the wallet call:`,
      `  ${st.request.method} ${JSON.stringify(st.request.params)}`,
      `then within ten minutes run, with <signature> as ${st.request.answer}:`,
      `  ${next}`
    ].join('\n') + '\n')
    return 0
  }
}
