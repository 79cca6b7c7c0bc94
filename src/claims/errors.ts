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

/** What a refused gated claim's message starts with, on the wire and to the joiner. */
export const CLAIM_REFUSED = 'claim refused: '

/** A gated open invitation's claim does not hold (or cannot be checked now): nothing was admitted. */
export class ClaimRefusedError extends MoorageError {
  static override readonly status: number = 403
  constructor (shortMessage: string, options: ConstructorParameters<typeof MoorageError>[1] = {}) {
    super(shortMessage, options)
    this.name = 'ClaimRefusedError'
  }
}
