// Governance actions in the context config contract's JSON form (ids and bytes as
// lower-case hex, amounts as decimal strings of yoctoNEAR), and back: the `applied` event
// carries each accepted request's text, which the change feed decodes with `decodeAction`.
import { parseHex, toHex } from '../../src/crypto/bytes.ts'
import type { ChainAction } from '../../src/governance/anchor.ts'

/** A NEAR function call or transfer a proposal makes (beyond the shared proposal actions). */
export type NearProposalAction =
  | { type: 'call', target: string, method: string, args?: Uint8Array, deposit?: bigint, gas?: bigint }
  | { type: 'transfer', to: string, amount: bigint }

type Json = Record<string, unknown>
const BYTE_FIELDS = new Set(['identity', 'application', 'invitation', 'commitment', 'proof', 'proposal', 'keyId', 'recipient', 'wrapped', 'key', 'value', 'args', 'id', 'frontier'])
const AMOUNT_FIELDS = new Set(['amount', 'deposit', 'gas'])

/** An action (or a part of one) with its byte strings as hex and amounts as decimal strings. */
export function encodeAction (value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value)
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return value.map(encodeAction)
  if (value !== null && typeof value === 'object') {
    const out: Json = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeAction(v)
    return out
  }
  return value
}

function decodeField (key: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => decodeField(key, v))
  if (typeof value === 'string' && BYTE_FIELDS.has(key)) {
    const bytes = parseHex(value)
    if (bytes !== undefined) return bytes
  }
  if (typeof value === 'string' && AMOUNT_FIELDS.has(key) && /^\d+$/.test(value)) return BigInt(value)
  if (typeof value === 'string' && key === 'expiresAt' && /^\d+$/.test(value)) return Number(value)
  if (value !== null && typeof value === 'object') {
    const out: Json = {}
    for (const [k, v] of Object.entries(value)) out[k] = decodeField(k, v)
    return out
  }
  return value
}

/** The contract's JSON of an action as the action (inverse of `encodeAction`). */
export function decodeAction (json: unknown): ChainAction | { type: string } {
  return decodeField('', json) as ChainAction | { type: string }
}
