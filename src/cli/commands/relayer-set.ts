// moor relayer set ethereum — store the key of the funded account the node pays gas from
// as <home>/keys/ethereum-relayer.key (mode 0600). The key comes from $MOOR_ETH_KEY or
// --key-file, never from the command line (which shell history and `ps` keep).

import { readFileSync } from 'node:fs'
import { ETH_RELAYER_KEY_ENV, isEvmPrivateKey, loadConfig, writeRelayerKey } from '../../node/config.ts'
import { chainArg } from '../command.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { printJson, printLines } from '../output.ts'

export const relayerSet: Command = {
  path: ['relayer', 'set'],
  group: 'Chains',
  synopsis: 'relayer set ethereum [--key-file <path>] [--force]',
  summary: 'Store the relayer key (the funded account the node pays gas from) in the home, mode 0600.',
  optionHelp: [
    ['--key-file <path>', 'read the key (0x + 64 hex) from this file; else from $MOOR_ETH_KEY'],
    ['--force', 'replace a different key already stored']
  ],
  notes: [
    'The key is never taken from the command line: it would stay in shell history.',
    `$${ETH_RELAYER_KEY_ENV}, when set, overrides the stored key for the node.`,
    '`moor relayer show ethereum` prints the account\'s address.'
  ],
  options: {
    'key-file': { type: 'string' },
    key: { type: 'string' }, // only to refuse it with a reason
    force: { type: 'boolean' }
  },
  positionals: { min: 1, max: 1, names: '<chain>' },
  async run (ctx) {
    chainArg(ctx.positionals[0], ctx.usage)
    if (ctx.values.key !== undefined) {
      throw new UsageError('the key is not taken from the command line (shell history keeps it)', ctx.usage, {
        hint: 'put it in a file and pass --key-file <path>, or set $MOOR_ETH_KEY'
      })
    }
    const keyFile = ctx.values['key-file'] as string | undefined
    let key: string
    let from: string
    if (keyFile !== undefined) {
      try {
        key = readFileSync(keyFile, 'utf8').trim()
      } catch (err) {
        throw new UsageError(`cannot read --key-file ${keyFile}`, ctx.usage, { details: (err as Error).message })
      }
      from = keyFile
    } else {
      key = (ctx.io.env.MOOR_ETH_KEY ?? '').trim()
      from = '$MOOR_ETH_KEY'
      if (key === '') throw new UsageError('no key given: set $MOOR_ETH_KEY or pass --key-file <path>', ctx.usage)
    }
    if (!isEvmPrivateKey(key)) {
      throw new UsageError(`${from} does not hold an EVM private key`, ctx.usage, { hint: 'a key is 0x followed by 64 hex digits' })
    }
    await loadConfig(ctx.home) // an initialised home, not a typo'd path
    const file = await writeRelayerKey(ctx.home, key, { force: ctx.values.force === true })
    const { Wallet } = await import('ethers')
    const address = new Wallet(key).address
    if (ctx.json) {
      printJson(ctx, { chain: 'ethereum', address, file })
    } else {
      const lines = [`relayer key for ethereum stored in ${file} (mode 0600)`, `  account: ${address}`]
      const override = ctx.io.env[ETH_RELAYER_KEY_ENV]
      if (override != null && override.trim() !== '') lines.push(`note: $${ETH_RELAYER_KEY_ENV} is set here and overrides this file for a node started with it`)
      printLines(ctx, lines)
    }
    return 0
  }
}
