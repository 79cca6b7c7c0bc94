// One base error for the whole project: a short message, optional detail lines, the
// cause and a hint. Each condition is its own subclass with a stable `name` that tests,
// the HTTP layer (status codes) and the CLI rely on.

export interface MoorageErrorOptions {
  details?: string | undefined
  hint?: string | undefined
  cause?: unknown
}

export class MoorageError extends Error {
  static readonly status: number = 500
  readonly details: string | undefined
  readonly hint: string | undefined
  readonly shortMessage: string

  constructor (shortMessage: string, options: MoorageErrorOptions = {}) {
    const lines = [shortMessage]
    if (options.details != null) lines.push(`Details: ${options.details}`)
    if (options.hint != null) lines.push(`Hint: ${options.hint}`)
    super(lines.join('\n'), options.cause === undefined ? undefined : { cause: options.cause })
    this.shortMessage = shortMessage
    this.details = options.details
    this.hint = options.hint
    this.name = 'MoorageError'
  }

  /** HTTP status the API answers with for this error. */
  get status (): number {
    return (this.constructor as typeof MoorageError).status
  }

  toJSON (): { name: string, message: string, details?: string, hint?: string } {
    return {
      name: this.name,
      message: this.shortMessage,
      ...(this.details != null ? { details: this.details } : {}),
      ...(this.hint != null ? { hint: this.hint } : {})
    }
  }
}
