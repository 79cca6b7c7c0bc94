// Request schemas: the one description of a route's input. A route validates its path
// parameters, query and body with `validated(schema)` (below), and GET /openapi.json reads
// the same objects from the mounted routes (openapi/document.ts). They are JSON Schema
// (2020-12, as OpenAPI 3.1 takes it), limited to the keywords `check` interprets; `check`
// reports through the checks of validate.ts, so errors name the field by its path
// (`body.applicationId`, `params.id`, `query.limit`).

import type { Request, RequestHandler, Response } from 'express'
import { InvalidInputError } from '../errors/index.ts'
import { MAX_NAME_LENGTH } from './constants.ts'
import { hexId, integer, kind, name, noBody, object, oneOf, only, query, queryFlag, queryInteger } from './validate.ts'

export interface Schema {
  type?: 'object' | 'string' | 'integer' | 'boolean' | 'array'
  /** Documentation; on an object or an enum also the hint of its error. */
  description?: string
  properties?: Record<string, Schema>
  required?: readonly string[]
  additionalProperties?: false
  /** Only the patterns of PATTERNS below, each checked by its validator. */
  pattern?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  enum?: readonly string[]
  items?: Schema
  minItems?: number
  maxItems?: number
  /** Alternatives told apart by the `discriminator.propertyName` field (OpenAPI's discriminator). */
  oneOf?: readonly Schema[]
  discriminator?: { propertyName: string }
  contentEncoding?: string
}

/** What a route takes. `body: 'none'`: no body (or `{}`); left out: the route reads no body. */
export interface RouteSchema {
  params?: Record<string, Schema>
  query?: Record<string, Schema>
  body?: Schema | 'none'
  /** The body is optional (checked only when one is sent). */
  bodyOptional?: boolean
  /** Also accepts a raw body of this media type; the route then checks the body itself (either form). */
  rawBody?: string
}

export const HEX_ID_PATTERN = '^[0-9a-fA-F]{64}$'
export const NAME_PATTERN = '^\\P{Cc}*$'

export const hexIdSchema = (description?: string): Schema => ({ type: 'string', pattern: HEX_ID_PATTERN, ...(description !== undefined ? { description } : {}) })
export const NAME_SCHEMA: Schema = { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH, pattern: NAME_PATTERN, description: 'a display name without control characters' }
/** Any JSON value. */
export const ANY_JSON: Schema = { description: 'any JSON value' }

/** Validators of the patterns a schema may use (one message per kind of field). */
const PATTERNS: Record<string, (value: unknown, field: string) => unknown> = {
  [HEX_ID_PATTERN]: hexId,
  [NAME_PATTERN]: name
}

/** `value` checked against `schema`; the value as the route uses it (hex ids lowercased). */
export function check (schema: Schema, value: unknown, where: string): unknown {
  if (schema.oneOf !== undefined && schema.discriminator !== undefined) return checkOneOf(schema, value, where)
  switch (schema.type) {
    case undefined: return value
    case 'object': return checkObject(schema, value, where)
    case 'string': return checkString(schema, value, where)
    case 'integer': return integer(value, where, schema.minimum ?? Number.MIN_SAFE_INTEGER, schema.maximum ?? Number.MAX_SAFE_INTEGER)
    case 'boolean':
      if (typeof value !== 'boolean') throw new InvalidInputError(`${where} must be true or false`, { details: `got ${kind(value)}` })
      return value
    case 'array': {
      const min = schema.minItems ?? 0
      const max = schema.maxItems ?? Number.MAX_SAFE_INTEGER
      if (!Array.isArray(value) || value.length < min || value.length > max) {
        // The field's name is the noun: `body.actions must be an array of 1 to 16 actions`.
        throw new InvalidInputError(`${where} must be an array of ${min} to ${max} ${/\w+$/.exec(where)?.[0] ?? 'items'}`, { details: `got ${kind(value)}`, ...hint(schema) })
      }
      return value.map((item, i) => check(schema.items ?? ANY_JSON, item, `${where}[${i}]`))
    }
  }
}

