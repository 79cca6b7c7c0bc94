// moor app list — the applications installed on the node.

import type { ApplicationInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import type { Command } from '../command.ts'
import { bytes, printJson, printLines, table, time } from '../output.ts'

export const appList: Command = {
  path: ['app', 'list'],
  aliases: [['app', 'ls']],
  group: 'Applications',
  synopsis: 'app list',
  summary: 'List the applications installed on the node.',
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run (ctx) {
    const client = await NodeClient.fromHome(ctx.home)
    const { applications } = await client.request<{ applications: ApplicationInfo[] }>('GET', '/admin/applications')
    if (ctx.json) {
      printJson(ctx, applications)
      return 0
    }
    if (applications.length === 0) {
      printLines(ctx, ['no applications installed (install one with `moor app install <file.wasm>`)'])
      return 0
    }
    printLines(ctx, table(['ID', 'NAME', 'SIZE', 'INSTALLED', 'METHODS'], applications.map((a) => [
      a.id, a.name ?? '-', bytes(a.size), time(a.installedAt), a.methods.join(',')
    ])))
    return 0
  }
}
