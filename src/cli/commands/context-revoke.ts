// moor context revoke <ctx> <identity> <capability> — revoke a capability from a member.

import type { Command } from '../command.ts'
import { capabilityCommand } from './context-grant.ts'

export const contextRevoke: Command = capabilityCommand('revoke')
