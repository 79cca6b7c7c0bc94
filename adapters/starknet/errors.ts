// Errors of the Starknet adapter that are not the contract's refusals.
import { MoorageError } from '../../src/errors/index.ts'

/** A Starknet endpoint failed, timed out or answered with an error. */
export class StarknetRpcError extends MoorageError {
  static override readonly status: number = 502
  override name = 'StarknetRpcError'
}
