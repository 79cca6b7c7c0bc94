import { MoorageError } from '../errors/base.ts'

/** Evidence for a claim did not check out (bad proof, header hash mismatch, altered value). */
export class ClaimRejectedError extends MoorageError {
  static override readonly status: number = 422
  constructor (shortMessage: string, options: ConstructorParameters<typeof MoorageError>[1] = {}) {
    super(shortMessage, options)
    this.name = 'ClaimRejectedError'
  }
}

/** Configured endpoints disagree about the block: no value is given. */
export class EndpointDisagreementError extends MoorageError {
  static override readonly status: number = 502
  constructor (shortMessage: string, options: ConstructorParameters<typeof MoorageError>[1] = {}) {
    super(shortMessage, options)
    this.name = 'EndpointDisagreementError'
  }
}

/** This node has no endpoints configured to verify claims about that chain. */
export class NoClaimEndpointsError extends MoorageError {
  static override readonly status: number = 409
  constructor (shortMessage: string, options: ConstructorParameters<typeof MoorageError>[1] = {}) {
    super(shortMessage, options)
    this.name = 'NoClaimEndpointsError'
  }
}
