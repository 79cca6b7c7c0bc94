// A chain key a command needs (a relayer key, a deployer key): from --key-file or the
// chain module's variable, never from the command line, which shell history and `ps` keep.

import { readFileSync } from 'node:fs'
import type { ChainModule } from '../chain/module.ts'
import type { CommandContext } from './command.ts'
import { UsageError } from './errors.ts'

/** Options every command that reads such a key declares. */
export const KEY_OPTIONS = {
  'key-file': { type: 'string' },
  key: { type: 'string' } // only to refuse it with a reason
} as const

/** The key, as the module's payer.parse returns it; `what` names it in errors ("the deployer key"). */
export function readChainKey (ctx: CommandContext, m: ChainModule, what: string): string {
  if (ctx.values.key !== undefined) {
    throw new UsageError(`${what} is not taken from the command line (shell history keeps it)`, ctx.usage, {
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
    if (text === '') throw new UsageError(`no ${what.replace(/^the /, '')} given: set $${m.payer.inputEnv} or pass --key-file <path>`, ctx.usage)
  }
  const key = m.payer.parse(text)
  if (key === undefined) throw new UsageError(`${from} does not hold ${m.payer.description}`, ctx.usage, { hint: m.payer.hint })
  return key
}
