// Joining a context with an invitation string (see invitation.ts):
//   identity-bound: the string names one of this node's unbound identities; the node
//     fetches the governance log as that invitee, binds the identity and claims.
//   open: the string carries the invitation secret; the node makes a new identity, fetches
//     the log by proving knowledge of the secret (a signature by the invitation key over
//     the context, the invitation and the new identity), then claims by commit–reveal:
//     commitClaim (a hash of the proof) first, pushed to the peer; revealClaim (the proof)
//     after, pushed too. The proof names the claimer, so whoever sees it cannot use it.
// Both then wait for an existing member to share the group key and catch up (application,
// state). A join that fails before its claim leaves nothing behind.
import { equalBytes, toHex } from '../crypto/bytes.ts'
import { generateKeyPair, sign, type KeyPair } from '../crypto/ed25519.ts'
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, RemovedFromContextError } from '../errors/index.ts'
import { GovernanceRejectedError } from '../governance/anchor.ts'
import { claimCommitment, claimMessage } from '../governance/acl.ts'
import type { InvitationTarget } from '../governance/types.ts'
import { confirmedView } from './chain/index.ts'
import type { ChainAnchorRef, ChainRegistry } from './chain/registry.ts'
import type { Governance } from './governance.ts'
import type { GovOp, OpAction } from '../governance/offchain/op.ts'
import type { Logger } from '../log/index.ts'
import type { Network } from '../network/index.ts'
import type { Store } from '../store/index.ts'
import type { DeltaDag } from '../sync/dag.ts'
import { JOIN_POLL_MS, MEMBERSHIP_WAIT_MS } from './constants.ts'
import type { ContextRecord, Contexts } from './contexts.ts'
import type { Identities } from './identities.ts'
import { UNBOUND } from './identities.ts'
import { decodeTicket, openInvitationKey, type AccountTicket, type IdentityTicket, type OpenTicket, type TicketAnchor } from './invitation.ts'
import type { WalletClaim } from '../sync/params.ts'
import type { WalletService } from '../wallets/service.ts'
import type { WalletSubmit } from '../wallets/types.ts'
import { normalizeAccount } from '../wallets/account.ts'
import { WalletLinkRefusedError } from '../wallets/errors.ts'
import { encodeLink, type SignedWalletLink } from '../wallets/record.ts'
import { formatNetworkId } from '../chain/caip.ts'
import type { InvitationClaim, OpenClaim, Replicator } from './replication.ts'
import { forgetContext } from './forget.ts'
import { removalOf } from './removed.ts'
import type { JoinOptions, SyncProgressEvent } from './types.ts'
import type { Claims } from '../claims/service.ts'
import { conditionStatement, conditionUnmet, describeCondition, parseCondition } from '../claims/condition.ts'
import { CLAIM_REFUSED, ClaimRefusedError } from '../claims/errors.ts'
import { encodeEvidence, evidenceMismatch, type ClaimEvidence } from '../claims/evidence.ts'
import { parseAccountId } from '../chain/caip.ts'
import { signIdentity } from '../wallets/links.ts'

export interface JoinComponents {
  store: Store
  governance: Governance
  registry: ChainRegistry
  identities: Identities
  contexts: Contexts
  dag: DeltaDag
  replicator: Replicator
  network: Network
  /** Proves a gated invitation's claim before the reveal is sent (the block it pins). */
  claims: Claims
  wallets: WalletService
  logger: Logger
}

/** What a claimant of a gated open invitation brings: its identity and its wallet's part of a link. */
export interface GatedClaim {
  identity?: Uint8Array
  walletLink?: { account: string, statement: unknown, proof: unknown }
}

type Progress = ((p: SyncProgressEvent) => void) | undefined

const REFUSED = /(?:open|wallet) invitation refused: (.*)/

/** What to try when the invitation's peers do not serve the context. */
const FIND_MEMBERS_HINT = 'is the inviter\'s node running? If it listens elsewhere now, start this node with `--bootstrap <multiaddr of any member\'s node>` (or `--mdns` on a local network) and join again: the inviter is found by its peer id, and any member\'s node can serve the context'

export class Joiner {
  private readonly c: JoinComponents

  constructor (components: JoinComponents) {
    this.c = components
  }

