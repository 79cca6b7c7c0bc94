// Admission: who may ask this node for what. Every stream handler calls `admit` first.
import { equalBytes, toHex } from '../../crypto/bytes.ts'
import { checkOpenClaim, pendingInvitees, roleOf } from '../../governance/acl.ts'
import { decodeRequest, isOpenClaim, PROTOCOLS, SyncAuthError } from '../../sync/wire.ts'
import type { Parts } from './parts.ts'

export interface Admitted { ctx: Uint8Array, identity: Uint8Array, params: unknown }

export class Admission {
  private readonly r: Parts

  constructor (r: Parts) {
    this.r = r
  }

  /**
   * Who may ask: members; for governance and push, also invitees, former members (a
   * removed member must be able to learn that it was removed; the log holds no data) and
   * claimers of an open invitation whose params carry [invitation id, proof] with
   * proof = sign(invitation key, claimMessage(context, invitation, requester)).
   */
  admit (protocol: string, bytes: Uint8Array, from: string, invitees: boolean): Admitted {
    const { c } = this.r
    const req = decodeRequest(protocol, bytes, from)
    const s = c.governance.state(req.context)
    if (s === undefined || c.contexts.find(req.context) === undefined) throw new SyncAuthError('unknown context')
    if (roleOf(s, req.identity) !== undefined) return { ctx: req.context, identity: req.identity, params: req.params }
    if (invitees) {
      if (s.nonces.has(toHex(req.identity))) return { ctx: req.context, identity: req.identity, params: req.params }
      if (pendingInvitees(s, Date.now()).some((id) => equalBytes(id, req.identity))) return { ctx: req.context, identity: req.identity, params: req.params }
      const claim = protocol === PROTOCOLS.push && Array.isArray(req.params) ? req.params[1] : req.params
      if (isOpenClaim(claim)) {
        const why = checkOpenClaim(s, claim[0], req.identity, claim[1], Date.now())
        if (why !== null) throw new SyncAuthError(`open invitation refused: ${why}`)
        return { ctx: req.context, identity: req.identity, params: req.params }
      }
    }
    throw new SyncAuthError('not a member of this context')
  }
}
