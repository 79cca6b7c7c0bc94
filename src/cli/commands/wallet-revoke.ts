// moor wallet revoke <ctx> <account> [--as <identity>]
// moor wallet revoke <ctx> <account> --by-wallet [--as <identity>]   (prints the text to sign)
// moor wallet revoke <ctx> <account> --nonce <nonce> --signature <signature>

import type { WalletLinkInfo, WalletStatementInfo } from '../../wallets/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { printJson, printLines } from '../output.ts'

export const walletRevoke: Command = {
  path: ['wallet', 'revoke'],
  group: 'Wallets',
  synopsis: 'wallet revoke <ctx> <account> [--as <identity>] [--by-wallet | --nonce <nonce> --signature <signature>]',
  summary: 'Revoke a wallet link, as the linked identity or with the wallet\'s own signature.',
  optionHelp: [
    ['--as <identity>', 'the linked identity (default: this node\'s identity in the context)'],
    ['--by-wallet', 'print the revocation text for the wallet to sign instead'],
    ['--nonce <nonce>', 'with --signature: the nonce printed by --by-wallet'],
    ['--signature <signature>', 'the wallet\'s signature over the revocation text']
  ],
  notes: [
    'Either side may revoke: the identity (this node signs), or the wallet (its signed',
    'revocation is recorded by this node for whichever identity it names).'
  ],
  options: { as: { type: 'string' }, 'by-wallet': { type: 'boolean' }, nonce: { type: 'string' }, signature: { type: 'string' } },
  positionals: { min: 2, max: 2, names: '<ctx> <account>' },
  async run (ctx) {
    const contextId = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const account = ctx.positionals[1]!
    const v = ctx.values
    const identity = v.as === undefined ? undefined : hexArg(v.as as string, '--as', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    if (v['by-wallet'] === true) {
      if (v.nonce !== undefined || v.signature !== undefined) throw new UsageError('--by-wallet prints the text; --nonce and --signature submit it', ctx.usage)
      const st = await client.request<WalletStatementInfo>('POST', `/admin/contexts/${contextId}/wallets/statement`, { json: { account, purpose: 'unlink', ...(identity !== undefined ? { identity } : {}) } })
      if (ctx.json) { printJson(ctx, st); return 0 }
      ctx.io.stdout(st.message + '\n')
      ctx.io.stderr(`sign the text above with ${st.account}, then within ten minutes run:\n  moor wallet revoke ${contextId} ${st.account} --nonce ${st.nonce} --signature <signature>\n`)
      return 0
    }
    if ((v.nonce === undefined) !== (v.signature === undefined)) throw new UsageError('--nonce and --signature go together', ctx.usage)
    const json: Record<string, unknown> = v.nonce !== undefined ? { nonce: v.nonce, signature: v.signature } : identity !== undefined ? { identity } : {}
    const { revoked } = await client.request<{ revoked: WalletLinkInfo }>('DELETE', `/admin/contexts/${contextId}/wallets/${encodeURIComponent(account)}`, { json })
    if (ctx.json) printJson(ctx, revoked)
    else printLines(ctx, [`revoked the link of ${revoked.account} to identity ${revoked.identity}`])
    return 0
  }
}
