// moor relayer set <chain> — store the key of the funded account the node pays for its
// requests on that chain from, as <home>/keys/<chain>-relayer.key (mode 0600). The key
// comes from the chain module's variable (ChainModule.payer.inputEnv) or --key-file,
// never from the command line (which shell history and `ps` keep).

import { readFileSync } from 'node:fs'
import { CHAIN_MODULES } from '../../node/chains.ts'
import { loadConfig, writeRelayerKey } from '../../node/config.ts'
import { chainArg } from '../command.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { printJson, printLines } from '../output.ts'

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
  options: {
    'key-file': { type: 'string' },
    key: { type: 'string' }, // only to refuse it with a reason
    force: { type: 'boolean' }
  },
  positionals: { min: 1, max: 1, names: '<chain>' },
  async run (ctx) {
    const m = chainArg(ctx.positionals[0], ctx.usage)
    if (ctx.values.key !== undefined) {
      throw new UsageError('the key is not taken from the command line (shell history keeps it)', ctx.usage, {
        hint: `put it in a file and pass --key-file <path>, or set $${m.payer.inputEnv}`
      })
    }
    const keyFile = ctx.values['key-file'] as string | undefined
    let text: string
    let from: string
    if (keyFile !== undefined) {
      try {
        text = readFileSync(keyFile, 'utf8').trim()
      } catch (err) {
        throw new UsageError(`cannot read --key-file ${keyFile}`, ctx.usage, { details: (err as Error).message })
      }
      from = keyFile
    } else {
      text = (ctx.io.env[m.payer.inputEnv] ?? '').trim()
      from = `$${m.payer.inputEnv}`
      if (text === '') throw new UsageError(`no key given: set $${m.payer.inputEnv} or pass --key-file <path>`, ctx.usage)
    }
    const key = m.payer.parse(text)
    if (key === undefined) throw new UsageError(`${from} does not hold ${m.payer.description}`, ctx.usage, { hint: m.payer.hint })
    await loadConfig(ctx.home) // an initialised home, not a typo'd path
    const file = await writeRelayerKey(ctx.home, m.kind, key, { force: ctx.values.force === true })
    const address = await m.payer.account(key)
    if (ctx.json) {
      printJson(ctx, { chain: m.kind, address, file })
    } else {
      const lines = [`relayer key for ${m.kind} stored in ${file} (mode 0600)`, `  account: ${address}`]
      const override = ctx.io.env[m.payer.env]
      if (override != null && override.trim() !== '') lines.push(`note: $${m.payer.env} is set here and overrides this file for a node started with it`)
      printLines(ctx, lines)
    }
    return 0
  }
}
