// The one place where errors become HTTP responses: a MoorageError answers with its
// status and `{ error: err.toJSON() }`; what express, its router and body-parser throw
// about a malformed request (a body that does not parse or decode, a path parameter that
// does not percent-decode) is translated into the matching MoorageError, so the client is
// told what is wrong with its request; anything else is a 500 with a generic message,
// logged in full.

import type { ErrorRequestHandler, RequestHandler } from 'express'
import { InvalidInputError, MoorageError, NotFoundError, PayloadTooLargeError } from '../../errors/index.ts'
import type { Logger } from '../../log/index.ts'
import { formatBytes } from '../validate.ts'

/** The MoorageError for `err`, or null when it is not one we can explain (a bug). */
export function toMoorageError (err: unknown): MoorageError | null {
  if (err instanceof MoorageError) return err
  const bodyError = err as { type?: unknown, limit?: unknown, length?: unknown, message?: unknown, status?: unknown, code?: unknown } | null
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
  // The router's decoding of a path parameter (`%ZZ`, a lone `%`, a bad UTF-8 sequence).
  if (err instanceof URIError) {
    return new InvalidInputError('malformed percent-escape in the request path', {
      details: clip(err.message),
      hint: 'escape `%` as %25 in path segments'
    })
  }
  // body-parser passes the decompression stream's failure on as a 400 without a type.
  if (typeof bodyError?.code === 'string' && DECODE_ERRORS.test(bodyError.code)) {
    return new InvalidInputError('the request body does not decode as its Content-Encoding says', {
      details: `${bodyError.code}: ${clip(String(bodyError.message))}`,
      hint: 'send the body encoded as Content-Encoding says (gzip, deflate, br, zstd), or send it without Content-Encoding',
      cause: err
    })
  }
  // Any other client error express raises (an http-errors object, `expose`d, with a 4xx
  // status): still the request's fault, never a 500.
  const exposed = (err as { expose?: unknown } | null)?.expose === true
  if (err instanceof Error && exposed && typeof bodyError?.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    return new InvalidInputError(`malformed request: ${clip(err.message)}`, { cause: err })
  }
  return null
}

/** Error codes of node:zlib's decompressors: zlib (inflate, gunzip), zstd, brotli (ERR__ERROR_…). */
const DECODE_ERRORS = /^(Z_|ZSTD_error|ERR__|ERR_BROTLI|ERR_ZLIB)/

function clip (text: string): string {
  return text.length > 200 ? text.slice(0, 197) + '...' : text
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
