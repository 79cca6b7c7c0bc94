// moor app install <file.wasm> [--name <name>] — upload a WASM application to the node.

import { readFile } from 'node:fs/promises'
import { basename, extname, resolve } from 'node:path'
import { MoorageError } from '../../errors/index.ts'
import type { ApplicationInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import type { Command } from '../command.ts'
import { bytes, fields, printJson, printLines } from '../output.ts'

export const appInstall: Command = {
  path: ['app', 'install'],
  group: 'Applications',
  synopsis: 'app install <file.wasm> [--name <name>]',
  summary: 'Install a WASM application on the node; prints its id (the sha256 of the module).',
  optionHelp: [['--name <name>', 'display name (default: the file name without .wasm)']],
  options: { name: { type: 'string' } },
  positionals: { min: 1, max: 1, names: '<file.wasm>' },
  async run (ctx) {
    const file = resolve(ctx.positionals[0])
    let wasm: Uint8Array<ArrayBuffer>
    try {
      wasm = new Uint8Array(await readFile(file))
    } catch (err) {
      throw new MoorageError(`cannot read ${file}`, { details: (err as Error).message, cause: err })
    }
    const name = (ctx.values.name as string | undefined) ?? basename(file, extname(file))
    const client = await NodeClient.fromHome(ctx.home)
    const app = await client.request<ApplicationInfo>('POST', '/admin/applications', {
      query: { name },
      raw: wasm,
      contentType: 'application/wasm'
    })
    if (ctx.json) {
      printJson(ctx, app)
      return 0
    }
    printLines(ctx, [
      `installed ${app.name ?? '(unnamed)'}`,
      ...fields([
        ['id', app.id],
        ['size', bytes(app.size)],
        ['methods', app.methods.join(', ') || '(none)']
      ]).map((l) => '  ' + l)
    ])
    return 0
  }
}
