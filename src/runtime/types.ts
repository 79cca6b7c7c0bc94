import type { PrivateStorage, SharedState } from '../state/types.ts'

/** Everything one application call may touch. Built by the executor for each call. */
export interface CallEnv {
  contextId: Uint8Array
  /** ed25519 public key of the identity executing the call. */
  executor: Uint8Array
  /** Milliseconds since the epoch, fixed for the call. */
  now: number
  /** A query: any write (shared or private) fails the call with ReadOnlyViolationError. */
  readOnly: boolean
  input: Uint8Array
  state: SharedState
  private: PrivateStorage
  emit (kind: string, data: Uint8Array): void
  /** Runs `method` in another context; throws XcallDeniedError when not granted. */
  xcall (target: Uint8Array, method: string, args: Uint8Array): Uint8Array
  /**
   * Records a proposal of `actions` (UTF-8 JSON, as the REST API takes them) by the
   * executor, to be submitted once the call has committed; returns the proposal's
   * 32-byte id, chosen now. Throws (failing the call) when the actions are invalid.
   */
  propose (actions: Uint8Array): Uint8Array
  /** Records an approval of `proposal` (32-byte id) by the executor, submitted once the call has committed. */
  approve (proposal: Uint8Array): void
  log (line: string): void
}

export interface CallLimits {
  /** Gas budget of one call (instrumentation units, see docs/abi.md). */
  gas: bigint
}

export interface CallOutcome {
  /** Bytes passed to value_return, or null when the method returned nothing. */
  output: Uint8Array | null
  gasUsed: bigint
}
