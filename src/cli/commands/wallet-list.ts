// moor wallet list <ctx> [--identity <public-key>] [--recheck]

import type { WalletLinkInfo } from '../../wallets/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines, table } from '../output.ts'

export const walletList: Command = {
  path: ['wallet', 'list'],
  group: 'Wallets',
  synopsis: 'wallet list <ctx> [--identity <public-key>] [--recheck]',
  summary: 'List the wallet links of a context\'s identities.',
  optionHelp: [
    ['--identity <public-key>', 'only this identity\'s links'],
    ['--recheck', 'ask each wallet again now (a contract wallet\'s owner may have changed)']
  ],
  notes: ['An expired link is listed but no longer counts.'],
  options: { identity: { type: 'string' }, recheck: { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: '<ctx>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const params = new URLSearchParams()
    if (ctx.values.identity !== undefined) params.set('identity', hexArg(ctx.values.identity as string, '--identity', ctx.usage))
    if (ctx.values.recheck === true) params.set('recheck', 'true')
    const client = await NodeClient.fromHome(ctx.home)
    const q = params.size > 0 ? `?${params.toString()}` : ''
    const { links } = await client.request<{ links: WalletLinkInfo[] }>('GET', `/admin/contexts/${id}/wallets${q}`)
    if (ctx.json) {
      printJson(ctx, links)
      return 0
    }
    if (links.length === 0) {
      printLines(ctx, ['no wallet links'])
      return 0
    }
    const state = (l: WalletLinkInfo): string => l.expired ? 'expired' : l.verifies === false ? `refused: ${l.reason ?? ''}` : l.verifies === true ? 'verified now' : 'valid'
    printLines(ctx, table(['ACCOUNT', 'IDENTITY', 'EXPIRES', 'STATE'], links.map((l) => [l.account, l.identity, l.expiry, state(l)])))
    return 0
  }
}
