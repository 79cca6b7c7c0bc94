// Bearer-token authentication for every route but GET /health. The token is the one
// `moor init` wrote to <home>/token; comparison is constant-time (both sides are hashed to
// a fixed length first, so the length of the token does not leak either).

import { createHash, timingSafeEqual } from 'node:crypto'
import type { RequestHandler } from 'express'
import { UnauthorizedError } from '../../errors/index.ts'
import { tokenPath } from '../../node/config.ts'

export interface AuthInit {
  token: string
  /** The node's home, named in the error so the caller knows where the token lives. */
  home: string
}

export function requireToken (init: AuthInit): RequestHandler {
  const expected = digest(init.token)
  const tokenFile = tokenPath(init.home)
  const hint = `the admin token is in ${tokenFile} (written by \`moor init\`); send it as \`Authorization: Bearer <token>\``
  return (req, res, next) => {
    const header = req.get('authorization')
    if (header == null || header === '') {
      res.set('WWW-Authenticate', 'Bearer realm="moorage"')
      next(new UnauthorizedError('missing admin token', { details: 'the request has no Authorization header', hint }))
      return
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header)
    if (match == null) {
      res.set('WWW-Authenticate', 'Bearer realm="moorage"')
      next(new UnauthorizedError('malformed Authorization header', { details: 'expected `Bearer <token>`', hint }))
      return
    }
    if (!timingSafeEqual(digest(match[1]), expected)) {
      res.set('WWW-Authenticate', 'Bearer realm="moorage", error="invalid_token"')
      next(new UnauthorizedError('wrong admin token', { hint }))
      return
    }
    next()
  }
}

function digest (token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest()
}
