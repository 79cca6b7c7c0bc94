// NEAR's claim statements: what NEAR RPC answers about an account at a final block.
// Checked field by field with the module's account rule before any endpoint is asked.
import type { IdRule } from '../../../src/chain/module.ts'
import { bad, id, shown, statementFields } from '../../../src/claims/statement.ts'
import { base58Decode } from '../base58.ts'

export type NearStatement =
  /** The account's liquid balance (view_account `amount`), in yoctoNEAR. */
  | { kind: 'balance', account: string }
  /** The account's code hash (base58; 11111111111111111111111111111111 when it has no contract). */
  | { kind: 'code-hash', account: string }
  /** A view function's result (call_function), as UTF-8 text; `args` is its JSON argument text. */
  | { kind: 'view', contract: string, method: string, args: string }
  /** The value at one key of a contract's storage (view_state), both base64; "" when absent. */
  | { kind: 'storage', contract: string, key: string }
  /** A transaction's (at its signer `account`) or a receipt's (at its receiver `account`) outcome, proven by the light client. */
  | { kind: 'outcome', type: 'transaction' | 'receipt', id: string, account: string }

export const NEAR_KINDS: Record<NearStatement['kind'], readonly string[]> = {
  balance: ['account'],
  'code-hash': ['account'],
  view: ['contract', 'method', 'args'],
  storage: ['contract', 'key'],
  outcome: ['type', 'id', 'account']
}

const HINT = 'e.g. {"kind":"view","contract":"config.test.near","method":"config","args":"{}"} or {"kind":"outcome","type":"transaction","id":"<base58 hash>","account":"<signer>"}; docs/claims.md lists every kind'
/** Longest view arguments taken (a view's JSON arguments are short). */
const MAX_ARGS = 2048
const METHOD = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/
const HASH = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

export function parseNearStatement (v: unknown, account: IdRule): NearStatement {
  const { kind, fields: f } = statementFields(v, NEAR_KINDS, HINT)
  switch (kind as NearStatement['kind']) {
    case 'balance': return { kind: 'balance', account: id(account, f.account, 'account') }
    case 'code-hash': return { kind: 'code-hash', account: id(account, f.account, 'account') }
    case 'view': {
      if (typeof f.method !== 'string' || !METHOD.test(f.method)) return bad(`"method" must be a function name (letters, digits, _), got ${shown(f.method)}`, HINT)
      if (typeof f.args !== 'string' || f.args.length > MAX_ARGS) return bad(`"args" must be the view's JSON arguments as text (at most ${MAX_ARGS} characters, "{}" for none), got ${shown(f.args)}`, HINT)
      let args: unknown
      try { args = JSON.parse(f.args) } catch { return bad(`"args" must be JSON text, got ${shown(f.args)}`, HINT) }
      // Canonical text: the same statement reads the same at every node.
      return { kind: 'view', contract: id(account, f.contract, 'contract'), method: f.method, args: JSON.stringify(args) }
    }
    case 'storage': {
      if (typeof f.key !== 'string' || f.key.length === 0 || f.key.length > 4096 || !BASE64.test(f.key)) return bad(`"key" must be a storage key in base64, got ${shown(f.key)}`, HINT)
      return { kind: 'storage', contract: id(account, f.contract, 'contract'), key: f.key }
    }
    case 'outcome': {
      if (f.type !== 'transaction' && f.type !== 'receipt') return bad(`"type" must be "transaction" or "receipt", got ${shown(f.type)}`, HINT)
      if (typeof f.id !== 'string' || !HASH.test(f.id) || base58Decode(f.id).length !== 32) return bad(`"id" must be the ${f.type} hash in base58, got ${shown(f.id)}`, HINT)
      return { kind: 'outcome', type: f.type, id: f.id, account: id(account, f.account, 'account') }
    }
  }
}
