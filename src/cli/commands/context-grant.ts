// moor context grant <ctx> <identity> <capability> — grant a capability to a member.
// (`context revoke` is the same command in the other direction.)

import type { MemberInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import { capabilityArg, hexArg } from '../command.ts'
import type { Command } from '../command.ts'
import { printJson, printLines } from '../output.ts'

export const contextGrant: Command = capabilityCommand('grant')

export function capabilityCommand (verb: 'grant' | 'revoke'): Command {
  return {
    path: ['context', verb],
    group: 'Members',
    synopsis: `context ${verb} <ctx> <identity> <capability>`,
    summary: verb === 'grant' ? 'Grant a capability to a member (admins only).' : 'Revoke a capability from a member (admins only).',
    notes: [
      'Capabilities: ManageMembers (invite, remove, change roles), ManageApplication (update the',
      'application), Proxy (create proposals). Also written manage-members etc.'
    ],
    positionals: { min: 3, max: 3, names: '<ctx> <identity> <capability>' },
    async run (ctx) {
      const id = hexArg(ctx.positionals[0], '<ctx>', ctx.usage)
      const identity = hexArg(ctx.positionals[1], '<identity>', ctx.usage)
      const capability = capabilityArg(ctx.positionals[2]!, ctx.usage)
      const client = await NodeClient.fromHome(ctx.home)
      const member = await client.request<MemberInfo>(verb === 'grant' ? 'POST' : 'DELETE', `/admin/contexts/${id}/members/${identity}/capabilities/${capability}`)
      if (ctx.json) printJson(ctx, member)
      else printLines(ctx, [`${verb === 'grant' ? 'granted' : 'revoked'} ${capability}: ${identity} is a ${member.role} with ${member.capabilities.join(', ') || 'no capabilities'}`])
      return 0
    }
  }
}
