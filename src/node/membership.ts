// Membership operations of this node: invite (identity-bound or open), remove a member
// (and rotate the group key), leave. Joining is in join.ts. Governance itself is decided
// by the context's anchor; these functions sign as this node's identity and make sure the
// results reach the other members.
import { randomBytes } from 'node:crypto'
import { toHex } from '../crypto/bytes.ts'
import { InvalidInputError, NotFoundError } from '../errors/index.ts'
import { roleOf, type InvitationState } from '../governance/acl.ts'
import type { DeltaDag } from '../sync/dag.ts'
import type { Governance } from './governance.ts'
import type { InvitationTarget } from '../governance/types.ts'
import type { Logger } from '../log/index.ts'
import type { Network } from '../network/index.ts'
import { DEFAULT_INVITATION_TTL_MS, LEAVE_GRACE_MS, MAX_INVITATION_TTL_MS, MAX_INVITATION_USES } from './constants.ts'
import type { ContextRecord } from './contexts.ts'
import type { Identities } from './identities.ts'
import { encodeTicket, openInvitationKey, ticketAnchor, type InvitationTicket } from './invitation.ts'
import { isChainAnchor } from './chain/registry.ts'
import type { ChainModules } from '../chain/modules.ts'
import type { Replicator } from './replication.ts'
import { signerOf } from './signer.ts'
import type { InviteResult } from './types.ts'
import { WalletLinkRefusedError } from '../wallets/errors.ts'

export interface MembershipComponents {
  /** The chain modules: an invitation names a chain-anchored context's network in its chain's terms. */
  modules: ChainModules
  governance: Governance
  /** For the data frontier a removal records (strong removal, src/sync/removal.ts). */
  dag: DeltaDag
  identities: Identities
  replicator: Replicator
  network: Network
  logger: Logger
}

export type InviteRequest =
  | { kind: 'identity', identity: Uint8Array, role: 'member' | 'reader', expiresInMs?: number, includeRpc?: boolean }
  | { kind: 'open', role: 'member' | 'reader', expiresInMs?: number, maxUses?: number, includeRpc?: boolean, /** A claim condition's canonical text (src/claims/condition.ts). */ condition?: string }
  /** A wallet account (CAIP-10, normalised by its chain module): claimed with a link made with it (src/wallets/admission.ts). */
  | { kind: 'account', account: string, role: 'member' | 'reader', expiresInMs?: number, includeRpc?: boolean }

export class Membership {
  private readonly c: MembershipComponents

  constructor (components: MembershipComponents) {
    this.c = components
  }

  /**
   * Records an invitation and returns the string to hand to the invitee. An open
   * invitation gets a fresh 32-byte secret; the log records only the public key derived
   * from it, and the string carries the secret.
   */
  async invite (ctx: ContextRecord, req: InviteRequest): Promise<InviteResult> {
    const ttl = req.expiresInMs ?? DEFAULT_INVITATION_TTL_MS
    if (!Number.isSafeInteger(ttl) || ttl <= 0 || ttl > MAX_INVITATION_TTL_MS) throw new InvalidInputError(`expiry must be a positive number of milliseconds up to ${MAX_INVITATION_TTL_MS} (365 days)`)
    const maxUses = req.kind === 'open' ? req.maxUses ?? 1 : 1
    if (!Number.isSafeInteger(maxUses) || maxUses < 1 || maxUses > MAX_INVITATION_USES) throw new InvalidInputError(`maxUses must be an integer from 1 to ${MAX_INVITATION_USES}`)
    const id = new Uint8Array(randomBytes(32))
    const expiresAt = Date.now() + ttl
    const secret = req.kind === 'open' ? new Uint8Array(randomBytes(32)) : undefined
    if (req.kind === 'account' && isChainAnchor(ctx.anchor)) throw new WalletLinkRefusedError('NotOnChain')
    const target: InvitationTarget = req.kind === 'identity'
      ? { type: 'identity', identity: req.identity }
      : req.kind === 'account' ? { type: 'account', account: req.account } : { type: 'open', key: openInvitationKey(secret!).publicKey }
    await this.c.governance.submit(ctx.id, signerOf(this.c.identities, ctx), {
      type: 'invite',
      invitation: { id, target, role: req.role, expiresAt, maxUses, ...(req.kind === 'open' && req.condition !== undefined ? { condition: req.condition } : {}) }
    })
    // Share the group key with an identity-bound invitee now, so it can read as soon as it
    // has claimed (an open claimer gets it once it is a member).
    await this.c.replicator.keyDuties(ctx.id)
    const base = { context: ctx.id, invitation: id, role: req.role, expiresAt, peers: this.c.network.addresses(), ...(isChainAnchor(ctx.anchor) ? { anchor: ticketAnchor(ctx.anchor, req.includeRpc === true) } : {}) }
    const ticket: InvitationTicket = req.kind === 'identity'
      ? { kind: 'identity', invitee: req.identity, ...base }
      : req.kind === 'account' ? { kind: 'account', account: req.account, ...base } : { kind: 'open', secret: secret!, ...base }
    this.c.logger.info('invitation recorded', { context: toHex(ctx.id), invitation: toHex(id), kind: req.kind, role: req.role, maxUses })
    return { invitation: encodeTicket(ticket, this.c.modules), id: toHex(id), kind: req.kind, role: req.role, expiresAt, maxUses }
  }

  private frontier (ctx: ContextRecord): Uint8Array[] {
    return this.c.dag.info(ctx.id)?.heads ?? []
  }

  /** Revokes an invitation nobody has used up yet: later claims of it are refused. */
  async revokeInvitation (ctx: ContextRecord, invitation: Uint8Array): Promise<InvitationState> {
    const known = this.c.governance.state(ctx.id)?.invitations.get(toHex(invitation))
    if (known === undefined) throw new NotFoundError(`context ${toHex(ctx.id)} has no invitation ${toHex(invitation)}`, { hint: `see its invitations with \`moor context governance ${toHex(ctx.id)}\`` })
    await this.c.governance.submit(ctx.id, signerOf(this.c.identities, ctx), { type: 'revokeInvitation', invitation })
    this.c.logger.info('invitation revoked', { context: toHex(ctx.id), invitation: toHex(invitation) })
    return this.c.governance.state(ctx.id)?.invitations.get(toHex(invitation)) ?? { ...known, revoked: true }
  }

  /** Removes a member; the group key is rotated at once so it cannot read what follows. */
  async remove (ctx: ContextRecord, identity: Uint8Array): Promise<void> {
    // The data heads this node has seen: from now on only the removed identity's deltas
    // in their causal past count, on every node.
    await this.c.governance.submit(ctx.id, signerOf(this.c.identities, ctx), { type: 'removeMember', identity, frontier: this.frontier(ctx) })
    await this.c.replicator.keyDuties(ctx.id)
  }

  /**
   * Records this node's `leave` op (others see it and rotate the group key). Throws
   * GovernanceRejectedError when governance refuses it (the last admin cannot leave); does
   * nothing when this node is no longer a member.
   */
  async leave (ctx: ContextRecord): Promise<void> {
    const s = this.c.governance.state(ctx.id)
    if (s === undefined || roleOf(s, ctx.identity) === undefined) return
    await this.c.governance.submit(ctx.id, signerOf(this.c.identities, ctx), { type: 'leave', frontier: this.frontier(ctx) })
    // Let the op reach the mesh before the topic is dropped.
    await new Promise((r) => setTimeout(r, LEAVE_GRACE_MS))
  }
}
