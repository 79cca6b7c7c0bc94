// Proposals of a context: governance actions (threshold, active-proposals limit, admins,
// context values, deleting a proposal) that execute once enough current admins approve.
// The author's approval counts when it is an admin, so with a threshold of 1 an admin's
// proposal executes at once.
import { randomBytes } from 'node:crypto'
import { amountHelp } from '../chain/amount.ts'
import { parseId } from '../chain/ids.ts'
import type { ChainModule } from '../chain/module.ts'
import type { ChainModules } from '../chain/modules.ts'
import { parseHex, toHex, utf8 } from '../crypto/bytes.ts'
import { InvalidInputError, NotFoundError } from '../errors/index.ts'
import { countedApprovals, MAX_PROPOSAL_ACTIONS, roleOf, type GovState } from '../governance/acl.ts'
import type { GovEntry, Governance } from './governance.ts'
import type { Signer } from '../governance/anchor.ts'
import type { OpAction } from '../governance/offchain/op.ts'
import type { ChainProposalAction, GovAction, ProposalAction, ProposalRecord } from '../governance/types.ts'
import type { ContextRecord } from './contexts.ts'
import { proposalActionInfo } from './describe.ts'
import type { Identities } from './identities.ts'
import { signerOf } from './signer.ts'
import type { ProposalActionInfo, ProposalInfo } from './types.ts'

export interface ProposalsComponents {
  governance: Governance
  identities: Identities
  /** The chain modules: a chain-anchored context's call targets and amounts are checked by its chain's. */
  modules: ChainModules
}

/** Largest key (bytes) and value (bytes) of a setValue action. */
export const MAX_VALUE_KEY_BYTES = 1024
export const MAX_VALUE_BYTES = 64 * 1024
/** Longest call target or recipient taken before its chain's module checks it. */
const MAX_CHAIN_ID_LENGTH = 256

export class Proposals {
  private readonly c: ProposalsComponents

  constructor (components: ProposalsComponents) {
    this.c = components
  }

  /**
   * Proposes `actions`, signed by `options.signer` (default: this node's identity in the
   * context) under `options.proposal` (default: a fresh random id).
   */
  async propose (ctx: ContextRecord, actions: Array<ProposalAction | ChainProposalAction>, options: { signer?: Signer, proposal?: Uint8Array } = {}): Promise<ProposalInfo> {
    const chainOnly = actions.find((a) => a.type === 'call' || a.type === 'transfer')
    if (chainOnly !== undefined && ctx.anchor.kind === 'offchain') {
      throw new InvalidInputError(`a ${chainOnly.type} action needs a chain-anchored context: an off-chain context holds no funds and calls no contract`)
    }
    const proposal = options.proposal ?? new Uint8Array(randomBytes(32))
    const checked = ctx.anchor.kind === 'offchain' ? actions : checkChainActions(actions, this.c.modules.get(ctx.anchor.kind))
    // A chain's adapter takes its own actions too (ChainProposalAction).
    await this.c.governance.submit(ctx.id, options.signer ?? signerOf(this.c.identities, ctx), { type: 'propose', proposal, actions: checked } as GovAction)
    return this.get(ctx, proposal)
  }

  /** Approves `proposal`, signed by `options.signer` (default: this node's identity in the context). */
  async approve (ctx: ContextRecord, proposal: Uint8Array, options: { signer?: Signer } = {}): Promise<ProposalInfo> {
    this.get(ctx, proposal) // NotFoundError for an id never proposed
    await this.c.governance.submit(ctx.id, options.signer ?? signerOf(this.c.identities, ctx), { type: 'approve', proposal })
    return this.get(ctx, proposal)
  }

  /** Open proposals, oldest first. */
  list (ctx: ContextRecord): ProposalInfo[] {
    const s = this.state(ctx)
    return [...s.proposals.values()].sort((a, b) => a.createdAt - b.createdAt).map((p) => this.open(ctx, s, p))
  }

