// The node's claim verifier: a statement about a chain, checked field by field, proven
// through the endpoints this node's config.json names for that chain (`claims.<kind>`).
// The API, the CLI and claim-gated invitations all verify through it.
import type { ChainModules } from '../chain/modules.ts'
import { MoorageError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'
import { ClaimRejectedError, NoClaimEndpointsError } from './errors.ts'
import { InvalidClaimError, parseBlock, parseClaimStatement } from './statement.ts'
import { encodeCondition, parseCondition } from './condition.ts'
import type { ClaimEndpoints, ClaimResult, ClaimStatement, ClaimVerifyInit } from './types.ts'

export interface ClaimsInit {
  modules: ChainModules
  /** By chain kind: the endpoints (and optional checkpoint) config.json names. */
  endpoints: Partial<Record<string, ClaimEndpoints>>
  logger: Logger
}

export class Claims {
  readonly #init: ClaimsInit

  constructor (init: ClaimsInit) {
    this.#init = init
  }

  /** The endpoints configured for `chain`, if any. */
  endpoints (chain: string): ClaimEndpoints | undefined {
    return this.#init.endpoints[chain]
  }

  /**
   * A gated invitation's condition, checked, as the invite op stores it. This node admits
   * too, so it must be able to verify the condition's chain.
   */
  condition (raw: unknown, chainAnchored: boolean): string {
    if (chainAnchored) throw new InvalidClaimError('claim condition: gated invitations are for off-chain contexts', { hint: 'a chain-anchored context admits through its contract, which does not verify claims' })
    const c = parseCondition(raw, this.#init.modules)
    if (this.#init.endpoints[c.chain] === undefined) throw new NoClaimEndpointsError(`this node has no endpoints to verify ${c.chain} claims with, so it could not admit anyone`, { hint: `set claims.${c.chain}.rpc in config.json and restart the node (docs/claims.md)` })
    return encodeCondition(c)
  }

  /** The chains this node can verify claims about (a verifier and configured endpoints). */
  get chains (): string[] {
    return this.#init.modules.all().filter((m) => m.claims !== undefined && this.#init.endpoints[m.kind] !== undefined).map((m) => m.kind)
  }

  /** `statement` about `chain`, checked; InvalidClaimError naming what is wrong. */
  statement (chain: unknown, statement: unknown): { chain: string, statement: ClaimStatement } {
    const m = typeof chain === 'string' ? this.#init.modules.find(chain) : undefined
    if (m?.claims === undefined) {
      const known = this.#init.modules.all().filter((x) => x.claims !== undefined).map((x) => x.kind)
      throw new InvalidClaimError(`claim statement: "chain" must be one of ${known.join(', ') || '(none)'}`, { details: `got ${JSON.stringify(chain)?.slice(0, 40) ?? typeof chain}` })
    }
    return { chain: m.kind, statement: parseClaimStatement(statement, m.claims) }
  }

  /** Proves `statement` about `chain` through this node's endpoints (at `block`, default the latest). */
  async verify (chain: unknown, statement: unknown, options: { block?: unknown, network?: string } = {}): Promise<ClaimResult> {
    const checked = this.statement(chain, statement)
    const configured = this.#init.endpoints[checked.chain]
    if (configured === undefined) {
      throw new NoClaimEndpointsError(`this node has no endpoints to verify ${checked.chain} claims with`, { hint: `set claims.${checked.chain}.rpc (≥ 2 independent endpoints) in config.json and restart the node (docs/claims.md)` })
    }
    const init: ClaimVerifyInit = { endpoints: configured.rpc }
    if (options.network !== undefined) init.network = options.network
    if (options.block !== undefined) init.block = parseBlock(options.block)
    else if (configured.checkpoint !== undefined) init.checkpoint = configured.checkpoint
    try {
      return await this.#init.modules.get(checked.chain).claims!.verify(checked.statement, init)
    } catch (err) {
      if (err instanceof MoorageError) throw err
      // A verifier's own bug must not read as a value, nor as a crash of the request.
      this.#init.logger.warn('claim verifier failed unexpectedly', { chain: checked.chain, error: (err as Error)?.stack ?? String(err) })
      throw new ClaimRejectedError('the evidence could not be checked', { details: (err as Error)?.message ?? String(err), cause: err })
    }
  }
}
