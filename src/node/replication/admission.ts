// Admission, in one place: who this node serves, whom it asks, and what it makes of a
// peer that sends rejected material.
//
// Serving: every stream handler calls `admit` first. A request is rate-limited per peer,
// authenticated (signed by a context identity, bound to the requesting peer), checked
// against the context's governance (members; for governance and push also invitees,
// former members and open-invitation claimers), and only then are its params decoded
// and checked. A non-member gets the same answer whether or not this node is in the
// context.
//
// Asking: catch-up requests name this node's identity in a context, so they go only to
// peers known as member nodes of that context — proven by a request they signed as a
// member, or by a message or answer they sealed under the context's current group key —
// or to a peer the user named for it (an invitation's peer, during a join). Syncs that
// gossip triggers are rate-limited per peer and context.
//
// Scoring: rejected material lowers the sender's standing in the network layer (gossipsub
// score, then a ban); see the PENALTY_* constants.
import { equalBytes, toHex } from '../../crypto/bytes.ts'
import { checkOpenClaim, pendingInvitees, roleOf, type GovState } from '../../governance/acl.ts'
import { isOpenClaim, isWalletClaim, SyncParamsError } from '../../sync/params.ts'
import { WalletLinkRefusedError } from '../../wallets/errors.ts'
import type { SignedWalletLink } from '../../wallets/record.ts'
import { walletClaimCheck } from '../../wallets/admission.ts'
import { decodeRequest, PROTOCOLS, StaleRequestError, SyncAuthError, SyncRateLimitError, type SyncRequest } from '../../sync/wire.ts'
import { GOSSIP_SYNC_BURST, GOSSIP_SYNCS_PER_S, MAX_MEMBER_PEERS, PEER_STREAM_BURST, PEER_STREAMS_PER_S, PENALTY_FORGED, PENALTY_RATE, PENALTY_STALE } from '../constants.ts'
import { TokenBuckets } from '../../async/buckets.ts'
import type { Parts } from './parts.ts'

export interface Admitted<P> {
  ctx: Uint8Array
  identity: Uint8Array
  params: P
  /** A wallet-account claimer's link: its wallet signature is still to be checked (`checkWallet`). */
  wallet?: SignedWalletLink
}

const NOT_ADMITTED = 'not a member of this context'

export class Admission {
  private readonly r: Parts
  /** Per context: peers proven to be member nodes, most recently proven last. */
  private readonly members = new Map<string, Set<string>>()
  /** Per context: peers the user named (an invitation's peers), asked during a join. */
  private readonly vouched = new Map<string, Set<string>>()
  private readonly streams = new TokenBuckets(PEER_STREAM_BURST, PEER_STREAMS_PER_S)
  private readonly triggers = new TokenBuckets(GOSSIP_SYNC_BURST, GOSSIP_SYNCS_PER_S)

  constructor (r: Parts) {
    this.r = r
  }

  // ---- serving ----------------------------------------------------------------

  /**
   * Admits a request or throws (SyncRateLimitError, SyncAuthError, SyncParamsError).
   * `invitees`: the protocol also serves invitees, former members and claimers.
   */
  admit<P> (protocol: string, bytes: Uint8Array, from: string, invitees: boolean, parse: (params: unknown) => P): Admitted<P> {
    if (!this.streams.take(from)) {
      this.reject(from, PENALTY_RATE, 'over the stream rate limit')
      throw new SyncRateLimitError('too many catch-up requests from this peer; retry later')
    }
    let req: SyncRequest
    try {
      req = decodeRequest(protocol, bytes, from)
    } catch (err) {
      // A clock off by more than the window is an honest node's possible fault; the rest is forged.
      this.reject(from, err instanceof StaleRequestError ? PENALTY_STALE : PENALTY_FORGED, (err as Error).message)
      throw err
    }
    const s = this.r.c.governance.state(req.context)
    const served = s === undefined || this.r.c.contexts.find(req.context) === undefined ? false : this.serves(s, protocol, req, from, invitees)
    if (served === false) {
      this.reject(from, PENALTY_STALE, NOT_ADMITTED)
      throw new SyncAuthError(NOT_ADMITTED)
    }
    let params: P
    try {
      params = parse(req.params)
    } catch (err) {
      if (err instanceof SyncParamsError) this.reject(from, PENALTY_FORGED, err.shortMessage)
      throw err
    }
    if (roleOf(s!, req.identity) !== undefined) this.noteMember(req.context, from)
    return { ctx: req.context, identity: req.identity, params, ...(served !== true ? { wallet: served } : {}) }
  }

