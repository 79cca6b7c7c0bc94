// Membership operations of this node: invite by identity, join with an invitation,
// remove a member (and rotate the group key), leave. Governance itself is decided by the
// context's anchor; these functions sign as this node's identity and make sure the
// results reach the other members.
import { randomBytes } from 'node:crypto'
import { equalBytes, toHex } from '../crypto/bytes.ts'
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors/index.ts'
import { roleOf } from '../governance/acl.ts'
import type { OffchainAnchor } from '../governance/offchain/index.ts'
import type { Logger } from '../log/index.ts'
import type { Network } from '../network/index.ts'
import type { Store } from '../store/index.ts'
import type { DeltaDag } from '../sync/dag.ts'
import { DEFAULT_INVITATION_TTL_MS, MEMBERSHIP_WAIT_MS } from './constants.ts'
import type { ContextRecord, Contexts } from './contexts.ts'
import type { Identities } from './identities.ts'
import { UNBOUND } from './identities.ts'
import { decodeTicket, encodeTicket } from './invitation.ts'
import type { Replicator, SyncProgress } from './replication.ts'

export interface MembershipComponents {
  store: Store
  governance: OffchainAnchor
  identities: Identities
  contexts: Contexts
  dag: DeltaDag
  replicator: Replicator
  network: Network
  logger: Logger
}

export interface InviteRequest {
  identity: Uint8Array
  role: 'member' | 'reader'
  expiresInMs?: number
}

export class Membership {
  private readonly c: MembershipComponents

  constructor (components: MembershipComponents) {
    this.c = components
  }

  private signer (ctx: ContextRecord) {
    const me = this.c.identities.get(ctx.id, ctx.identity)
    if (me === undefined) throw new NotFoundError(`this node holds no identity in context ${toHex(ctx.id)}`)
    return me
  }

  /** Records an identity-bound invitation and returns the string to hand to the invitee. */
  async invite (ctx: ContextRecord, req: InviteRequest): Promise<{ invitation: string, id: string, expiresAt: number }> {
    const ttl = req.expiresInMs ?? DEFAULT_INVITATION_TTL_MS
    if (!Number.isInteger(ttl) || ttl <= 0) throw new InvalidInputError('expiry must be a positive duration')
    const id = new Uint8Array(randomBytes(32))
    const expiresAt = Date.now() + ttl
    await this.c.governance.submit(ctx.id, this.signer(ctx), {
      type: 'invite',
      invitation: { id, target: { type: 'identity', identity: req.identity }, role: req.role, expiresAt, maxUses: 1 }
    })
    // Share the group key with the invitee now, so it can read as soon as it has claimed.
    await this.c.replicator.keyDuties(ctx.id)
    const ticket = { context: ctx.id, invitation: id, invitee: req.identity, role: req.role, expiresAt, peers: this.c.network.addresses() }
    return { invitation: encodeTicket(ticket), id: toHex(id), expiresAt }
  }

  /**
   * Joins a context with an invitation naming one of this node's unbound identities:
   * fetches the governance log from the inviter's peers, claims the invitation, waits for
   * the group key, then catches up (application, state).
   */
  async join (text: string, onProgress?: (p: SyncProgress) => void): Promise<ContextRecord> {
    const t = decodeTicket(text)
    if (t.expiresAt <= Date.now()) throw new InvalidInputError(`the invitation expired at ${new Date(t.expiresAt).toISOString()}`)
    if (this.c.contexts.find(t.context) !== undefined) throw new InvalidInputError(`this node is already in context ${toHex(t.context)}`)
    const me = this.c.identities.get(UNBOUND, t.invitee)
    if (me === undefined) {
      throw new NotFoundError(`the invitation names identity ${toHex(t.invitee)}, which this node does not hold`, { hint: 'create an identity with `moor identity new` and have the admin invite that public key' })
    }
    const peers: string[] = []
    for (const addr of t.peers) {
      try { peers.push(await this.c.network.dial(addr)) } catch (err) { this.c.logger.debug('could not dial invitation peer', { addr, error: (err as Error).message }) }
    }
    if (peers.length === 0) throw new NotFoundError('none of the peers named in the invitation could be reached', { details: t.peers.join(', ') })
    let source: string | undefined
    for (const peer of peers) {
      try { await this.c.replicator.syncGov(peer, t.context, me); source = peer; break } catch (err) { this.c.logger.debug('governance fetch failed', { peer, error: (err as Error).message }) }
    }
    const state = this.c.governance.state(t.context)
    if (source === undefined || state === undefined) throw new NotFoundError('could not fetch the context\'s governance from the invitation\'s peers')
    const inv = state.invitations.get(toHex(t.invitation))
    if (inv === undefined || inv.target.type !== 'identity' || !equalBytes(inv.target.identity, t.invitee)) throw new ForbiddenError('the context has no such invitation for this identity')
    // Bind the identity and create the local record, then claim.
    await this.c.store.transaction(() => {
      this.c.identities.bind(t.invitee, t.context)
      this.c.contexts.put({ id: t.context, applicationId: state.application, createdAt: Date.now(), identity: t.invitee, xcallGrants: [], anchor: { kind: 'offchain' } })
      this.c.dag.init(t.context)
    })
    const receipt = await this.c.governance.submit(t.context, me, { type: 'claim', invitation: t.invitation })
    const claim = this.c.governance.dag(t.context).history().find(({ op }) => toHex(op.id) === receipt.id)!.op
    await this.c.replicator.push(source, t.context, [claim], me)
    // The inviter shares the group key; keep fetching governance until it arrives.
    const deadline = Date.now() + MEMBERSHIP_WAIT_MS
    while (this.c.replicator.keyring(t.context).current === undefined) {
      if (Date.now() > deadline) throw new NotFoundError('joined, but no group key arrived yet; the context will sync once an existing member shares it', { hint: 'keep the node running; check `moor context sync-status`' })
      await new Promise((r) => setTimeout(r, 150))
      await this.c.replicator.syncGov(source, t.context).catch(() => {})
    }
    this.c.replicator.refresh(t.context)
    await this.c.replicator.syncWith(source, t.context, onProgress)
    this.c.logger.info('joined context', { context: toHex(t.context), role: t.role })
    return this.c.contexts.get(t.context)
  }

  /** Removes a member; the group key is rotated at once so it cannot read what follows. */
  async remove (ctx: ContextRecord, identity: Uint8Array): Promise<void> {
    await this.c.governance.submit(ctx.id, this.signer(ctx), { type: 'removeMember', identity })
    await this.c.replicator.keyDuties(ctx.id)
  }

  /** Leaves the context (a `leave` op others will see), then deletes it locally. */
  async leave (ctx: ContextRecord): Promise<void> {
    const s = this.c.governance.state(ctx.id)
    if (s !== undefined && roleOf(s, ctx.identity) !== undefined) {
      await this.c.governance.submit(ctx.id, this.signer(ctx), { type: 'leave' })
      // Let the op reach the mesh before the topic is dropped.
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}
