// moor node (alias: moor start) — run the node and its HTTP API until SIGINT/SIGTERM.
//
// Creates the home when it is missing, loads config.json, opens the node, serves the API
// and records where it listens in <home>/node.json for the other commands. On the first
// SIGINT or SIGTERM it closes the API, stops the node and exits 0; a second signal exits
// at once.

import { ConflictError } from '../../errors/index.ts'
import { createLogger } from '../../log/index.ts'
import { LOG_FORMATS } from '../../log/index.ts'
import type { Logger, LogFormat, LogLevel } from '../../log/index.ts'
import { checkAddrs, initHome, loadConfig, p2pListen, readToken, tokenPath } from '../../node/config.ts'
import { DEFAULT_P2P_HOST } from '../../node/constants.ts'
import { isIP } from 'node:net'
import { portArg } from '../command.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { printJson, printLines } from '../output.ts'
import { readRunFile, removeRunFile, writeRunFile } from '../runfile.ts'

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent']

/** Longest a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 15_000

export const node: Command = {
  path: ['node'],
  aliases: [['start']],
  group: 'Node',
  synopsis: 'node [--api-port <port>] [--api-host <host>] [--p2p-port <port>] [--p2p-host <ip>] [--bootstrap <multiaddr>]... [--mdns] [--log-level <level>] [--log-format text|json]',
  summary: 'Run the node and its HTTP API (creating the home first if needed) until Ctrl-C.',
  optionHelp: [
    ['--api-port <port>', 'listen on this port instead of config.json\'s (0: any free port);\nalso written to config.json when the home is created'],
    ['--api-host <host>', 'bind to this address instead of config.json\'s'],
    ['--p2p-port <port>', 'peer-to-peer TCP port instead of config.json\'s (`moor init` picks one\nand keeps it); also written to config.json when the home is created'],
    ['--p2p-host <ip>', 'peer-to-peer listen address (default 127.0.0.1)'],
    ['--bootstrap <multiaddr>', 'a peer to connect to and keep connected, /ip4/…/tcp/…/p2p/<id>;\nrepeatable; added to config.json p2p.bootstrap for this run'],
    ['--mdns', 'discover peers on the local network'],
    ['--log-level <level>', 'debug, info, warn, error or silent (default: $MOOR_LOG, else\nconfig.json\'s logLevel); logs go to stderr'],
    ['--log-format <format>', 'text (default, or $MOOR_LOG_FORMAT) or json: one JSON object per line\nwith time, level, component, msg, context and peer']
  ],
  notes: ['The API URL and the token file are printed at start; other commands find the node through the home.'],
  options: {
    'api-port': { type: 'string' },
    'api-host': { type: 'string' },
    'p2p-port': { type: 'string' },
    'p2p-host': { type: 'string' },
    bootstrap: { type: 'string', multiple: true },
    mdns: { type: 'boolean' },
    'log-level': { type: 'string' },
    'log-format': { type: 'string' }
  },
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run (ctx) {
    const apiPort = portArg(ctx.values['api-port'], '--api-port', ctx.usage)
    const apiHost = ctx.values['api-host'] as string | undefined
    const flagLevel = ctx.values['log-level'] as string | undefined
    if (flagLevel !== undefined && !LEVELS.includes(flagLevel as LogLevel)) {
      throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`, ctx.usage)
    }
    const format = ctx.values['log-format'] as LogFormat | undefined
    if (format !== undefined && !LOG_FORMATS.includes(format)) {
      throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}`, ctx.usage)
    }
    const home = ctx.home
    const p2pPort = portArg(ctx.values['p2p-port'], '--p2p-port', ctx.usage)

    const created = await initHome(home, {
      ...(apiPort !== undefined ? { apiPort } : {}),
      ...(apiHost !== undefined ? { apiHost } : {}),
      ...(p2pPort !== undefined ? { p2pPort } : {})
    })
    const bootLogger = createLogger({ level: levelOf(flagLevel, ctx.io.env, 'info'), format })
    const config = await loadConfig(home, { logger: bootLogger.child('config') })
    if (apiPort !== undefined) config.api.port = apiPort
    if (apiHost !== undefined) config.api.host = apiHost
    const p2pHost = ctx.values['p2p-host'] as string | undefined
    if (p2pPort !== undefined || p2pHost !== undefined) {
      const host = p2pHost ?? DEFAULT_P2P_HOST
      if (isIP(host) === 0) throw new UsageError('--p2p-host must be an IP address', ctx.usage)
      config.p2p.listen = [p2pListen(host, p2pPort ?? listenPort(config.p2p.listen[0]) ?? 0)]
    }
    const bootstrap = ctx.values.bootstrap as string[] | undefined
    if (bootstrap !== undefined) {
      try {
        config.p2p.bootstrap = [...config.p2p.bootstrap, ...checkAddrs(bootstrap, '--bootstrap')]
      } catch (err) {
        throw new UsageError((err as Error).message, ctx.usage)
      }
    }
    if (ctx.values.mdns === true) config.p2p.mdns = true
    const logger = createLogger({ level: levelOf(flagLevel, ctx.io.env, config.logLevel), format })
    if (created) logger.info('created home', { home })
    if (p2pPort === undefined && config.p2p.listen.some((a) => listenPort(a) === 0)) {
      logger.warn('the p2p port is chosen anew at every start (port 0 in p2p.listen): invitations made before a restart name an address that no longer answers', {
        hint: `keep one with \`moor init --home ${home} --p2p-port <port> --force\` (the rest of config.json is kept)`
      })
    }

    const running = await readRunFile(home)
    if (running != null && running.pid !== process.pid && await answers(running.url)) {
      throw new ConflictError(`a node is already running on ${home}`, {
        details: `pid ${running.pid}, API at ${running.url}`,
        hint: 'stop it first (Ctrl-C or `kill <pid>`), or give this node another --home'
      })
    }

    const token = await readToken(home)
    // Loaded here so that the other commands start without LMDB, the runtime and express.
    const { createNode } = await import('../../node/index.ts')
    const { createApiServer } = await import('../../api/index.ts')
    const { installProcessGuard } = await import('../../node/process-guard.ts')
    let stopping = false
    const fatal = Promise.withResolvers<string>()
    installProcessGuard({ logger, stopping: () => stopping, onFatal: fatal.resolve })
    const moorNode = await createNode({ home, config, logger })
    const api = createApiServer({ node: moorNode, host: config.api.host, port: config.api.port, token, logger })
    let url: string
    try {
      ({ url } = await api.listen())
    } catch (err) {
      await moorNode.stop()
      throw err
    }
    await writeRunFile(home, { pid: process.pid, url, startedAt: Date.now() })

    const status = moorNode.status()
    const info = { url, home, token: tokenPath(home), pid: process.pid, nodeId: status.nodeId, p2p: status.p2p.addresses }
    if (ctx.json) {
      printJson(ctx, info)
    } else {
      printLines(ctx, [
        `Moorage node ${info.nodeId}`,
        `  api:   ${url}`,
        `  p2p:   ${info.p2p.join(' ')}`,
        `  token: ${info.token} (send as \`Authorization: Bearer <token>\`)`,
        `  home:  ${home}`,
        'press Ctrl-C to stop'
      ])
    }

    const reason = await Promise.race([nextSignal(logger).then((signal) => ({ signal })), fatal.promise.then((broken) => ({ broken }))])
    stopping = true
    if ('signal' in reason) logger.info('stopping', { signal: reason.signal })
    else logger.error(`stopping: ${reason.broken}`)
    const deadline = setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting`)
      process.exit(1)
    }, SHUTDOWN_TIMEOUT_MS)
    deadline.unref()
    try {
      await api.close()
      await moorNode.stop()
    } finally {
      await removeRunFile(home)
      clearTimeout(deadline)
    }
    logger.info('stopped')
    // The guard stays until the process exits: a late task of the stopped node must not end it.
    if ('broken' in reason) {
      ctx.io.stderr(`error: ${reason.broken}\nHint: check the disk and the store in ${home}; restart the node once it is fixed\n`)
      return 1
    }
    return 0
  }
}

/** The TCP port of a listen multiaddr, if it names one. */
function listenPort (addr: string | undefined): number | undefined {
  const m = /\/tcp\/(\d+)/.exec(addr ?? '')
  return m === null ? undefined : Number(m[1])
}

function levelOf (flag: string | undefined, env: NodeJS.ProcessEnv, fallback: LogLevel): LogLevel {
  if (flag !== undefined) return flag as LogLevel
  const fromEnv = env.MOOR_LOG
  if (fromEnv !== undefined && LEVELS.includes(fromEnv as LogLevel)) return fromEnv as LogLevel
  return fallback
}

/** Resolves with the first SIGINT/SIGTERM; a later one exits the process at once. */
function nextSignal (logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received) {
        logger.warn(`second ${signal}: exiting without a clean shutdown`)
        process.exit(130)
      }
      received = true
      resolve(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}

async function answers (url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })
    return res.ok
  } catch {
    return false
  }
}
