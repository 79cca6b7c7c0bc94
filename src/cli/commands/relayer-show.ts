// moor relayer show ethereum — the relayer account's address (never its key) and where
// the key comes from: $MOOR_ETH_RELAYER_KEY or <home>/keys/ethereum-relayer.key.

import { NotFoundError } from '../../errors/index.ts'
import { ETH_RELAYER_KEY_ENV, findRelayerKey, relayerKeyPath } from '../../node/config.ts'
import { chainArg } from '../command.ts'
import type { Command } from '../command.ts'
import { fields, printJson, printLines } from '../output.ts'

export const relayerShow: Command = {
  path: ['relayer', 'show'],
  group: 'Chains',
  synopsis: 'relayer show ethereum',
  summary: 'Print the relayer account\'s address (the key itself is never printed).',
  notes: [`The key is $${ETH_RELAYER_KEY_ENV} when set, else the one \`moor relayer set ethereum\` stored.`],
  positionals: { min: 1, max: 1, names: '<chain>' },
  async run (ctx) {
    chainArg(ctx.positionals[0], ctx.usage)
    const found = await findRelayerKey(ctx.home, ctx.io.env)
    if (found === undefined) {
      throw new NotFoundError(`no Ethereum relayer key for ${ctx.home}`, {
        details: `${relayerKeyPath(ctx.home)} does not exist and $${ETH_RELAYER_KEY_ENV} is not set`,
        hint: `store one with \`MOOR_ETH_KEY=0x… moor relayer set ethereum --home ${ctx.home}\` (or --key-file <path>)`
      })
    }
    const { Wallet } = await import('ethers')
    const address = new Wallet(found.key).address
    const source = found.source === 'env' ? `$${found.from}` : found.from
    if (ctx.json) printJson(ctx, { chain: 'ethereum', address, source: found.source, from: found.from })
    else printLines(ctx, fields([['address', address], ['key from', source]]))
    return 0
  }
}