  async join (text: string, options: JoinOptions = {}, gated: GatedClaim = {}): Promise<ContextRecord> {
    const { onProgress, rpc, wallet } = options
    const t = decodeTicket(text, this.c.registry.modules)
    if (t.expiresAt <= Date.now()) throw new InvalidInputError(`the invitation expired at ${new Date(t.expiresAt).toISOString()}`)
    const existing = this.c.contexts.find(t.context)
    const removed = existing === undefined ? null : removalOf(this.c.governance, existing)
    if (existing !== undefined && removed === null) throw new ConflictError(`this node is already in context ${toHex(t.context)}`)
    if (existing !== undefined && options.freshIdentity !== true) {
      throw new RemovedFromContextError(`this node was removed from context ${toHex(t.context)} by ${removed!.by} (governance position ${removed!.position})`, {
        details: 'joining again drops this node\'s copy of the context (as `moor context delete` does) and joins with the invitation\'s identity',
        hint: 'join again with `moor context join <invitation> --fresh-identity`'
      })
    }
    if (t.kind !== 'account' && wallet !== undefined) throw new InvalidInputError('a wallet signature is for invitations naming a wallet account; this one does not')
    if (t.kind !== 'open' && (gated.identity !== undefined || gated.walletLink !== undefined)) throw new InvalidInputError('identity and walletLink are for open invitations')
    const chosen = gated.identity === undefined ? undefined : this.c.identities.get(UNBOUND, gated.identity)
    if (gated.identity !== undefined && chosen === undefined) throw new NotFoundError(`this node holds no unbound identity ${toHex(gated.identity)}`, { hint: 'make one with `moor identity new`' })
    const byWallet = t.kind === 'account' ? await this.walletLink(t, wallet) : undefined
    const me = t.kind === 'identity' ? this.unbound(t) : byWallet?.identity ?? chosen ?? generateKeyPair()
    if (existing !== undefined) {
      this.c.logger.info('dropping this node\'s copy of a context it was removed from, to join it again', { context: toHex(t.context), removedBy: removed!.by, position: removed!.position })
      await forgetContext(this.c, existing)
    }
    onProgress?.({ phase: 'governance', done: 0, total: null })
    if (t.anchor !== undefined && t.kind !== 'account') {
      const endpoint = this.c.registry.resolve({ kind: t.anchor.kind, rpc: this.endpoint(t.anchor, rpc), contract: t.anchor.contract })
      return await this.joinOnChain(t, { ...t.anchor, rpc: endpoint.rpc }, me, onProgress)
    }
    if (rpc !== undefined) throw new InvalidInputError('--rpc is for invitations to chain-anchored contexts; this one is off-chain')
    const endJoin = this.c.replicator.beginJoin(t.context)
    try {
      const peers = await this.dialAll(t.peers)
      const source = t.kind === 'identity'
        ? await this.claimBound(t, me, peers)
        : t.kind === 'account' ? await this.claimByWallet(t, me, byWallet!.link, peers) : await this.claimOpen(t, me, peers, gated, chosen !== undefined)
      await this.awaitKey(t.context, source)
      this.c.replicator.refresh(t.context)
      await this.c.replicator.syncWith(source, t.context, onProgress, { joining: true })
    } finally {
      endJoin()
    }
    this.c.logger.info('joined context', { context: toHex(t.context), role: t.role, invitation: t.kind })
    return this.c.contexts.get(t.context)
  }

  /**
   * The endpoint to claim and follow a chain-anchored context through: the flag, else this
   * node's config, else the one the inviter chose to include, else the chain module's
   * well-known endpoint for that network (a local devnet's, say).
   */
  private endpoint (anchor: TicketAnchor, flag: string | undefined): string {
    const m = this.c.registry.module(anchor.kind)
    const rpc = flag ?? this.c.registry.defaultRpc(m.kind) ?? anchor.rpc ?? m.endpoints?.[anchor.network]
    if (rpc === undefined) {
      throw new InvalidInputError(`no RPC endpoint for ${m.title} network ${formatNetworkId(m.namespace, anchor.network)}`, {
        hint: `pass --rpc <url>, or set chains.${m.kind}.rpc in config.json (the invitation names none)`
      })
    }
    return rpc
  }

  private unbound (t: IdentityTicket): KeyPair {
    const me = this.c.identities.get(UNBOUND, t.invitee)
    if (me === undefined) {
      throw new NotFoundError(`the invitation names identity ${toHex(t.invitee)}, which this node does not hold`, { hint: 'create an identity with `moor identity new` and have the admin invite that public key' })
    }
    return me
  }

