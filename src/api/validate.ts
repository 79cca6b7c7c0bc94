// Input checks for the HTTP front end. Every check runs before the node is called, so a
// request that fails one has no effect. Errors name the offending field by its path:
// `body.applicationId`, `params.id`, `query.context`, `params.contextId` (JSON-RPC).

import type { Request } from 'express'
import { InvalidInputError, PayloadTooLargeError } from '../errors/index.ts'
import { MAX_NAME_LENGTH, MAX_WASM_BYTES } from './constants.ts'

const HEX_ID = /^[0-9a-f]{64}$/i
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/
const CONTROL = /\p{Cc}/u

/** `value` as a plain JSON object; `what` says what it is ("request body", "params"). */
export function object (value: unknown, what: string, hint?: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError(`${what} must be a JSON object`, { details: `got ${kind(value)}`, hint })
  }
  return value as Record<string, unknown>
}

/** Fails on the first field of `obj` not in `allowed`. */
export function only (obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new InvalidInputError(`unknown field ${where}.${key}`, {
        details: allowed.length === 0 ? `${where} takes no fields` : `accepted fields: ${allowed.join(', ')}`
      })
    }
  }
}

/** A 64-character hex id, returned lowercased. */
export function hexId (value: unknown, field: string): string {
  if (typeof value !== 'string' || !HEX_ID.test(value)) {
    throw new InvalidInputError(`${field} must be a 64-character hex id`, { details: `got ${kind(value)}` })
  }
  return value.toLowerCase()
}

/** An integer from `min` to `max` (a JSON number). */
export function integer (value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidInputError(`${field} must be an integer from ${min} to ${max}`, { details: `got ${kind(value)}` })
  }
  return value
}

/** An integer query parameter (decimal digits) from `min` to `max`. */
export function queryInteger (value: string | undefined, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  return integer(/^[0-9]{1,16}$/.test(value) ? Number(value) : value, field, min, max)
}

/** One of a fixed set of strings. */
export function oneOf<T extends string> (value: unknown, field: string, allowed: readonly T[], hint?: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidInputError(`${field} must be one of ${allowed.join(', ')}`, { details: `got ${kind(value)}`, hint })
  }
  return value as T
}

/** A boolean query parameter: true/false/1/0. */
export function queryFlag (value: string | undefined, field: string): boolean | undefined {
  if (value === undefined) return undefined
  if (value === 'true' || value === '1') return true
  if (value === 'false' || value === '0') return false
  throw new InvalidInputError(`${field} must be true or false`, { details: `got ${kind(value)}` })
}

/** A request that takes no body: nothing, or an empty JSON object. */
export function noBody (req: Request): void {
  const body: unknown = req.body
  const sent = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined
  if (body === undefined && sent) throw new InvalidInputError('this request takes no body', { details: `got a ${req.get('content-type') ?? 'untyped'} body` })
  if (body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0)) return
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) only(body as Record<string, unknown>, [], 'body')
  throw new InvalidInputError('this request takes no body', { details: `got ${kind(body)}` })
}

/** A display name: 1..MAX_NAME_LENGTH characters, no control characters. */
export function name (value: unknown, field: string): string {
  const text = checkString(value, field, MAX_NAME_LENGTH)
  if (CONTROL.test(text)) throw new InvalidInputError(`${field} must not contain control characters`)
  return text
}

/** The query string, with every parameter single-valued and known. */
export function query (req: Request, allowed: readonly string[]): Record<string, string | undefined> {
  const raw = (req.query ?? {}) as Record<string, unknown>
  only(raw, allowed, 'query')
  const out: Record<string, string | undefined> = {}
  for (const key of allowed) {
    const value = raw[key]
    if (value === undefined) continue
    if (typeof value !== 'string') {
      throw new InvalidInputError(`query.${key} must be given once`, { details: `got ${kind(value)}` })
    }
    out[key] = value
  }
  return out
}

/** Any JSON value as UTF-8 JSON bytes (the argument convention of applications). */
export function jsonBytes (value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}

/** A WASM module given as base64 (standard or URL-safe alphabet, padding optional). */
export function base64Wasm (value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string') {
    throw new InvalidInputError(`${field} must be a base64 string`, { details: `got ${kind(value)}` })
  }
  if (!BASE64.test(value) || value.length % 4 === 1) {
    throw new InvalidInputError(`${field} is not valid base64`)
  }
  const bytes = Buffer.from(value, 'base64') // accepts both alphabets
  return wasmModule(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), field)
}

/** Size and header checks of a WASM module before it reaches the node. */
export function wasmModule (bytes: Uint8Array, field: string): Uint8Array {
  if (bytes.byteLength === 0) throw new InvalidInputError(`${field} is empty`, { hint: 'send the bytes of a .wasm file' })
  if (bytes.byteLength > MAX_WASM_BYTES) {
    throw new PayloadTooLargeError(`the module is larger than ${formatBytes(MAX_WASM_BYTES)}`, {
      details: `${field} has ${bytes.byteLength} bytes`
    })
  }
  if (bytes.byteLength < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new InvalidInputError(`${field} is not a WebAssembly module`, { details: 'it does not start with the \\0asm header' })
  }
  return bytes
}

export function formatBytes (n: number): string {
  const unit = (size: number, name: string): string => `${n % size === 0 ? n / size : (n / size).toFixed(1)} ${name}`
  if (n >= 1024 * 1024) return unit(1024 * 1024, 'MiB')
  if (n >= 1024) return unit(1024, 'KiB')
  return `${n} bytes`
}

/** A short description of a value for error details. */
export function kind (value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  const text = JSON.stringify(value)
  const shown = text.length > 40 ? text.slice(0, 37) + '...' : text
  return `${typeof value} ${shown}`
}

function checkString (value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw new InvalidInputError(`${field} must be a string`, { details: `got ${kind(value)}` })
  if (value.length === 0) throw new InvalidInputError(`${field} must not be empty`)
  if (value.length > max) throw new InvalidInputError(`${field} is longer than ${max} characters`)
  return value
}