function checkObject (schema: Schema, value: unknown, where: string): Record<string, unknown> {
  const obj = object(value, where === 'body' ? 'request body' : where, schema.description)
  const properties = schema.properties ?? {}
  if (schema.additionalProperties === false) only(obj, Object.keys(properties), where)
  const out: Record<string, unknown> = {}
  for (const [key, property] of Object.entries(properties)) {
    if (obj[key] === undefined) {
      if (schema.required?.includes(key) === true) {
        throw new InvalidInputError(`missing ${where}.${key}`, { details: `${where}.${key} must be ${describe(property)}`, ...hint(schema) })
      }
      continue
    }
    out[key] = check(property, obj[key], `${where}.${key}`)
  }
  if (schema.additionalProperties !== false) for (const key of Object.keys(obj)) if (!(key in properties)) out[key] = obj[key]
  return out
}

function checkString (schema: Schema, value: unknown, where: string): unknown {
  if (schema.enum !== undefined) return oneOf(value, where, schema.enum, schema.description)
  if (schema.pattern !== undefined) {
    // The pattern's validator names the kind of field ("a 64-character hex id") for any wrong value.
    const validator = PATTERNS[schema.pattern]
    if (validator === undefined) throw new Error(`schema pattern ${schema.pattern} has no validator in PATTERNS`)
    return validator(value, where)
  }
  if (typeof value !== 'string') throw new InvalidInputError(`${where} must be a string`, { details: `got ${kind(value)}` })
  if (value.length < (schema.minLength ?? 0)) throw new InvalidInputError(`${where} must not be empty`)
  if (schema.maxLength !== undefined && value.length > schema.maxLength) throw new InvalidInputError(`${where} is longer than ${schema.maxLength} characters`)
  return value
}

function checkOneOf (schema: Schema, value: unknown, where: string): unknown {
  const field = schema.discriminator!.propertyName
  const obj = object(value, where, schema.description)
  const branches = new Map(schema.oneOf!.map((b) => [b.properties?.[field]?.enum?.[0] ?? '', b]))
  const tag = oneOf(obj[field], `${where}.${field}`, [...branches.keys()])
  return check(branches.get(tag)!, obj, where)
}

function describe (schema: Schema): string {
  if (schema.pattern === HEX_ID_PATTERN) return 'a 64-character hex id'
  if (schema.enum !== undefined) return `one of ${schema.enum.join(', ')}`
  if (schema.type === 'object') return 'a JSON object'
  if (schema.type === 'array') return 'an array'
  if (schema.type === 'integer') return `an integer from ${schema.minimum} to ${schema.maximum}`
  return schema.type === undefined ? 'a JSON value' : `a ${schema.type}`
}

function hint (schema: Schema): { hint?: string } {
  return schema.description !== undefined ? { hint: schema.description } : {}
}

/** A query parameter (always a string on the wire) as its schema's type. */
function checkQueryValue (schema: Schema, value: string | undefined, where: string): unknown {
  if (value === undefined) return undefined
  if (schema.type === 'boolean') return queryFlag(value, where)
  if (schema.type === 'integer') return queryInteger(value, where, schema.minimum ?? 0, schema.maximum ?? Number.MAX_SAFE_INTEGER)
  return check(schema, value, where)
}

export interface Input<B = any> {
  params: Record<string, any>
  query: Record<string, any>
  body: B
}

/** A middleware that checks the request against `schema`; the checked values are `input(res)`. */
export type Validator = RequestHandler & { readonly schema: RouteSchema }

export function validated (schema: RouteSchema): Validator {
  const handler: RequestHandler = (req, res, next) => {
    res.locals.input = inputOf(schema, req)
    next()
  }
  return Object.assign(handler, { schema })
}

function inputOf (schema: RouteSchema, req: Request): Input {
  const q = query(req, Object.keys(schema.query ?? {}))
  const out: Input = { params: {}, query: {}, body: undefined }
  for (const [key, s] of Object.entries(schema.query ?? {})) {
    const value = checkQueryValue(s, q[key], `query.${key}`)
    if (value !== undefined) out.query[key] = value
  }
  for (const [key, s] of Object.entries(schema.params ?? {})) out.params[key] = check(s, req.params[key], `params.${key}`)
  if (schema.body === 'none') noBody(req)
  else if (schema.body !== undefined && schema.rawBody === undefined) {
    const empty = req.body === undefined || (typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) && Object.keys(req.body as object).length === 0)
    out.body = schema.bodyOptional === true && empty ? undefined : check(schema.body, req.body, 'body')
  }
  return out
}

/** The checked input of this request (set by `validated`). */
export function input<B = any> (res: Response): Input<B> {
  return res.locals.input as Input<B>
}
