// `moor`: the command-line front end. main() picks the command from the leading words,
// parses its options and runs it; it returns the exit code (0 ok, 1 error, 2 usage).

import { readFileSync } from 'node:fs'
import { MoorageError } from '../errors/index.ts'
import { parseCommandArgs, usageOf } from './command.ts'
import type { Command, CommandIO } from './command.ts'
import { NodeResponseError, UsageError } from './errors.ts'
import { appInstall } from './commands/app-install.ts'
import { appList } from './commands/app-list.ts'
import { appRemove } from './commands/app-remove.ts'
import { call } from './commands/call.ts'
import { contextCreate } from './commands/context-create.ts'
import { deploy } from './commands/deploy.ts'
import { claimVerify } from './commands/claim-verify.ts'
import { devnet } from './commands/devnet.ts'
import { contextDelete } from './commands/context-delete.ts'
import { contextGrantXcall } from './commands/context-grant-xcall.ts'
import { contextList } from './commands/context-list.ts'
import { contextRevokeXcall } from './commands/context-revoke-xcall.ts'
import { contextShow } from './commands/context-show.ts'
import { contextInvite } from './commands/context-invite.ts'
import { contextJoin } from './commands/context-join.ts'
import { contextLeave } from './commands/context-leave.ts'
import { contextMembers } from './commands/context-members.ts'
import { contextRemove } from './commands/context-remove.ts'
import { contextGrant } from './commands/context-grant.ts'
import { contextRevoke } from './commands/context-revoke.ts'
import { contextRevokeInvitation } from './commands/context-revoke-invitation.ts'
import { contextRole } from './commands/context-role.ts'
import { contextUpdateApp } from './commands/context-update-app.ts'
import { contextSync } from './commands/context-sync.ts'
import { contextSyncStatus } from './commands/context-sync-status.ts'
import { contextGovernance } from './commands/context-governance.ts'
import { proposalCreate } from './commands/proposal-create.ts'
import { proposalApprove } from './commands/proposal-approve.ts'
import { proposalList } from './commands/proposal-list.ts'
import { proposalShow } from './commands/proposal-show.ts'
import { peers } from './commands/peers.ts'
import { identityNew } from './commands/identity-new.ts'
import { events } from './commands/events.ts'
import { identityList } from './commands/identity-list.ts'
import { init } from './commands/init.ts'
import { node } from './commands/node.ts'
import { relayerSet } from './commands/relayer-set.ts'
import { relayerShow } from './commands/relayer-show.ts'
import { status } from './commands/status.ts'
import { walletLink } from './commands/wallet-link.ts'
import { walletList } from './commands/wallet-list.ts'
import { walletRevoke } from './commands/wallet-revoke.ts'

export const COMMANDS: readonly Command[] = [
  init, node, status,
  appInstall, appList, appRemove,
  contextCreate, contextList, contextShow, contextDelete, contextUpdateApp, contextGrantXcall, contextRevokeXcall,
  contextInvite, contextRevokeInvitation, contextJoin, contextLeave, contextMembers, contextRemove, contextRole, contextGrant, contextRevoke,
  contextGovernance, proposalCreate, proposalApprove, proposalList, proposalShow,
  contextSync, contextSyncStatus, peers,
  identityNew, identityList, walletLink, walletList, walletRevoke,
  call, events,
  devnet, deploy, relayerSet, relayerShow, claimVerify
]

export const EXIT_OK = 0
export const EXIT_ERROR = 1
export const EXIT_USAGE = 2

const defaultIO: CommandIO = {
  stdout: (text) => { process.stdout.write(text) },
  stderr: (text) => { process.stderr.write(text) },
  env: process.env,
  stderrIsTTY: process.stderr.isTTY === true
}

export async function main (argv: string[], io: CommandIO = defaultIO): Promise<number> {
  try {
    const args = hoistLeadingOptions(argv)
    if (args.length === 0) throw new UsageError('no command given', overview())
    const first = args[0]
    if (first === '--help' || first === '-h' || first === 'help') {
      const topic = args.slice(1)
      const found = topic.length > 0 ? findCommand(topic) : null
      io.stdout((found != null ? usageOf(found.command) : overview()) + '\n')
      return EXIT_OK
    }
    if (first === '--version' || first === '-v' || first === 'version') {
      io.stdout(version() + '\n')
      return EXIT_OK
    }
    const found = findCommand(args)
    if (found == null) {
      // `moor context --help`: the group's commands, as help (not an error).
      const group = groupUsage(args[0]!)
      if (group !== undefined && args.slice(1).every((a) => a === '--help' || a === '-h' || a === '--json' || a.startsWith('--home')) && args.some((a) => a === '--help' || a === '-h')) {
        io.stdout(group + '\n')
        return EXIT_OK
      }
      throw unknownCommand(args)
    }
    const { command } = found
    const parsed = parseCommandArgs(command, args.slice(found.words), io.env)
    const usage = usageOf(command)
    if (parsed.help) {
      io.stdout(usage + '\n')
      return EXIT_OK
    }
    const code = await command.run({ ...parsed, io, usage })
    return code ?? EXIT_OK
  } catch (err) {
    // With --json a script reads stdout: the error goes there too, as one JSON document.
    if (argv.includes('--json')) io.stdout(JSON.stringify({ error: errorJson(err) }) + '\n')
    return report(err, io)
  }
}

