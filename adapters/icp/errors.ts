// Errors of the ICP adapter. Refusals by the canister surface as the governance layer's
// GovernanceRejectedError (anchor.ts, refusalOf); these cover the endpoint itself, and name
// the host and the canister.
import { MoorageError } from '../../src/errors/index.ts'

/** The replica (or boundary node) failed, timed out or answered something unusable. */
export class IcpEndpointError extends MoorageError {
  static override readonly status: number = 502
  override name = 'IcpEndpointError'
}
