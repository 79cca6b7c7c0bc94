// Governance requests made by application calls (moor.propose and moor.approve, see
// docs/abi.md). Governance is not part of a call's CRDT transaction — on a chain it is a
// transaction of its own — so a call only records its requests; they are submitted, in
// the order the call made them, once the call's commit is durable, and each one's
// outcome is reported in the call's result. A call that fails records nothing.
import { toHex, fromUtf8 } from '../crypto/bytes.ts'
import { HostCallError, InvalidInputError, MoorageError, NotFoundError } from '../errors/index.ts'
import type { ChainProposalAction, ProposalAction } from '../governance/types.ts'
import type { Logger } from '../log/index.ts'
import type { Contexts } from './contexts.ts'
import type { Identities } from './identities.ts'
import { parseProposalActions, type Proposals } from './proposals.ts'
import type { CallGovernanceInfo, ProposalActionInfo } from './types.ts'

/** A governance request recorded during a call, to submit after its commit. */
export type GovernanceRequest =
  | { type: 'propose', context: Uint8Array, identity: Uint8Array, proposal: Uint8Array, actions: Array<ProposalAction | ChainProposalAction> }
  | { type: 'approve', context: Uint8Array, identity: Uint8Array, proposal: Uint8Array }

const ACTIONS_HINT = 'pass a JSON array of proposal actions in the form the REST API takes, e.g. [{"type":"setValue","key":"topic","value":"launch"}] (docs/governance.md)'

/**
 * The actions a call passed to moor.propose (UTF-8 JSON), checked as the REST API checks
 * them; anything wrong fails the call with a HostCallError that says what.
 */
export function parseActionsJson (bytes: Uint8Array): Array<ProposalAction | ChainProposalAction> {
  let json: unknown
  try {
    json = JSON.parse(fromUtf8(bytes))
  } catch (err) {
    throw new HostCallError(`propose: the actions are not valid UTF-8 JSON: ${(err as Error).message}`, { hint: ACTIONS_HINT })
  }
  try {
    return parseProposalActions(json as ProposalActionInfo[])
  } catch (err) {
    if (err instanceof InvalidInputError) throw new HostCallError(`propose: invalid actions: ${err.shortMessage}`, { hint: ACTIONS_HINT })
    throw err
  }
}

export interface CallGovernanceParts {
  contexts: Contexts
  identities: Identities
  proposals: Proposals
  log: Logger
}

/**
 * Submits a committed call's governance requests one after the other, each signed by
 * the identity that executed the call in that context. A refusal does not stop the
 * requests after it; it is logged and reported as `refused` with the reason.
 */
export async function submitCallGovernance (p: CallGovernanceParts, requests: readonly GovernanceRequest[], method: string): Promise<CallGovernanceInfo[]> {
  const out: CallGovernanceInfo[] = []
  for (const r of requests) out.push(await submitOne(p, r, method))
  return out
}

async function submitOne (p: CallGovernanceParts, r: GovernanceRequest, method: string): Promise<CallGovernanceInfo> {
  const base = { type: r.type, contextId: toHex(r.context), identity: toHex(r.identity), proposal: toHex(r.proposal) }
  try {
    const ctx = p.contexts.get(r.context)
    const signer = p.identities.get(ctx.id, r.identity)
    if (signer === undefined) throw new NotFoundError(`identity ${base.identity} is no longer held by this node in context ${base.contextId}`)
    const info = r.type === 'propose'
      ? await p.proposals.propose(ctx, r.actions, { signer, proposal: r.proposal })
      : await p.proposals.approve(ctx, r.proposal, { signer })
    return { ...base, status: info.status, reason: info.reason, error: null }
  } catch (err) {
    const reason = err instanceof MoorageError ? err.shortMessage : err instanceof Error ? err.message : String(err)
    const error = err instanceof Error ? err.name : 'Error'
    p.log.warn('a governance request made by an application call was refused', { context: base.contextId, method, request: r.type, proposal: base.proposal, identity: base.identity, error, reason })
    return { ...base, status: 'refused', reason, error }
  }
}
