// The shape of a CLI command and the parsing every command shares (node:util parseArgs,
// plus --home, --json and --help on every command).

import { statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'
import type { ChainModule } from '../chain/module.ts'
import { CHAIN_MODULES } from '../node/chains.ts'
import { resolveHome } from '../node/config.ts'
import { UsageError } from './errors.ts'

export interface CommandIO {
  stdout: (text: string) => void
  stderr: (text: string) => void
  env: NodeJS.ProcessEnv
  /** stderr is a terminal: progress is drawn as a bar (else printed as plain lines). */
  stderrIsTTY?: boolean
}

export type OptionValues = Record<string, string | boolean | undefined>

export interface CommandContext {
  /** Option values by long name (strings or booleans). */
  values: OptionValues
  positionals: string[]
  home: string
  json: boolean
  io: CommandIO
  /** This command's usage text (for UsageErrors raised while running). */
  usage: string
}

export interface Command {
  /** Words that select the command: `['app', 'install']`. */
  path: string[]
  aliases?: string[][]
  group: string
  /** `app install <file.wasm> [--name <name>]` (without the leading `moor`). */
  synopsis: string
  summary: string
  /** The command's own options: `['--name <name>', 'display name']` (\n starts a new line). */
  optionHelp?: Array<[string, string]>
  /** Lines of help after the options. */
  notes?: string[]
  options?: NonNullable<ParseArgsConfig['options']>
  /** Allowed number of positional arguments. */
  positionals: { min: number, max: number, names: string }
  run: (ctx: CommandContext) => Promise<number | undefined>
}

export const COMMON_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  home: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
}

export const COMMON_OPTION_HELP: Array<[string, string]> = [
  ['--home <dir>', 'the node\'s home (default: $MOOR_HOME, else $XDG_DATA_HOME/moorage,\nelse ~/.local/share/moorage)'],
  ['--json', 'machine output: exactly one JSON document on stdout'],
  ['-h, --help', 'show this help']
]

export function usageOf (command: Command): string {
  const lines = [`Usage: moor ${command.synopsis}`, '', command.summary, '', 'Options:']
  const options = [...(command.optionHelp ?? []), ...COMMON_OPTION_HELP]
  const width = Math.max(...options.map(([flag]) => flag.length))
  for (const [flag, text] of options) {
    text.split('\n').forEach((line, i) => {
      lines.push(`  ${(i === 0 ? flag : '').padEnd(width)}  ${line}`)
    })
  }
  if (command.aliases != null && command.aliases.length > 0) {
    lines.push('', `Alias: ${command.aliases.map((a) => `moor ${a.join(' ')}`).join(', ')}`)
  }
  if (command.notes != null && command.notes.length > 0) lines.push('', ...command.notes)
  return lines.join('\n')
}

export interface Parsed {
  values: OptionValues
  positionals: string[]
  help: boolean
  home: string
  json: boolean
}

/** Parses the arguments after the command words; wrong ones are UsageErrors. */
export function parseCommandArgs (command: Command, args: string[], env: NodeJS.ProcessEnv): Parsed {
  const usage = usageOf(command)
  let parsed: { values: Record<string, unknown>, positionals: string[] }
  try {
    parsed = parseArgs({
      args,
      options: { ...COMMON_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true
    })
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''), usage)
  }
  const values = parsed.values as OptionValues
  const help = values.help === true
  const { min, max, names } = command.positionals
  if (!help && parsed.positionals.length < min) {
    throw new UsageError(`missing argument${min - parsed.positionals.length > 1 ? 's' : ''}: expected ${names}`, usage)
  }
  if (!help && parsed.positionals.length > max) {
    const extra = parsed.positionals.slice(max).map((p) => JSON.stringify(p)).join(' ')
    throw new UsageError(`unexpected argument${parsed.positionals.length - max > 1 ? 's' : ''}: ${extra}`, usage)
  }
  if (values.home === '') throw new UsageError('--home must not be empty', usage)
  return {
    values,
    positionals: parsed.positionals,
    help,
    home: resolveHome(values.home as string | undefined, env),
    json: values.json === true
  }
}

