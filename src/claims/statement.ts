// Claim statements and verification options as the CLI, the API, config.json and
// invitation conditions give them: checked field by field before any endpoint is asked,
// so a bad one is an InvalidClaimError naming the field, never a SyntaxError/TypeError.
// Which kinds exist and how each field reads is the chain module's (`claims.kinds`, `claims.parse`).
import type { ClaimVerifier, IdRule } from '../chain/module.ts'
import { isRpcUrl } from '../chain/endpoint.ts'
import { parseId } from '../chain/ids.ts'
import { InvalidInputError } from '../errors/index.ts'
import type { ClaimStatement, ClaimVerifyInit } from './types.ts'

export class InvalidClaimError extends InvalidInputError {
  override name = 'InvalidClaimError'
}

/** Longest statement text taken (a statement is a few short fields). */
export const MAX_STATEMENT_TEXT = 4096
/** Most endpoints one verification asks. */
export const MAX_ENDPOINTS = 8
/** Largest mapping slot index taken (a contract's declared state variables). */
export const MAX_SLOT_INDEX = 2 ** 32 - 1

const UINT256_MAX = 2n ** 256n - 1n

const STATEMENT_HINT = 'docs/claims.md lists every chain\'s statement kinds'

export function bad (why: string, hint = STATEMENT_HINT, what = 'statement'): never {
  throw new InvalidClaimError(`claim ${what}: ${why}`, { hint })
}
const badOption = (why: string, hint?: string): never => bad(why, hint ?? 'docs/claims.md, "Options"', 'options')

export function shown (v: unknown): string {
  let s: string
  try { s = v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v) } catch { s = typeof v }
  return s.length > 60 ? s.slice(0, 57) + '…' : s
}

export function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** A uint256 given as a decimal string, a 0x hex string or a safe JSON integer; as a bigint. */
export function parseUint256 (v: unknown, field: string): bigint {
  let n: bigint | undefined
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) n = BigInt(v)
  else if (typeof v === 'string' && (/^[0-9]{1,78}$/.test(v) || /^0x[0-9a-fA-F]{1,64}$/.test(v))) n = BigInt(v)
  if (n === undefined || n > UINT256_MAX) return bad(`"${field}" must be a uint256 (decimal or 0x hex), got ${shown(v)}`)
  return n
}

export function id (rule: IdRule, v: unknown, field: string): string {
  const parsed = parseId(rule, v)
  if (parsed === undefined) return bad(`"${field}" must be ${rule.description}, got ${shown(v)}`)
  return parsed
}

/**
 * The kind and fields of a statement object, checked against a chain's kinds (kind → its
 * fields): a known kind, every field present, none other. The chain then checks each field.
 */
export function statementFields (v: unknown, kinds: Readonly<Record<string, readonly string[]>>, hint = STATEMENT_HINT): { kind: string, fields: Record<string, unknown> } {
  if (!isRecord(v)) return bad(`must be a JSON object, got ${shown(v)}`, hint)
  const kind = v.kind
  if (typeof kind !== 'string' || !Object.hasOwn(kinds, kind)) return bad(`"kind" must be one of ${Object.keys(kinds).join(', ')}, got ${shown(kind)}`, hint)
  const allowed = kinds[kind]!
  const extra = Object.keys(v).find((k) => k !== 'kind' && !allowed.includes(k))
  if (extra !== undefined) return bad(`${kind} takes ${allowed.join(', ')}; unknown field ${shown(extra)}`, hint)
  const missing = allowed.find((k) => v[k] === undefined)
  if (missing !== undefined) return bad(`${kind} needs "${missing}"`, hint)
  return { kind, fields: v }
}

/** A statement object as parsed JSON gives it, checked by the chain's verifier. */
export function parseClaimStatement (v: unknown, verifier: Pick<ClaimVerifier, 'parse'>): ClaimStatement {
  return verifier.parse(v)
}

export function slotIndex (v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_SLOT_INDEX) {
    return bad(`"slotIndex" must be an integer from 0 to ${MAX_SLOT_INDEX} (the mapping's position among the contract's state variables), got ${shown(v)}`)
  }
  return v
}

