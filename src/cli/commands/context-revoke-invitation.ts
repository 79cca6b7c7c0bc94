// moor context revoke-invitation <ctx> <invitation-id> — nobody can claim it afterwards.

import type { InvitationInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'

export const contextRevokeInvitation: Command = {
  path: ['context', 'revoke-invitation'],
  group: 'Members',
  synopsis: 'context revoke-invitation <ctx> <invitation-id>',
  summary: 'Revoke an invitation (needs ManageMembers): later claims of it are refused.',
  notes: ['The id is printed by `moor context invite`; `moor context governance <ctx>` lists the invitations.'],
  positionals: { min: 2, max: 2, names: '<ctx> <invitation-id>' },
  async run (ctx) {
    const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
    const invitation = hexArg(ctx.positionals[1], '<invitation-id>', ctx.usage)
    const client = await NodeClient.fromHome(ctx.home)
    const info = await client.request<InvitationInfo>('DELETE', `/admin/contexts/${id}/invitations/${invitation}`)
    if (ctx.json) printJson(ctx, info)
    else printLines(ctx, [`revoked invitation ${info.id} (${info.kind}, ${info.uses} of ${info.maxUses} uses taken)`])
    return 0
  }
}