  /**
   * The peers to fetch the context from: the invitation's addresses; where none answers
   * (the inviter's node came back on another port, say), the inviter by its peer id, as
   * this node knows it (a connection it has through a bootstrap peer or mDNS, addresses
   * its peer store learnt); failing that, every peer this node is connected to: any member
   * node of the context can serve it, and what it sends is verified like the inviter's.
   */
  private async dialAll (addrs: string[]): Promise<string[]> {
    const tried: string[] = []
    const reached = async (targets: string[], label: (t: string) => string): Promise<string[]> => {
      const peers: string[] = []
      for (const target of targets) {
        try { peers.push(await this.c.network.dial(target)) } catch (err) {
          tried.push(`${label(target)}: ${firstLine(err)}`)
          this.c.logger.debug('could not dial invitation peer', { target, error: (err as Error).message })
        }
      }
      return peers
    }
    const direct = await reached(addrs, (a) => a)
    if (direct.length > 0) return direct
    const named = [...new Set(addrs.map(peerIdOf).filter((p) => p !== undefined))]
    const byId = await reached(named.map((p) => `/p2p/${p}`), (a) => `peer ${a.slice(5)} by its id`)
    if (byId.length > 0) return byId
    const known = this.c.network.peers()
    if (known.length > 0) {
      this.c.logger.info('the invitation\'s peers did not answer; asking the peers this node is connected to', { peers: known.length })
      return known
    }
    throw new NotFoundError('none of the peers named in the invitation could be reached, and this node knows no other peer', {
      details: `tried ${tried.join('; ') || '(the invitation names no peers)'}`,
      hint: FIND_MEMBERS_HINT
    })
  }

  /** Fetches the governance log from the first peer that serves it; answers that peer. */
  private async fetchGovernance (ctx: Uint8Array, me: KeyPair, peers: string[], claim?: InvitationClaim): Promise<string> {
    const errors: string[] = []
    for (const peer of peers) {
      try {
        await this.c.replicator.syncGov(peer, ctx, me, claim)
        if (this.c.governance.state(ctx) !== undefined) return peer
        errors.push(`${peer}: sent no valid governance log`)
      } catch (err) {
        errors.push(`${peer}: ${(err as Error).message}`)
        this.c.logger.debug('governance fetch failed', { peer, error: (err as Error).message })
      }
    }
    await this.discard(ctx)
    const refused = errors.map((e) => REFUSED.exec(e)?.[1]).find((r) => r !== undefined)
    if (refused !== undefined) {
      const reason = refused.split('\n')[0]
      throw new ForbiddenError(`the invitation was refused: ${reason}`, { details: errors.join('; ') })
    }
    throw new NotFoundError(`none of the ${peers.length} peer${peers.length === 1 ? '' : 's'} reached serves this context`, { details: errors.join('; '), hint: FIND_MEMBERS_HINT })
  }

  /**
   * Fetches the log (as `me`, showing `claim` when given), checks it has the invitation
   * `matches` its target, then binds the unbound identity `me` to the context and writes
   * the local record, ready to claim. Answers the peer that served the log.
   */
  private async bindTo (t: IdentityTicket | AccountTicket, me: KeyPair, peers: string[], claim: InvitationClaim | undefined, matches: (target: InvitationTarget) => boolean, what: string): Promise<string> {
    const source = await this.fetchGovernance(t.context, me, peers, claim)
    const state = this.c.governance.state(t.context)!
    const inv = state.invitations.get(toHex(t.invitation))
    if (inv === undefined || !matches(inv.target)) {
      await this.discard(t.context)
      throw new ForbiddenError(`the context has no such ${what}`)
    }
    await this.c.store.transaction(() => {
      this.c.identities.bind(me.publicKey, t.context)
      this.record(t.context, state.application, me.publicKey)
    })
    return source
  }

  private async claimBound (t: IdentityTicket, me: KeyPair, peers: string[]): Promise<string> {
    const source = await this.bindTo(t, me, peers, undefined, (target) => target.type === 'identity' && equalBytes(target.identity, t.invitee), 'invitation for this identity')
    try {
      const claim = await this.sign(t.context, me, { type: 'claim', invitation: t.invitation })
      await this.c.replicator.push(source, t.context, [claim], me)
    } catch (err) {
      await this.discard(t.context, me)
      throw err
    }
    return source
  }

