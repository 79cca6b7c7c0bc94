// The claim gate of open invitations: before a node takes in a reveal of a gated
// invitation (from the claimant's push, from gossip or from a catch-up), it checks the
// wallet link (both signatures, through the chain module's walletLink verifier) and
// proves the claim itself through its own configured endpoints, at the block the
// claimant pinned. A reveal that fails is not stored; the reason is logged and, to the
// claimant pushing it, answered. The log (src/governance/acl.ts) checks what needs no
// chain: that a gated reveal carries evidence naming this context and the claimant.
//
// Why a pinned block: every node must come to the same answer, whenever it sees the op.
// The block is canonical when the endpoints agree on its hash at that height, so the value
// proven there is the same for all. Freshness: the block must be within CLAIM_MAX_AGE_MS
// of the reveal's time, and a reveal pushed by its claimant within ADMISSION_SKEW_MS of
// this node's clock (a stale proof cannot be replayed as a new admission).
import { parseAccountId } from '../chain/caip.ts'
import type { ChainModules } from '../chain/modules.ts'
import { toHex } from '../crypto/bytes.ts'
import { MoorageError } from '../errors/index.ts'
import type { GovState } from '../governance/acl.ts'
import type { GovOp } from '../governance/offchain/op.ts'
import type { Logger } from '../log/index.ts'
import { WalletLinks } from '../wallets/links.ts'
import { conditionStatement, conditionUnmet, parseCondition } from './condition.ts'
import { EndpointDisagreementError, NoClaimEndpointsError } from './errors.ts'
import { evidenceMismatch, parseEvidence, signedLink } from './evidence.ts'
import type { Claims } from './service.ts'

/** Most time between the block a claim is proven at and the reveal that presents it. */
export const CLAIM_MAX_AGE_MS = 60 * 60_000
/** Most time between a pushed reveal's clock and this node's. */
export const ADMISSION_SKEW_MS = 10 * 60_000
/** Verdicts kept per node (by op id), so a reveal seen again costs no chain request. */
const VERDICTS_MAX = 1024

export interface ClaimGateInit {
  claims: Claims
  modules: ChainModules
  logger: Logger
  now?: () => number
}

/** A verdict that may change (an endpoint down, no endpoints yet): not remembered. */
class Transient extends Error {}

export class ClaimGate {
  readonly #c: ClaimGateInit
  readonly #now: () => number
  readonly #verdicts = new Map<string, string | null>()

  constructor (init: ClaimGateInit) {
    this.#c = init
    this.#now = init.now ?? Date.now
  }

  /**
   * The ops of `batch` this node must not take in, with why: reveals of gated invitations
   * whose claim does not hold. `admission`: the batch is the claimant's own push.
   */
  async refusals (state: GovState | undefined, batch: GovOp[], options: { admission: boolean }): Promise<Array<{ op: GovOp, reason: string }>> {
    const out: Array<{ op: GovOp, reason: string }> = []
    for (const op of batch) {
      const a = op.action
      if (a.type !== 'revealClaim' || a.evidence === undefined) continue
      const hex = toHex(a.invitation)
      const invite = batch.find((o) => o.action.type === 'invite' && toHex(o.action.invitation.id) === hex)
      const known = state?.invitations.get(hex) ?? (invite?.action.type === 'invite' ? invite.action.invitation : undefined)
      // Judged once its invitation is known here (a later sync brings both).
      if (known === undefined) { out.push({ op, reason: 'its invitation is not known to this node yet' }); continue }
      if (known.condition === undefined) continue
      const reason = await this.check(op, known.condition, a.evidence, options.admission)
      if (reason !== null) {
        out.push({ op, reason })
        this.#c.logger.info('gated claim refused', { context: toHex(op.context), op: toHex(op.id), claimant: toHex(op.author), reason })
      }
    }
    return out
  }

  /** Null when the reveal `op`'s evidence proves `conditionText`, else why not. */
  async check (op: GovOp, conditionText: string, evidenceText: string, admission: boolean): Promise<string | null> {
    if (admission && Math.abs(this.#now() - op.hlc.ms) > ADMISSION_SKEW_MS) return `the claim is stamped ${new Date(op.hlc.ms).toISOString()}, more than ${ADMISSION_SKEW_MS / 60_000} minutes from this node's clock`
    const id = toHex(op.id)
    if (this.#verdicts.has(id)) return this.#verdicts.get(id)!
    let verdict: string | null
    try {
      verdict = await this.#judge(op, conditionText, evidenceText)
    } catch (err) {
      if (err instanceof Transient) return err.message
      throw err
    }
    if (this.#verdicts.size >= VERDICTS_MAX) this.#verdicts.delete(this.#verdicts.keys().next().value!)
    this.#verdicts.set(id, verdict)
    return verdict
  }

  async #judge (op: GovOp, conditionText: string, evidenceText: string): Promise<string | null> {
    let condition
    try { condition = parseCondition(conditionText, this.#c.modules) } catch (err) { return `the invitation's condition is not one this node reads (${message(err)})` }
    // What the log checks too; here so no endpoint is asked for a mismatched link.
    const mismatch = evidenceMismatch(evidenceText, op.context, op.author)
    if (mismatch !== null) return mismatch
    const evidence = parseEvidence(evidenceText)
    const account = parseAccountId(evidence.link.account)
    if (account === undefined || `${account.namespace}:${account.reference}` !== condition.network) return `the wallet ${evidence.link.account} is not on ${condition.network}, the network the invitation names`
    const m = this.#c.modules.get(condition.chain)
    const endpoints = this.#c.claims.endpoints(m.kind)
    if (endpoints === undefined) throw new Transient(`this node has no claims.${m.kind} endpoints to verify the claim with (set them in config.json)`)
    // The link as it stood when the claim was made: valid then, both signatures holding.
    if (m.walletLink === undefined) return `${m.kind} has no wallet link verifier`
    const verifier = await m.walletLink.create({ rpc: endpoints.rpc[0] })
    const links = new WalletLinks({ domain: evidence.link.statement.domain, verifiers: [verifier], now: () => op.hlc.ms })
    try { await links.check(signedLink(evidence)) } catch (err) {
      if (err instanceof MoorageError && err.status < 500) return message(err)
      throw new Transient(`the wallet link could not be checked: ${message(err)}`)
    }
    let result
    try {
      result = await this.#c.claims.verify(m.kind, conditionStatement(condition, account.address), { block: evidence.block.number, network: account.reference })
    } catch (err) {
      // Endpoints down or split, or none configured: another try may answer.
      if (err instanceof NoClaimEndpointsError || err instanceof EndpointDisagreementError || (err instanceof MoorageError && err.status >= 500)) throw new Transient(`the claim could not be verified now: ${message(err)}`)
      if (err instanceof MoorageError) return `the claim does not verify: ${message(err)}`
      throw err
    }
    if (result.block.hash !== evidence.block.hash.toLowerCase()) return `block ${evidence.block.number} is ${result.block.hash} by this node's endpoints, not ${evidence.block.hash}`
    const age = Math.abs(result.block.timestamp * 1000 - op.hlc.ms)
    if (age > CLAIM_MAX_AGE_MS) return `the claim is proven at block ${result.block.number}, ${Math.round(age / 60_000)} minutes from the claim (at most ${CLAIM_MAX_AGE_MS / 60_000})`
    return conditionUnmet(condition, result, account.address)
  }
}

function message (err: unknown): string {
  return err instanceof MoorageError ? err.shortMessage : (err as Error)?.message ?? String(err)
}