  /** One proposal: open, or closed with its outcome. */
  get (ctx: ContextRecord, proposal: Uint8Array): ProposalInfo {
    const s = this.state(ctx)
    const hex = toHex(proposal)
    const open = s.proposals.get(hex)
    if (open !== undefined) return this.open(ctx, s, open)
    let proposed: GovEntry | undefined
    const approvers: string[] = []
    for (const e of this.c.governance.entries(ctx.id)) {
      if (!e.accepted) continue
      const a = e.action as OpAction
      if (a.type === 'propose' && toHex(a.proposal) === hex) {
        proposed = e
        approvers.length = 0
        // The author's approval counted if it was an admin where it proposed.
        const before = e.before()
        if (before !== undefined && roleOf(before, e.author) === 'admin') approvers.push(toHex(e.author))
      } else if (proposed !== undefined && a.type === 'approve' && toHex(a.proposal) === hex) {
        approvers.push(toHex(e.author))
      }
    }
    const action = proposed?.action as OpAction | undefined
    if (proposed === undefined || action?.type !== 'propose') {
      throw new NotFoundError(`context ${toHex(ctx.id)} has no proposal ${hex}`, { hint: `list open proposals with \`moor proposal list ${toHex(ctx.id)}\`` })
    }
    const outcome = s.history.findLast((h) => h.proposal === hex)
    return {
      id: hex,
      contextId: toHex(ctx.id),
      author: toHex(proposed.author),
      actions: action.actions.map((a) => proposalActionInfo(a, this.unitOf(ctx))),
      createdAt: proposed.at,
      status: outcome === undefined ? 'deleted' : outcome.outcome,
      approvals: approvers,
      counted: approvers.filter((a) => s.members.get(a)?.role === 'admin').length,
      threshold: s.threshold,
      reason: outcome?.reason ?? null,
      closedAt: outcome?.at ?? null
    }
  }

  private open (ctx: ContextRecord, s: GovState, p: ProposalRecord): ProposalInfo {
    return {
      id: toHex(p.id),
      contextId: toHex(ctx.id),
      author: toHex(p.author),
      actions: p.actions.map((a) => proposalActionInfo(a, this.unitOf(ctx))),
      createdAt: p.createdAt,
      status: 'open',
      approvals: p.approvals.map(toHex),
      counted: countedApprovals(s, p),
      threshold: s.threshold,
      reason: null,
      closedAt: null
    }
  }

  /** The amount unit of a chain-anchored context's chain. */
  private unitOf (ctx: ContextRecord): string | undefined {
    return ctx.anchor.kind === 'offchain' ? undefined : this.c.modules.find(ctx.anchor.kind)?.amount.unit
  }

  private state (ctx: ContextRecord): GovState {
    const s = this.c.governance.state(ctx.id)
    if (s === undefined) throw new NotFoundError(`context ${toHex(ctx.id)} has no governance log on this node`)
    return s
  }
}

/**
 * A chain-anchored context's call and transfer actions in its chain's terms: the target
 * and recipient are ids of that chain (normalised by its module), the amounts within its
 * bound; InvalidInputError names the offending action.
 */
function checkChainActions (actions: Array<ProposalAction | ChainProposalAction>, m: ChainModule): Array<ProposalAction | ChainProposalAction> {
  return actions.map((a, i) => {
    const bad = (why: string): never => { throw new InvalidInputError(`actions[${i}]: ${why}`) }
    const amount = (v: bigint, what: string): bigint => v <= m.amount.max ? v : bad(`${what} must be ${amountHelp(m.amount)}, at most ${m.amount.max}`)
    if (a.type === 'call') {
      const target = parseId(m.contract, a.target) ?? bad(`target must be ${m.contract.description}`)
      return { ...a, target, ...(a.value !== undefined ? { value: amount(a.value, 'value') } : {}) }
    }
    if (a.type === 'transfer') return { ...a, to: parseId(m.account, a.to) ?? bad(`to must be ${m.account.description}`), amount: amount(a.amount, 'amount') }
    return a
  })
}

/**
 * Checks proposal actions given in JSON form; InvalidInputError names the offending one.
 * Call targets, recipients and amounts are checked for shape here and in their chain's
 * terms when proposed (the context's chain module decides).
 */
