// moor relayer show <chain> — the relayer account's address (never its key) and where the
// key comes from: the chain module's variable or <home>/keys/<chain>-relayer.key.

import { NotFoundError } from '../../errors/index.ts'
import { findRelayerKey, relayerKeyPath } from '../../node/config.ts'
import { chainArg } from '../command.ts'
import type { Command } from '../command.ts'
import { fields, printJson, printLines } from '../output.ts'

export const relayerShow: Command = {
  path: ['relayer', 'show'],
  group: 'Chains',
  synopsis: 'relayer show <chain>',
  summary: 'Print the relayer account\'s address (the key itself is never printed).',
  notes: ['The key is the chain\'s variable when set (see `moor relayer set --help`), else the one `moor relayer set <chain>` stored.'],
  positionals: { min: 1, max: 1, names: '<chain>' },
  async run (ctx) {
    const m = chainArg(ctx.positionals[0], ctx.usage)
    const found = await findRelayerKey(ctx.home, m.kind, ctx.io.env)
    if (found === undefined) {
      throw new NotFoundError(`no ${m.title} relayer key for ${ctx.home}`, {
        details: `${relayerKeyPath(ctx.home, m.kind)} does not exist and $${m.payer.env} is not set`,
        hint: `store one with \`${m.payer.inputEnv}=… moor relayer set ${m.kind} --home ${ctx.home}\` (or --key-file <path>)`
      })
    }
    const address = await m.payer.account(found.key)
    const source = found.source === 'env' ? `$${found.from}` : found.from
    if (ctx.json) printJson(ctx, { chain: m.kind, address, source: found.source, from: found.from })
    else printLines(ctx, fields([['address', address], ['key from', source]]))
    return 0
  }
}