/** A 64-character hex id from the command line (lowercased); a UsageError otherwise. */
export function hexArg (value: string | undefined, what: string, usage: string): string {
  if (value == null || !/^[0-9a-f]{64}$/i.test(value)) {
    throw new UsageError(`${what} must be a 64-character hex id`, usage, { details: `got ${JSON.stringify(value ?? '')}` })
  }
  return value.toLowerCase()
}

/** Any JSON value from the command line; a UsageError when it does not parse. */
export function jsonArg (value: string, what: string, usage: string): unknown {
  try {
    return JSON.parse(value)
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON`, usage, {
      details: (err as Error).message,
      hint: 'quote it for the shell, e.g. \'{"key":"a"}\''
    })
  }
}

/** A port number option. */
export function portArg (value: string | boolean | undefined, what: string, usage: string): number | undefined {
  if (value === undefined) return undefined
  const port = Number(value)
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value) || port > 65_535) {
    throw new UsageError(`${what} must be a port number from 0 to 65535`, usage, { details: `got ${JSON.stringify(value)}` })
  }
  return port
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** A duration like `7d`, `12h`, `30m`, `90s`, `1d12h` in milliseconds; a UsageError otherwise. */
export function durationArg (value: string, what: string, usage: string): number {
  const parts = /^(?:[0-9]+(?:ms|s|m|h|d|w))+$/.test(value) ? [...value.matchAll(/([0-9]+)(ms|s|m|h|d|w)/g)] : []
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * DURATION_UNITS[unit!]!, 0)
  if (parts.length === 0 || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new UsageError(`${what} must be a duration like 7d, 12h, 30m or 1d12h`, usage, { details: `got ${JSON.stringify(value)}` })
  }
  return ms
}

/** A positive integer from the command line. */
export function positiveIntArg (value: string, what: string, usage: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value)
  if (!/^[0-9]+$/.test(value) || n < 1 || n > max) {
    throw new UsageError(`${what} must be an integer from 1 to ${max}`, usage, { details: `got ${JSON.stringify(value)}` })
  }
  return n
}

/** `member` or `reader`. */
export function roleArg (value: string, what: string, usage: string): 'member' | 'reader' {
  if (value === 'member' || value === 'reader') return value
  throw new UsageError(`${what} must be member or reader`, usage, {
    details: `got ${JSON.stringify(value)}`,
    hint: value === 'admin' ? 'admins are added through proposals: `moor proposal create <ctx> add-admin <identity>`' : undefined
  })
}

const CAPABILITY_NAMES = ['ManageMembers', 'ManageApplication', 'Proxy'] as const

/** A capability, in any case, with or without dashes: `ManageMembers`, `manage-members`. */
export function capabilityArg (value: string, usage: string): typeof CAPABILITY_NAMES[number] {
  const found = CAPABILITY_NAMES.find((c) => c.toLowerCase() === value.replace(/[-_]/g, '').toLowerCase())
  if (found === undefined) {
    throw new UsageError('<capability> must be one of ManageMembers, ManageApplication, Proxy', usage, { details: `got ${JSON.stringify(value)}` })
  }
  return found
}

/**
 * A registered chain's module, by kind in any letter case (`moor deploy <kind>`); a
 * UsageError listing the registered chains otherwise (or those `has` accepts).
 */
export function chainArg (value: string | undefined, usage: string, has: (m: ChainModule) => boolean = () => true): ChainModule {
  const found = CHAIN_MODULES.find(value?.toLowerCase() ?? '')
  if (found === undefined || !has(found)) {
    const supported = CHAIN_MODULES.all().filter(has).map((m) => m.kind)
    throw new UsageError(`unsupported chain ${JSON.stringify(value ?? '')}`, usage, {
      details: `supported: ${supported.join(', ') || 'none'}`,
      hint: 'a chain is a module in adapters/<chain>/, listed in src/node/chains.ts (docs/chains.md)'
    })
  }
  return found
}

/** An output file whose directory exists (checked before anything is done). */
export function outputFileArg (value: string, what: string, usage: string): string {
  const file = resolve(value)
  let dirOk = false
  try { dirOk = statSync(dirname(file)).isDirectory() } catch { /* missing */ }
  let isDir = false
  try { isDir = statSync(file).isDirectory() } catch { /* does not exist yet */ }
  if (value === '' || !dirOk || isDir) {
    throw new UsageError(`${what} must name a file in an existing directory`, usage, { details: `got ${JSON.stringify(value)}` })
  }
  return file
}