export function parseProposalActions (actions: ProposalActionInfo[]): Array<ProposalAction | ChainProposalAction> {
  if (!Array.isArray(actions) || actions.length === 0 || actions.length > MAX_PROPOSAL_ACTIONS) {
    throw new InvalidInputError(`a proposal carries 1 to ${MAX_PROPOSAL_ACTIONS} actions`)
  }
  return actions.map((a, i) => parseAction(a, `actions[${i}]`))
}

function parseAction (a: ProposalActionInfo, where: string): ProposalAction | ChainProposalAction {
  const bad = (why: string): never => { throw new InvalidInputError(`${where}: ${why}`) }
  const count = (v: unknown, what: string): number => (Number.isSafeInteger(v) && (v as number) >= 1 ? v as number : bad(`${what} must be a positive integer`))
  const id = (v: unknown, what: string): Uint8Array => (typeof v === 'string' ? parseHex(v, 32) : undefined) ?? bad(`${what} must be a 64-character hex id`)
  const address = (v: unknown, what: string): string => typeof v === 'string' && v.length > 0 && v.length <= MAX_CHAIN_ID_LENGTH ? v : bad(`${what} must be an id on the context's chain (a non-empty string of at most ${MAX_CHAIN_ID_LENGTH} characters)`)
  // Amounts as decimal strings of the chain's smallest unit: JSON numbers cannot hold them.
  const amount = (v: unknown, what: string): bigint => typeof v === 'string' && /^[0-9]{1,80}$/.test(v) ? BigInt(v) : bad(`${what} must be a decimal string of the chain's smallest unit, e.g. "1000000000000000000"`)
  if (typeof a !== 'object' || a === null) return bad('must be an object')
  switch (a.type) {
    case 'setThreshold': return { type: a.type, threshold: count(a.threshold, 'threshold') }
    case 'setActiveLimit': return { type: a.type, limit: count(a.limit, 'limit') }
    case 'addAdmin':
    case 'removeAdmin': return { type: a.type, identity: id(a.identity, 'identity') }
    case 'deleteProposal': return { type: a.type, proposal: id(a.proposal, 'proposal') }
    case 'setValue': {
      const hex = a.encoding === 'hex'
      if (a.encoding !== undefined && a.encoding !== 'hex' && a.encoding !== 'utf8') bad('encoding must be utf8 or hex')
      const bytes = (v: unknown, what: string, max: number): Uint8Array => {
        if (typeof v !== 'string') return bad(`${what} must be a string`)
        const b = hex ? (/^([0-9a-f]{2})*$/i.test(v) ? parseHex(v) : undefined) : utf8(v)
        if (b === undefined) return bad(`${what} must be hex`)
        if (b.byteLength > max) return bad(`${what} is longer than ${max} bytes`)
        return b
      }
      const key = bytes(a.key, 'key', MAX_VALUE_KEY_BYTES)
      if (key.byteLength === 0) bad('key must not be empty')
      return { type: a.type, key, value: bytes(a.value, 'value', MAX_VALUE_BYTES) }
    }
    case 'call': {
      const value = amount(a.value ?? '0', 'value')
      const data = typeof a.data === 'string' && /^(0x)?([0-9a-f]{2})*$/i.test(a.data) ? parseHex(a.data.replace(/^0x/i, '')) : undefined
      if (data === undefined && a.data !== undefined) bad('data must be hex bytes')
      if (data !== undefined && data.byteLength > MAX_VALUE_BYTES) bad(`data is longer than ${MAX_VALUE_BYTES} bytes`)
      return { type: a.type, target: address(a.target, 'target'), value, ...(data !== undefined ? { data } : {}) }
    }
    case 'transfer': return { type: a.type, to: address(a.to, 'to'), amount: amount(a.amount, 'amount') }
    default: return bad(`unknown action type ${JSON.stringify((a as { type?: unknown }).type)}; one of setThreshold, setActiveLimit, addAdmin, removeAdmin, setValue, deleteProposal, call, transfer`)
  }
}
