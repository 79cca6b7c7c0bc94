// The governance audit of a context: its state (application, threshold, values,
// invitations) and every operation in the deterministic evaluation order, accepted or
// rejected, with the reason for each rejection — so a user can see why an op did not
// take effect (e.g. the loser of a concurrent mutual removal).
import { toHex } from '../crypto/bytes.ts'
import { NotFoundError } from '../errors/index.ts'
import type { Governance } from './governance.ts'
import type { OpAction } from '../governance/offchain/op.ts'
import type { ContextRecord } from './contexts.ts'
import { govActionInfo, invitationInfo, summarize, valueInfo } from './describe.ts'
import type { GovernanceInfo, GovernanceOpInfo, GovernanceQuery } from './types.ts'

export function governanceAudit (governance: Governance, ctx: ContextRecord, query: GovernanceQuery = {}): GovernanceInfo {
  const s = governance.state(ctx.id)
  if (s === undefined) throw new NotFoundError(`context ${toHex(ctx.id)} has no governance log on this node`)
  const history = governance.entries(ctx.id)
  let ops: GovernanceOpInfo[] = []
  for (const e of history) {
    if (query.rejected === true && e.accepted) continue
    const action = govActionInfo(e.action as OpAction)
    ops.push({
      id: e.id,
      position: e.position,
      author: toHex(e.author),
      nonce: e.nonce,
      at: e.at,
      parents: e.parents,
      action,
      accepted: e.accepted,
      reason: e.reason,
      summary: summarize(action)
    })
  }
  if (query.limit !== undefined) ops = ops.slice(Math.max(0, ops.length - query.limit))
  return {
    contextId: toHex(ctx.id),
    application: toHex(s.application),
    revision: s.revision,
    threshold: s.threshold,
    activeLimit: s.activeLimit,
    values: [...s.values].map(([k, v]) => valueInfo(new Uint8Array(Buffer.from(k, 'hex')), v)),
    invitations: [...s.invitations.values()].map((i) => invitationInfo(i, s.members)),
    ops,
    total: history.length
  }
}
