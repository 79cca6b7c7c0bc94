// The one JSON body parser of the API: express.json (size limit, any JSON value at the top)
// followed by a nesting bound. A body nested deeper than MAX_JSON_DEPTH parses, but later
// steps (JSON.stringify of application args, walks over the value) recurse and would
// overflow the stack: refuse it here, as a 400, before any route sees it.

import type { IncomingMessage, ServerResponse } from 'node:http'
import express from 'express'
import { InvalidInputError } from '../../errors/index.ts'
import { MAX_JSON_BYTES, MAX_JSON_DEPTH } from '../constants.ts'

/** Typed like express.json's own handler, so routes keep the params typed from their path. */
type BodyParser = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void

export function jsonBody (limit: number = MAX_JSON_BYTES): BodyParser {
  const parse = express.json({ limit, strict: false })
  return (req, res, next) => {
    parse(req, res, (err?: unknown) => {
      if (err != null) { next(err); return }
      if (nesting((req as IncomingMessage & { body?: unknown }).body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
        next(new InvalidInputError(`the JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`, {
          hint: 'flatten the value; arrays and objects count one level each'
        }))
        return
      }
      next()
    })
  }
}

/** Depth of arrays and objects in `value` (0 for a scalar), counted without recursion; stops past `max`. */
export function nesting (value: unknown, max: number): number {
  let deepest = 0
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number]
    if (typeof v !== 'object' || v === null) continue
    const level = d + 1
    if (level > deepest) deepest = level
    if (deepest > max) return deepest
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, level])
    }
  }
  return deepest
}