  private async claimOpen (t: OpenTicket, me: KeyPair, peers: string[], gated: GatedClaim, premade: boolean): Promise<string> {
    const key = openInvitationKey(t.secret)
    const proof = sign(key.secretKey, claimMessage(t.context, t.invitation, me.publicKey))
    const claim: OpenClaim = [t.invitation, proof]
    const source = await this.fetchGovernance(t.context, me, peers, claim)
    const state = this.c.governance.state(t.context)!
    const inv = state.invitations.get(toHex(t.invitation))
    if (inv === undefined || inv.target.type !== 'open' || !equalBytes(inv.target.key, key.publicKey)) {
      await this.discard(t.context)
      throw new ForbiddenError('the context has no such open invitation')
    }
    let evidence: string | undefined
    if (inv.condition !== undefined) {
      try { evidence = await this.evidence(t.context, me, inv.condition, gated) } catch (err) { await this.discard(t.context); throw err }
    }
    await this.c.store.transaction(() => {
      if (premade) this.c.identities.bind(me.publicKey, t.context)
      else this.c.identities.create(t.context, me)
      this.record(t.context, state.application, me.publicKey)
    })
    try {
      // Commit first: the commitment hides the proof until it is pinned in the log.
      const commit = await this.sign(t.context, me, { type: 'commitClaim', invitation: t.invitation, commitment: claimCommitment(t.invitation, me.publicKey, proof) })
      await this.c.replicator.push(source, t.context, [commit], me, claim)
      const reveal = await this.sign(t.context, me, { type: 'revealClaim', invitation: t.invitation, proof, ...(evidence !== undefined ? { evidence } : {}) })
      try {
        await this.c.replicator.push(source, t.context, [reveal], me, claim)
      } catch (err) {
        // The admitting node proved the claim and found it wanting: say why, plainly.
        const text = (err as Error).message ?? ''
        const at = text.indexOf(CLAIM_REFUSED)
        if (at >= 0) throw new ClaimRefusedError(`the invitation was refused: ${text.slice(at + CLAIM_REFUSED.length).split('\n')[0]!}`, { cause: err })
        throw err
      }
      await this.confirmClaim(source, t.context, me, claim, reveal)
    } catch (err) {
      await this.discard(t.context, premade ? me : undefined)
      throw err
    }
    return source
  }

  /**
   * The evidence for a gated invitation: the wallet link completed with this identity's
   * signature, and the block this node proves the claim at (through its own endpoints).
   * Nothing is sent when the claim does not hold here.
   */
  private async evidence (ctx: Uint8Array, me: KeyPair, conditionText: string, gated: GatedClaim): Promise<string> {
    const condition = parseCondition(conditionText, this.c.registry.modules)
    const asks = describeCondition(condition)
    const w = gated.walletLink
    if (w === undefined) throw new ClaimRefusedError(`this invitation admits only ${asks}`, { hint: 'join with a wallet link naming the context and your identity (`--identity <pk> --wallet-link <file>`, docs/claims.md)' })
    const account = parseAccountId(w.account)
    if (account === undefined) throw new InvalidInputError(`walletLink.account ${JSON.stringify(w.account.slice(0, 80))} is not a CAIP-10 account id`)
    const identitySignature = toHex(signIdentity(me.secretKey, ctx, me.publicKey, w.account))
    const result = await this.c.claims.verify(condition.chain, conditionStatement(condition, account.address), { network: account.reference })
    const unmet = conditionUnmet(condition, result, account.address)
    if (unmet !== null) throw new ClaimRefusedError(`this invitation admits only ${asks}: ${unmet}`)
    const text = encodeEvidence({ link: { account: w.account, statement: w.statement as ClaimEvidence['link']['statement'], proof: String(w.proof), identitySignature }, block: { number: result.block.number, hash: result.block.hash } })
    const mismatch = evidenceMismatch(text, ctx, me.publicKey)
    if (mismatch !== null) throw new InvalidInputError(`the wallet link does not fit this claim: ${mismatch}`, { hint: `its statement must name context ${toHex(ctx)} and identity ${toHex(me.publicKey)}` })
    return text
  }

