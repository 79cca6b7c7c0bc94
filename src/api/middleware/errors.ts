// The one place where errors become HTTP responses: a MoorageError answers with its
// status and `{ error: err.toJSON() }`; body-parser failures are translated into the
// matching MoorageError; anything else is a 500 with a generic message, logged in full.

import type { ErrorRequestHandler, RequestHandler } from 'express'
import { InvalidInputError, MoorageError, NotFoundError, PayloadTooLargeError } from '../../errors/index.ts'
import type { Logger } from '../../log/index.ts'
import { formatBytes } from '../validate.ts'

/** The MoorageError for `err`, or null when it is not one we can explain (a bug). */
export function toMoorageError (err: unknown): MoorageError | null {
  if (err instanceof MoorageError) return err
  const bodyError = err as { type?: unknown, limit?: unknown, length?: unknown, message?: unknown } | null
  switch (bodyError?.type) {
    case 'entity.too.large': {
      const limit = typeof bodyError.limit === 'number' ? formatBytes(bodyError.limit) : 'the limit'
      return new PayloadTooLargeError(`request body is larger than ${limit}`, {
        details: typeof bodyError.length === 'number' ? `the body has ${bodyError.length} bytes` : undefined,
        cause: err
      })
    }
    case 'entity.parse.failed':
      return new InvalidInputError('malformed JSON in the request body', { details: String(bodyError.message), cause: err })
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new InvalidInputError(`cannot read the request body: ${String(bodyError.message)}`, { cause: err })
    case 'request.aborted':
    case 'request.size.invalid':
      return new InvalidInputError(`incomplete request body: ${String(bodyError.message)}`, { cause: err })
  }
  return null
}

export function notFound (): RequestHandler {
  return (req, _res, next) => {
    next(new NotFoundError(`no route ${req.method} ${req.path}`))
  }
}

export function errorHandler (logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      // The response is under way (an SSE stream): all we can do is end it.
      logger.warn('error after the response started', { path: req.path, error: String(err) })
      next(err)
      return
    }
    const known = toMoorageError(err)
    if (known != null) {
      if (known.status >= 500) logger.error(known.message, { path: req.path })
      res.status(known.status).json({ error: known.toJSON() })
      return
    }
    logger.error('unhandled error', { method: req.method, path: req.path, error: err instanceof Error ? err.stack : String(err) })
    res.status(500).json({ error: { name: 'InternalError', message: 'internal error; the node logged the details' } })
  }
}
