// moor init — create a node's home: config.json and the admin token.

import { configPath, initHome, tokenPath } from '../../node/config.ts'
import { DEFAULT_API_HOST, DEFAULT_API_PORT } from '../../node/constants.ts'
import { portArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'

export const init: Command = {
  path: ['init'],
  group: 'Node',
  synopsis: 'init [--api-port <port>] [--api-host <host>] [--force]',
  summary: 'Create a node\'s home: config.json and an admin token (<home>/token, mode 0600).',
  optionHelp: [
    ['--api-port <port>', `port of the HTTP API (default ${DEFAULT_API_PORT})`],
    ['--api-host <host>', `address the API binds to (default ${DEFAULT_API_HOST}; anything\nelse exposes the admin API to other machines)`],
    ['--force', 'overwrite an existing config.json and token']
  ],
  notes: ['Running it again on an initialised home changes nothing unless --force is given.'],
  options: {
    'api-port': { type: 'string' },
    'api-host': { type: 'string' },
    force: { type: 'boolean' }
  },
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run (ctx) {
    const apiPort = portArg(ctx.values['api-port'], '--api-port', ctx.usage)
    const apiHost = ctx.values['api-host'] as string | undefined
    const created = await initHome(ctx.home, {
      ...(apiPort !== undefined ? { apiPort } : {}),
      ...(apiHost !== undefined ? { apiHost } : {}),
      force: ctx.values.force === true
    })
    const result = { home: ctx.home, created, config: configPath(ctx.home), token: tokenPath(ctx.home) }
    if (ctx.json) {
      printJson(ctx, result)
    } else if (created) {
      printLines(ctx, [
        `initialised ${ctx.home}`,
        `  config: ${result.config}`,
        `  token:  ${result.token}`,
        '',
        `start the node with: moor node --home ${ctx.home}`
      ])
    } else {
      const ignored = apiPort !== undefined || apiHost !== undefined ? ' (options ignored)' : ''
      printLines(ctx, [`${ctx.home} is already initialised${ignored}; nothing changed (--force overwrites config.json and the token)`])
    }
    return 0
  }
}