  /**
   * A wallet-account invitation: the wallet signed a statement this node prepared
   * (`moor wallet link <context> <account>`) for one of its unbound identities. Answers
   * the checked link and that identity.
   */
  private async walletLink (t: AccountTicket, wallet: WalletSubmit | undefined): Promise<{ link: SignedWalletLink, identity: KeyPair }> {
    if (wallet === undefined) {
      throw new InvalidInputError(`this invitation is for wallet account ${t.account}: the join needs a link made with that wallet`, {
        hint: `run \`moor wallet link ${toHex(t.context)} ${t.account}\`, sign the text it prints with the wallet, then \`moor context join <invitation> --nonce <nonce> --signature <signature>\``
      })
    }
    const made = await this.c.wallets.signedLink(t.context, wallet, false)
    if (made.link.account !== normalizeAccount(this.c.registry.modules, t.account)) throw new WalletLinkRefusedError('NotInvited', { account: made.link.account, invited: t.account })
    return made
  }

  /**
   * Claims with the link: shown to the inviter's node to be served the log (it checks the
   * wallet signature too), then carried by the claim, which every member node checks.
   */
  private async claimByWallet (t: AccountTicket, me: KeyPair, link: SignedWalletLink, peers: string[]): Promise<string> {
    const claim: WalletClaim = [t.invitation, 'wallet', encodeLink(link)]
    const source = await this.bindTo(t, me, peers, claim, (target) => target.type === 'account' && target.account === link.account, 'invitation for this wallet account')
    try {
      const op = await this.sign(t.context, me, { type: 'claim', invitation: t.invitation, link })
      await this.c.replicator.push(source, t.context, [op], me, claim)
      await this.confirmClaim(source, t.context, me, claim, op)
    } catch (err) {
      await this.discard(t.context, me)
      throw err
    }
    return source
  }

  /** The peer's view decides: a concurrent claimer may have taken the last use, or the peer refused the claim. */
  private async confirmClaim (source: string, ctx: Uint8Array, me: KeyPair, claim: InvitationClaim, op: GovOp): Promise<void> {
    await this.c.replicator.syncGov(source, ctx, me, claim)
    const verdict = this.c.governance.offchain.dag(ctx).verdict(op.id)
    if (verdict?.accepted !== true) throw new GovernanceRejectedError(`the claim was refused: ${verdict?.reason ?? 'the peer did not take it'}`)
  }

  /** Signs and records an op as `me`; answers the op (to push it). */
  private async sign (ctx: Uint8Array, me: KeyPair, action: OpAction): Promise<GovOp> {
    const receipt = await this.c.governance.offchain.submitOp(ctx, me, action)
    return this.c.governance.offchain.dag(ctx).history().find(({ op }) => toHex(op.id) === receipt.id)!.op
  }

  /**
   * Joins a chain-anchored context: the claim is a request to the contract (commit then
   * reveal for an open invitation), made before anything is written here; then the node
   * follows the context on the chain, waits for a member to share the group key there,
   * and catches up with the invitation's peers.
   */
  private async joinOnChain (t: IdentityTicket | OpenTicket, ref: ChainAnchorRef, me: KeyPair, onProgress: Progress): Promise<ContextRecord> {
    this.c.registry.canSubmit(ref.kind)
    const adapter = await this.c.registry.get(ref)
    const network = await adapter.network()
    if (network !== ref.network) throw new InvalidInputError(`the endpoint ${ref.rpc} serves chain ${network}; the invitation is for chain ${ref.network}`)
    const view = await adapter.viewAt(t.context)
    const inv = view.invitations.find((i) => equalBytes(i.id, t.invitation))
    const matches = inv !== undefined && (t.kind === 'identity'
      ? inv.target.type === 'identity' && equalBytes(inv.target.identity, t.invitee)
      : inv.target.type === 'open' && equalBytes(inv.target.key, openInvitationKey(t.secret).publicKey))
    if (!matches) throw new ForbiddenError(`the context has no such ${t.kind === 'identity' ? 'invitation for this identity' : 'open invitation'} on the chain`)
    if (t.kind === 'identity') {
      await adapter.submit(t.context, me, { type: 'claim', invitation: t.invitation })
    } else {
      const proof = sign(openInvitationKey(t.secret).secretKey, claimMessage(t.context, t.invitation, me.publicKey))
      // Commit first: the commitment hides the proof until it is on the chain.
      await adapter.submit(t.context, me, { type: 'commitClaim', invitation: t.invitation, commitment: claimCommitment(t.invitation, me.publicKey, proof) })
      await adapter.submit(t.context, me, { type: 'revealClaim', invitation: t.invitation, proof })
    }
    // A member on the chain from here on: follow the context from a view that says so.
    const joined = await confirmedView(adapter, t.context, (v) => v.members.some((m) => equalBytes(m.identity, me.publicKey)), {
      waitMs: MEMBERSHIP_WAIT_MS,
      pollMs: JOIN_POLL_MS,
      late: () => new NotFoundError('the claim was accepted, but the confirmed chain does not list this identity yet', { hint: 'wait for more confirmations, then `moor context sync`' })
    })
    await this.c.governance.chains.attach(t.context, ref, joined)
    await this.c.store.transaction(() => {
      if (t.kind === 'identity') this.c.identities.bind(t.invitee, t.context)
      else this.c.identities.create(t.context, me)
      this.c.contexts.put({ id: t.context, applicationId: joined.application, createdAt: this.createdAt(t.context), identity: me.publicKey, xcallGrants: [], anchor: ref })
      this.c.dag.init(t.context)
    })
    this.c.replicator.refresh(t.context)
    const endJoin = this.c.replicator.beginJoin(t.context)
    try {
      const peers = await this.dialAll(t.peers)
      await this.awaitKey(t.context, null)
      await this.catchUp(t.context, peers, onProgress)
    } finally {
      endJoin()
    }
    this.c.logger.info('joined context', { context: toHex(t.context), role: t.role, invitation: t.kind, anchor: ref.kind })
    return this.c.contexts.get(t.context)
  }

