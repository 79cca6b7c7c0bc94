// ICP's claim statements: what a subnet certifies about a canister, read from its state
// tree (read_state), and what the context config canister certifies in its own tree
// (contracts/icp/src/Certified.mo), read with its certified query: each the value with the
// certificate and the pruned tree that witnesses it. Checked field by field with the
// module's canister rule before any endpoint is asked.
import type { IdRule } from '../../../src/chain/module.ts'
import { parseHex } from '../../../src/crypto/bytes.ts'
import { bad, id, shown, statementFields } from '../../../src/claims/statement.ts'

export type IcpStatement =
  /** The canister's certified data (hex; what it last set with certified_data_set). For the context config canister: its tree's root hash. */
  | { kind: 'certified-data', canister: string }
  /** The sha256 of the canister's installed WASM module (hex; "" when it is empty). */
  | { kind: 'module-hash', canister: string }
  /** The context config canister's revision log head (hex). */
  | { kind: 'log-head', canister: string }
  /** A context's application id (hex; "" when there is no such context). */
  | { kind: 'application', canister: string, context: string }
  /** A context's revision (decimal; "" when there is no such context). */
  | { kind: 'revision', canister: string, context: string }
  /** A member's role and capabilities (JSON text; "" when the identity is provably not a member). */
  | { kind: 'member', canister: string, context: string, identity: string }

export const ICP_KINDS: Record<IcpStatement['kind'], readonly string[]> = {
  'certified-data': ['canister'],
  'module-hash': ['canister'],
  'log-head': ['canister'],
  application: ['canister', 'context'],
  revision: ['canister', 'context'],
  member: ['canister', 'context', 'identity']
}

const HINT = 'e.g. {"kind":"member","canister":"rrkah-fqaaa-aaaaa-aaaaq-cai","context":"<64 hex>","identity":"<64 hex>"}; docs/claims.md lists every kind'

function hex32 (v: unknown, field: string): string {
  if (typeof v !== 'string' || parseHex(v, 32) === undefined) return bad(`"${field}" must be 64 hex characters, got ${shown(v)}`, HINT)
  return v.toLowerCase()
}

export function parseIcpStatement (v: unknown, canister: IdRule): IcpStatement {
  const { kind, fields: f } = statementFields(v, ICP_KINDS, HINT)
  const base = { canister: id(canister, f.canister, 'canister') }
  switch (kind as IcpStatement['kind']) {
    case 'member': return { kind: 'member', ...base, context: hex32(f.context, 'context'), identity: hex32(f.identity, 'identity') }
    case 'application':
    case 'revision': return { kind: kind as 'application' | 'revision', ...base, context: hex32(f.context, 'context') }
    default: return { kind: kind as 'certified-data' | 'module-hash' | 'log-head', ...base }
  }
}
