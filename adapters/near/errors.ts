// Errors of the NEAR adapter. Refusals by the contract surface as the governance layer's
// GovernanceRejectedError (anchor.ts, refusalOf); these cover the chain itself, and name
// the endpoint and the contract.
import { MoorageError } from '../../src/errors/index.ts'

/** The NEAR RPC endpoint failed, timed out or answered something unusable. */
export class NearRpcError extends MoorageError {
  static override readonly status: number = 502
  override name = 'NearRpcError'
}

/** No context config contract (or an uninitialised one) at the configured account. */
export class NearContractNotFoundError extends MoorageError {
  static override readonly status: number = 404
  override name = 'NearContractNotFoundError'
}
