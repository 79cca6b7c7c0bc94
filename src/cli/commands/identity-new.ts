// moor identity new — a new identity, bound to no context yet, to be invited with.

import type { IdentityInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'

export const identityNew: Command = {
  path: ['identity', 'new'],
  group: 'Identities',
  synopsis: 'identity new',
  summary: 'Create an identity for joining a context; give its public key to an admin of the context.',
  notes: [
    'The admin runs `moor context invite <ctx> --identity <public-key>` and hands you the',
    'invitation; `moor context join <invitation>` then binds this identity to the context.',
    'An open invitation (`--open`) needs no identity: joining makes one.'
  ],
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run (ctx) {
    const client = await NodeClient.fromHome(ctx.home)
    const identity = await client.request<IdentityInfo>('POST', '/admin/identities')
    if (ctx.json) printJson(ctx, identity)
    else {
      printLines(ctx, [identity.publicKey])
      ctx.io.stderr('give this public key to an admin of the context: moor context invite <ctx> --identity <public-key>\n')
    }
    return 0
  }
}