/** A statement as JSON text (the CLI's argument). */
export function parseClaimStatementText (text: string, verifier: Pick<ClaimVerifier, 'parse'>): ClaimStatement {
  if (text.length > MAX_STATEMENT_TEXT) return bad(`longer than ${MAX_STATEMENT_TEXT} characters`)
  let v: unknown
  try { v = JSON.parse(text) } catch (err) { return bad(`not JSON (${(err as Error).message})`) }
  return parseClaimStatement(v, verifier)
}

/** A block: "latest" or a block number. */
export function parseBlock (v: unknown): number | 'latest' {
  if (v === 'latest') return v
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v
  if (typeof v === 'string' && /^[0-9]{1,15}$/.test(v)) return Number(v)
  return badOption(`"block" must be "latest" or a block number, got ${shown(v)}`, 'omit it for the latest block')
}

/** A checkpoint's hash as chains write them: 0x hex, or base58 (case matters there, so only hex is lower-cased). */
const CHECKPOINT_HASH = /^(?:0x[0-9a-fA-F]{1,128}|[1-9A-HJ-NP-Za-km-z]{32,90})$/
const hashText = (h: string): string => h.startsWith('0x') ? h.toLowerCase() : h

/** A pinned checkpoint { number, hash } (the hash's shape is the chain's, checked by its verifier). */
export function parseCheckpoint (v: unknown): { number: number, hash: string } {
  if (typeof v === 'string') {
    const m = /^([0-9]{1,15}):(.*)$/.exec(v)
    if (m === null || !CHECKPOINT_HASH.test(m[2]!)) return badOption(`checkpoint must be <number>:<hash> (0x hex, or base58), got ${shown(v)}`, 'e.g. 19000000:0xabc…')
    return { number: Number(m[1]), hash: hashText(m[2]!) }
  }
  if (!isRecord(v) || Object.keys(v).some((k) => k !== 'number' && k !== 'hash')) return badOption(`checkpoint must be { "number", "hash" }, got ${shown(v)}`)
  if (typeof v.number !== 'number' || !Number.isSafeInteger(v.number) || v.number < 0) return badOption(`checkpoint "number" must be a block number, got ${shown(v.number)}`)
  if (typeof v.hash !== 'string' || !CHECKPOINT_HASH.test(v.hash)) return badOption(`checkpoint "hash" must be a 0x hex or base58 hash, got ${shown(v.hash)}`)
  return { number: v.number, hash: hashText(v.hash) }
}

/** Endpoints: 1 to MAX_ENDPOINTS http(s)/ws(s) URLs (comma-separated text or a list). */
export function parseEndpoints (v: unknown): string[] {
  const list = typeof v === 'string' ? v.split(',').map((u) => u.trim()).filter((u) => u !== '') : v
  if (!Array.isArray(list) || list.length === 0) return badOption('endpoints must be a non-empty list of URLs', 'give ≥ 2 independent endpoints, or 1 with a pinned checkpoint')
  if (list.length > MAX_ENDPOINTS) return badOption(`at most ${MAX_ENDPOINTS} endpoints, got ${list.length}`)
  const wrong = list.find((u) => !isRpcUrl(u))
  if (wrong !== undefined) return badOption(`endpoint ${shown(wrong)} is not an http(s):// or ws(s):// URL`)
  return list as string[]
}

/** Verification options: endpoints, and an optional checkpoint and block. */
export function parseVerifyInit (v: { endpoints: unknown, checkpoint?: unknown, block?: unknown }): ClaimVerifyInit {
  const init: ClaimVerifyInit = { endpoints: parseEndpoints(v.endpoints) }
  if (v.checkpoint !== undefined) init.checkpoint = parseCheckpoint(v.checkpoint)
  if (v.block !== undefined) init.block = parseBlock(v.block)
  if (init.checkpoint !== undefined && init.block !== undefined && init.block !== init.checkpoint.number) {
    return badOption(`a checkpoint pins block ${init.checkpoint.number}; "block" ${init.block} is another`, 'omit "block" with a checkpoint')
  }
  return init
}
