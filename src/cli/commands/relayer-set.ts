// moor relayer set <chain> — store the key of the funded account the node pays for its
// requests on that chain from, as <home>/keys/<chain>-relayer.key (mode 0600). The key
// comes from the chain module's variable (ChainModule.payer.inputEnv) or --key-file,
// never from the command line (which shell history and `ps` keep).

import { CHAIN_MODULES } from '../../node/chains.ts'
import { loadConfig, writeRelayerKey } from '../../node/config.ts'
import { chainArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'
import { reloadLine, reloadRunningNode } from '../reload.ts'
import { KEY_OPTIONS, readChainKey } from '../secret-key.ts'

export const relayerSet: Command = {
  path: ['relayer', 'set'],
  group: 'Chains',
  synopsis: `relayer set <chain> [--key-file <path>] [--force]`,
  summary: 'Store the relayer key (the funded account the node pays for requests from) in the home, mode 0600.',
  optionHelp: [
    ['--key-file <path>', 'read the key from this file; else from the chain\'s variable (below)'],
    ['--force', 'replace a different key already stored']
  ],
  notes: [
    'The key is never taken from the command line: it would stay in shell history.',
    ...CHAIN_MODULES.all().map((m) => `${m.kind}: ${m.payer.description}, from $${m.payer.inputEnv}; $${m.payer.env}, when set, overrides the stored key for the node.`),
    '`moor relayer show <chain>` prints the account\'s address.'
  ],
  options: { ...KEY_OPTIONS, force: { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: '<chain>' },
  async run (ctx) {
    const m = chainArg(ctx.positionals[0], ctx.usage)
    const key = readChainKey(ctx, m, 'the key')
    await loadConfig(ctx.home) // an initialised home, not a typo'd path
    const file = await writeRelayerKey(ctx.home, m.kind, key, { force: ctx.values.force === true })
    const address = await m.payer.account(key)
    const node = await reloadRunningNode(ctx.home)
    if (ctx.json) {
      printJson(ctx, { chain: m.kind, address, file, node })
    } else {
      const lines = [`relayer key for ${m.kind} stored in ${file} (mode 0600)`, `  account: ${address}`, ...reloadLine(node)]
      const override = ctx.io.env[m.payer.env]
      if (override != null && override.trim() !== '') lines.push(`note: $${m.payer.env} is set here and overrides this file for a node started with it`)
      printLines(ctx, lines)
    }
    return 0
  }
}
