// moor init — create a node's home: config.json and the admin token.

import { existsSync } from 'node:fs'
import { silentLogger } from '../../log/index.ts'
import { configPath, initHome, loadConfig, tokenPath } from '../../node/config.ts'
import { urlFor } from '../client.ts'
import { DEFAULT_API_HOST, DEFAULT_API_PORT } from '../../node/constants.ts'
import { portArg } from '../command.ts'
import type { Command } from '../command.ts'
import { readRunFile } from '../runfile.ts'
import { printJson, printLines } from '../output.ts'

export const init: Command = {
  path: ['init'],
  group: 'Node',
  synopsis: 'init [--api-port <port>] [--api-host <host>] [--p2p-port <port>] [--force]',
  summary: 'Create a node\'s home: config.json and an admin token (<home>/token, mode 0600).',
  optionHelp: [
    ['--api-port <port>', `port of the HTTP API (default ${DEFAULT_API_PORT})`],
    ['--api-host <host>', `address the API binds to (default ${DEFAULT_API_HOST}; anything\nelse exposes the admin API to other machines)`],
    ['--p2p-port <port>', 'peer-to-peer TCP port (default: a free port, chosen now and kept, so\nthat invitations stay valid across restarts; 0: a new one at each start)'],
    ['--force', 'on an initialised home: set the options given in config.json, keeping\nevery other field (chains, bootstrap peers, limits) and the admin token']
  ],
  notes: [
    'Running it again on an initialised home changes nothing unless --force is given.',
    'A config.json that does not load is replaced by --force and kept as config.json.bak.'
  ],
  options: {
    'api-port': { type: 'string' },
    'api-host': { type: 'string' },
    'p2p-port': { type: 'string' },
    force: { type: 'boolean' }
  },
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run (ctx) {
    const apiPort = portArg(ctx.values['api-port'], '--api-port', ctx.usage)
    const apiHost = ctx.values['api-host'] as string | undefined
    const p2pPort = portArg(ctx.values['p2p-port'], '--p2p-port', ctx.usage)
    const force = ctx.values.force === true
    const existed = existsSync(configPath(ctx.home))
    const created = await initHome(ctx.home, {
      ...(apiPort !== undefined ? { apiPort } : {}),
      ...(apiHost !== undefined ? { apiHost } : {}),
      ...(p2pPort !== undefined ? { p2pPort } : {}),
      force
    })
    const config = await loadConfig(ctx.home, { logger: silentLogger })
    const result = {
      home: ctx.home,
      created,
      config: configPath(ctx.home),
      token: tokenPath(ctx.home),
      api: config.api,
      p2p: { listen: config.p2p.listen }
    }
    // Ports and hosts are taken at start: a node running on the home keeps the old ones.
    const running = existed && created ? await readRunFile(ctx.home) : null
    if (ctx.json) {
      printJson(ctx, { ...result, ...(running !== null ? { restartNeeded: running.pid } : {}) })
    } else if (created) {
      printLines(ctx, [
        existed ? `updated ${ctx.home} (every other field of config.json and the token kept)` : `initialised ${ctx.home}`,
        `  config: ${result.config}`,
        `  token:  ${result.token}`,
        `  api:    ${urlFor(config.api.host, config.api.port)}`,
        `  p2p:    ${config.p2p.listen.join(' ')}`,
        '',
        running !== null
          ? `a node is running on this home (pid ${running.pid}): it uses the new ports once restarted (stop it, then \`moor node --home ${ctx.home}\`)`
          : `start the node with: moor node --home ${ctx.home}`
      ])
    } else {
      const options = apiPort !== undefined || apiHost !== undefined || p2pPort !== undefined
      printLines(ctx, [`${ctx.home} is already initialised; nothing changed${options ? ' (--force sets the options given and keeps the rest of config.json and the token)' : ''}`])
    }
    return 0
  }
}