/** `{ name, message, details?, hint? }`, as the API answers errors. */
function errorJson (err: unknown): { name: string, message: string, details?: string, hint?: string } {
  if (err instanceof NodeResponseError) return { ...err.toJSON(), name: err.remoteName }
  if (err instanceof MoorageError) return err.toJSON()
  return { name: (err as Error)?.name ?? 'Error', message: String((err as Error)?.message ?? err) }
}

/** Prints an error for a human: the message with its Details/Hint lines. */
function report (err: unknown, io: CommandIO): number {
  if (err instanceof UsageError) {
    io.stderr(`error: ${err.message}\n`)
    if (err.usage != null) io.stderr(`\n${err.usage}\n`)
    return EXIT_USAGE
  }
  if (err instanceof MoorageError) {
    io.stderr(`error: ${err.message}\n`)
    return EXIT_ERROR
  }
  const e = err as Error
  io.stderr(`error: ${e?.message ?? String(err)}\n`)
  if (io.env.MOOR_DEBUG != null && e?.stack != null) io.stderr(e.stack + '\n')
  return EXIT_ERROR
}

/** The command named by the leading words of `args` (longest match, aliases included). */
function findCommand (args: string[]): { command: Command, words: number } | null {
  let best: { command: Command, words: number } | null = null
  for (const command of COMMANDS) {
    for (const path of [command.path, ...(command.aliases ?? [])]) {
      if (path.length <= args.length && path.every((w, i) => args[i] === w) && (best == null || path.length > best.words)) {
        best = { command, words: path.length }
      }
    }
  }
  return best
}

/** The commands of a group (`moor context <command>`), or undefined when `word` names none. */
function groupUsage (word: string): string | undefined {
  const groupCommands = COMMANDS.filter((c) => c.path.length > 1 && c.path[0] === word)
  if (groupCommands.length === 0) return undefined
  return [`Usage: moor ${word} <command>`, '', 'Commands:', ...listing(groupCommands)].join('\n')
}

function unknownCommand (args: string[]): UsageError {
  const group = groupUsage(args[0]!)
  if (group !== undefined) {
    const sub = args[1]
    return new UsageError(sub == null || sub.startsWith('-') ? `moor ${args[0]} needs a command` : `unknown command "${args[0]} ${sub}"`, group)
  }
  return new UsageError(`unknown command "${args[0]}"`, overview())
}

function overview (): string {
  const lines = ['Usage: moor <command> [options]', '', 'Moorage: host contexts (WebAssembly applications on CRDT state) and drive them.']
  const groups = [...new Set(COMMANDS.map((c) => c.group))]
  for (const group of groups) {
    lines.push('', `${group}:`, ...listing(COMMANDS.filter((c) => c.group === group)))
  }
  lines.push(
    '',
    'Every command takes --home <dir> (default: $MOOR_HOME, else ~/.local/share/moorage),',
    '--json (one JSON document on stdout) and --help.',
    'Run `moor <command> --help` for its options.'
  )
  return lines.join('\n')
}

function listing (commands: readonly Command[]): string[] {
  return commands.flatMap((c) => [`  moor ${c.synopsis}`, `      ${c.summary}`])
}

/** Lets `--home <dir>` and `--json` come before the command words too. */
function hoistLeadingOptions (argv: string[]): string[] {
  const leading: string[] = []
  let i = 0
  while (i < argv.length) {
    const arg = argv[i]
    if (arg === '--json' || arg.startsWith('--home=')) {
      leading.push(arg)
      i += 1
    } else if (arg === '--home' && i + 1 < argv.length) {
      leading.push(arg, argv[i + 1])
      i += 2
    } else {
      break
    }
  }
  if (leading.length === 0) return argv
  const rest = argv.slice(i)
  if (rest.length === 0) return [] // options but no command
  // Insert after the command words so the command's parser sees them.
  const found = findCommand(rest)
  const words = found?.words ?? 1
  return [...rest.slice(0, words), ...leading, ...rest.slice(words)]
}

function version (): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return `moor ${pkg.version} (node ${process.versions.node})`
}