  /** Checks a wallet-account claimer's wallet signature (after `admit`); throws SyncAuthError with the reason. */
  async checkWallet (link: SignedWalletLink, from: string): Promise<void> {
    const wallets = this.r.c.governance.offchain.wallets
    if (wallets === undefined) throw new SyncAuthError('wallet invitation refused: this node cannot check wallet links')
    try {
      await wallets.check(link)
    } catch (err) {
      if (!(err instanceof WalletLinkRefusedError)) throw err
      this.reject(from, PENALTY_FORGED, err.shortMessage)
      throw new SyncAuthError(`wallet invitation refused: ${err.shortMessage}`)
    }
  }

  /** Whether the requester's identity may use the protocol at the context's current governance. */
  private serves (s: GovState, protocol: string, req: SyncRequest, from: string, invitees: boolean): boolean | SignedWalletLink {
    if (roleOf(s, req.identity) !== undefined) return true
    if (!invitees) return false
    if (s.nonces.has(toHex(req.identity))) return true
    if (pendingInvitees(s, Date.now()).some((id) => equalBytes(id, req.identity))) return true
    const claim = protocol === PROTOCOLS.push && Array.isArray(req.params) ? req.params[1] : req.params
    if (isWalletClaim(claim)) {
      const r = walletClaimCheck(s, claim[0], req.identity, claim[2], Date.now())
      if ('link' in r) return r.link
      this.reject(from, PENALTY_FORGED, r.why)
      throw new SyncAuthError(`wallet invitation refused: ${r.why}`)
    }
    if (!isOpenClaim(claim)) return false
    const why = checkOpenClaim(s, claim[0], req.identity, claim[1], Date.now())
    if (why === null) return true
    this.reject(from, PENALTY_FORGED, why)
    throw new SyncAuthError(`open invitation refused: ${why}`)
  }

  // ---- asking -------------------------------------------------------------------

  /** `peer` proved it is a member node of `ctx`. */
  noteMember (ctx: Uint8Array, peer: string): void {
    remember(this.members, toHex(ctx), peer)
  }

  /** The user named `peer` for `ctx` (an invitation's peer): it may be asked. */
  vouch (ctx: Uint8Array, peer: string): void {
    remember(this.vouched, toHex(ctx), peer)
  }

  /** Whether `peer` is a proven member node of any context. */
  knownAnywhere (peer: string): boolean {
    for (const set of this.members.values()) if (set.has(peer)) return true
    return false
  }

  mayAsk (peer: string, ctx: Uint8Array): boolean {
    const hex = toHex(ctx)
    return (this.members.get(hex)?.has(peer) ?? false) || (this.vouched.get(hex)?.has(peer) ?? false)
  }

  /** Connected peers this node may ask about `ctx`. */
  peersFor (ctx: Uint8Array): string[] {
    return this.r.c.network.peers().filter((p) => this.mayAsk(p, ctx))
  }

  /** Whether gossip from `peer` may start a sync of `ctx` with it now. */
  mayTrigger (peer: string, ctx: Uint8Array): boolean {
    return this.mayAsk(peer, ctx) && this.triggers.take(`${peer}/${toHex(ctx)}`)
  }

  /** Lowers the standing of a peer that sent rejected material. */
  reject (peer: string, points: number, reason: string): void {
    if (points > 0) this.r.c.network.penalize(peer, points, reason)
  }

  /** The context is gone from this node. */
  forget (ctx: Uint8Array): void {
    this.members.delete(toHex(ctx))
    this.vouched.delete(toHex(ctx))
  }
}

function remember (map: Map<string, Set<string>>, hex: string, peer: string): void {
  let set = map.get(hex)
  if (set === undefined) map.set(hex, set = new Set())
  set.delete(peer)
  set.add(peer)
  if (set.size > MAX_MEMBER_PEERS) set.delete(set.values().next().value!)
}
