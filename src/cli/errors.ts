// Errors only the CLI raises.

import { MoorageError } from '../errors/index.ts'
import type { MoorageErrorOptions } from '../errors/index.ts'

/** Wrong command line: printed with the command's usage; exit code 2. */
export class UsageError extends MoorageError {
  override name = 'UsageError'
  /** The usage text of the command that was misused (or the overview). */
  readonly usage: string | undefined
  constructor (message: string, usage?: string, options: MoorageErrorOptions = {}) {
    super(message, options)
    this.usage = usage
  }
}

/** Nothing listens where the home says the node's API is. */
export class NodeNotRunningError extends MoorageError {
  override name = 'NodeNotRunningError'
}

/** An error the node answered with, rebuilt from its JSON (`{ name, message, details?, hint? }`). */
export class NodeResponseError extends MoorageError {
  override name = 'NodeResponseError'
  /** HTTP status of the answer. */
  readonly httpStatus: number
  /** The error's name on the node (e.g. NotFoundError). */
  readonly remoteName: string
  constructor (httpStatus: number, remote: { name?: unknown, message?: unknown, details?: unknown, hint?: unknown }) {
    super(typeof remote.message === 'string' ? remote.message : `the node answered HTTP ${httpStatus}`, {
      details: typeof remote.details === 'string' ? remote.details : undefined,
      hint: typeof remote.hint === 'string' ? remote.hint : undefined
    })
    this.httpStatus = httpStatus
    this.remoteName = typeof remote.name === 'string' ? remote.name : 'Error'
  }
}

/** A node `moor devnet --nodes` runs did not start or did not reach the others. */
export class DevnetNodeError extends MoorageError {
  override name = 'DevnetNodeError'
}
