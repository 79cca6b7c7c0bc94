// ICP's claim statements: what a subnet certifies about a canister, read from its state
// tree (read_state) with the certificate and the pruned tree that witnesses the value.
// Checked field by field with the module's canister rule before any endpoint is asked.
import type { IdRule } from '../../../src/chain/module.ts'
import { id, statementFields } from '../../../src/claims/statement.ts'

export type IcpStatement =
  /** The canister's certified data (hex; what it last set with certified_data_set). For the context config canister: its revision log's head hash. */
  | { kind: 'certified-data', canister: string }
  /** The sha256 of the canister's installed WASM module (hex; "" when it is empty). */
  | { kind: 'module-hash', canister: string }

export const ICP_KINDS: Record<IcpStatement['kind'], readonly string[]> = {
  'certified-data': ['canister'],
  'module-hash': ['canister']
}

const HINT = 'e.g. {"kind":"certified-data","canister":"rrkah-fqaaa-aaaaa-aaaaq-cai"}; docs/claims.md lists every kind'

export function parseIcpStatement (v: unknown, canister: IdRule): IcpStatement {
  const { kind, fields: f } = statementFields(v, ICP_KINDS, HINT)
  return { kind: kind as IcpStatement['kind'], canister: id(canister, f.canister, 'canister') }
}