  /** Syncs with the first peer that serves the context (a peer admits us once its node read our claim). */
  private async catchUp (ctx: Uint8Array, peers: string[], onProgress: Progress): Promise<void> {
    const deadline = Date.now() + MEMBERSHIP_WAIT_MS
    for (;;) {
      const errors: string[] = []
      for (const peer of peers) {
        try {
          await this.c.replicator.syncWith(peer, ctx, onProgress, { joining: true })
          return
        } catch (err) {
          errors.push(`${peer}: ${(err as Error).message}`)
        }
      }
      if (Date.now() > deadline) throw new NotFoundError('joined on the chain, but no peer served the context yet; it will sync in the background', { details: errors.join('; ') })
      await new Promise((r) => setTimeout(r, JOIN_POLL_MS))
    }
  }

  /** Writes the local context record (inside a transaction). */
  private record (ctx: Uint8Array, application: Uint8Array, identity: Uint8Array): void {
    this.c.contexts.put({ id: ctx, applicationId: application, createdAt: this.createdAt(ctx), identity, xcallGrants: [], anchor: { kind: 'offchain' } })
    this.c.dag.init(ctx)
  }

  /** When the context was created (its first governance operation), not when this node joined. */
  private createdAt (ctx: Uint8Array): number {
    return this.c.governance.entries(ctx)[0]?.at ?? Date.now()
  }

  /**
   * A member's node shares the group key; offchain, keep fetching governance from
   * `source` until it arrives; on a chain it arrives through the change feed.
   */
  private async awaitKey (ctx: Uint8Array, source: string | null): Promise<void> {
    const deadline = Date.now() + MEMBERSHIP_WAIT_MS
    while (this.c.replicator.keyring(ctx).current === undefined) {
      if (Date.now() > deadline) throw new NotFoundError('joined, but no group key arrived yet; the context will sync once an existing member shares it', { hint: 'keep the node running; check `moor context sync-status`' })
      await new Promise((r) => setTimeout(r, JOIN_POLL_MS))
      if (source !== null) await this.c.replicator.syncGov(source, ctx).catch(() => {})
    }
  }

  /** Forgets every local trace of a failed join; an invitee's identity goes back to unbound. */
  private async discard (ctx: Uint8Array, restore?: KeyPair): Promise<void> {
    await this.c.store.transaction(() => {
      this.c.governance.offchain.clear(ctx)
      this.c.dag.clear(ctx)
      this.c.identities.clear(ctx)
      this.c.contexts.remove(ctx)
      if (restore !== undefined) this.c.identities.create(UNBOUND, restore)
    })
    this.c.replicator.refresh(ctx)
  }
}

/** The peer id at the end of a multiaddr (`…/p2p/<id>`), if any. */
function peerIdOf (addr: string): string | undefined {
  return /\/p2p\/([1-9A-HJ-NP-Za-km-z]+)$/.exec(addr)?.[1]
}

function firstLine (err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!
}
