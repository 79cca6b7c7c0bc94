// Claims about what the context config canister certifies in its own tree
// (contracts/icp/src/Certified.mo): its certified query answers the value, the data
// certificate and a witness (its tree pruned to the value's path). The value holds only if
// the certificate verifies under the root key with its time within 5 minutes of now, the
// witness is the tree the canister certified (its root hash is the certificate's
// `canister/<id>/certified_data`; certified-tree.ts), and the witness holds that value at
// that path, or proves the path absent. The canister's own word (the answer's `value`)
// must agree with the witness, but the result is the witness's.
import { LookupPathStatus } from '@dfinity/agent'
import type { Principal } from '@dfinity/principal'
import { ClaimRejectedError } from '../../../src/claims/errors.ts'
import { parseHex, toHex } from '../../../src/crypto/bytes.ts'
import { CertifiedTreeError, decodeTree, verifyCertifiedTree } from '../certified-tree.ts'
import type { IcpStatement } from './statement.ts'

/** The kinds read from the canister's own tree. */
export type TreeStatement = Extract<IcpStatement, { kind: 'log-head' | 'application' | 'revision' | 'member' }>
export const TREE_KINDS: ReadonlySet<string> = new Set<TreeStatement['kind']>(['log-head', 'application', 'revision', 'member'])

/** A certified query's answer as the canister's Candid gives it. */
export interface WitnessedAnswer { value: [] | [Uint8Array], certificate: [] | [Uint8Array], witness: Uint8Array }

/** What the witness is checked to be: the value, the certificate's time and its state tree's root hash. */
export interface WitnessedValue { value: string, timeMs: number, root: string }

const ROLES = ['admin', 'member', 'reader'] as const
const CAPABILITIES = ['ManageMembers', 'ManageApplication', 'Proxy'] as const
/** Largest witness taken: a path through two AVL trees of depth ≤ 64 is a few kilobytes. */
const MAX_WITNESS = 64 * 1024

/** The path of `s` in the canister's tree. */
export function treePath (s: TreeStatement): Uint8Array[] {
  const label = (t: string): Uint8Array => new TextEncoder().encode(t)
  const bytes = (h: string): Uint8Array => parseHex(h, 32)!
  switch (s.kind) {
    case 'log-head': return [label('head')]
    case 'application': return [label('contexts'), bytes(s.context), label('application')]
    case 'revision': return [label('contexts'), bytes(s.context), label('revision')]
    case 'member': return [label('contexts'), bytes(s.context), label('members'), bytes(s.identity)]
  }
}

/** The value's text: hex ids, a decimal revision, a member's entry as JSON. */
function shownValue (s: TreeStatement, v: Uint8Array, source: string): string {
  switch (s.kind) {
    case 'log-head':
    case 'application':
      if (v.length !== 32) throw new ClaimRejectedError(`${source}: the certified ${s.kind} is ${v.length} bytes, not 32`)
      return toHex(v)
    case 'revision':
      if (v.length !== 8) throw new ClaimRejectedError(`${source}: the certified revision is ${v.length} bytes, not a u64`)
      return Buffer.from(v).readBigUInt64BE().toString()
    case 'member': {
      const role = ROLES[v[0]! - 1]
      if (v.length !== 2 || role === undefined || v[1]! >= 8) throw new ClaimRejectedError(`${source}: the certified member entry ${toHex(v)} is not [role, capabilities]`)
      return JSON.stringify({ role, capabilities: CAPABILITIES.filter((_, i) => (v[1]! & (1 << i)) !== 0) })
    }
  }
}

/**
 * Checks the canister's answer for `statement` against the root key `rootKey` (DER) at
 * `nowNs`; `source` names the endpoint in the reasons. The value is "" when the witness
 * proves the path absent (no such context, or not a member).
 */
export async function checkWitnessed (statement: TreeStatement, answer: WitnessedAnswer, init: { canister: Principal, rootKey: Uint8Array, nowNs: bigint, source: string }): Promise<WitnessedValue> {
  const { source } = init
  const certificate = answer.certificate[0]
  if (certificate === undefined) throw new ClaimRejectedError(`${source}: the answer carries no data certificate`)
  if (answer.witness.length > MAX_WITNESS) throw new ClaimRejectedError(`${source}: the witness is longer than ${MAX_WITNESS} bytes`)
  const path = treePath(statement)
  let found
  let checked
  try {
    const tree = decodeTree(answer.witness, `${source}: the witness`)
    checked = await verifyCertifiedTree(`${source}: the witness`, { certificate, tree, canister: init.canister, rootKey: init.rootKey, atNs: init.nowNs })
    found = checked.lookup(path)
  } catch (e) {
    if (e instanceof CertifiedTreeError) throw new ClaimRejectedError(e.message, { cause: e })
    throw e
  }
  let value: Uint8Array | undefined
  switch (found.status) {
    case LookupPathStatus.Found: value = found.value; break
    case LookupPathStatus.Absent: value = undefined; break
    case LookupPathStatus.Unknown: throw new ClaimRejectedError(`${source}: the witness does not reveal the ${statement.kind} asked for (that path is pruned: a witness of another path)`)
    default: throw new ClaimRejectedError(`${source}: the witness holds a subtree, not a value, at the ${statement.kind}'s path`)
  }
  const said = answer.value[0]
  if ((said === undefined) !== (value === undefined) || (said !== undefined && !Buffer.from(said).equals(Buffer.from(value!)))) {
    throw new ClaimRejectedError(`${source}: the answer's value ${said === undefined ? '(none)' : toHex(said)} is not the one its witness certifies (${value === undefined ? 'absent' : toHex(value)})`)
  }
  return {
    value: value === undefined ? '' : shownValue(statement, value, source),
    timeMs: Number(checked.timeNs / 1_000_000n),
    root: toHex(checked.stateRoot)
  }
}
