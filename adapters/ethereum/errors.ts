// Errors of the Ethereum adapter. Refusals by the contract surface as the governance
// layer's GovernanceRejectedError (see reasons.ts); these cover the chain itself.
import { MoorageError } from '../../src/errors/index.ts'

/** The RPC endpoint failed, timed out or answered something unusable. */
export class EthereumRpcError extends MoorageError {
  static override readonly status: number = 502
  override name = 'EthereumRpcError'
}

/** No ContextConfig contract at the configured address (or a different one). */
export class ContractNotFoundError extends MoorageError {
  static override readonly status: number = 404
  override name = 'ContractNotFoundError'
}

/** A transaction was sent but not mined and confirmed in time, or was dropped. */
export class TransactionTimeoutError extends MoorageError {
  static override readonly status: number = 504
  override name = 'TransactionTimeoutError'
}

/** solc failed to compile contracts/ethereum/. */
export class CompileError extends MoorageError {
  override name = 'CompileError'
}
