// A tree a canister certified: the canister sent a hash tree (a witness) with a data
// certificate, and the tree holds only if the certificate verifies under the root key (its
// BLS signature, subnet delegation and canister ranges, by agent-js's Certificate), its time
// is within 5 minutes of the time asked about, and its `canister/<id>/certified_data` is the
// tree's root hash (agent-js's `reconstruct`). Then what the tree holds at a path
// (`lookupPath`) is what the canister certified. Canister signatures and certified-query
// claims both rest on this.
import { Certificate, Cbor, LookupPathStatus, NodeType, flatten_forks, lookupResultToBuffer, reconstruct, type HashTree, type LookupResult } from '@dfinity/agent'
import { PipeArrayBuffer, lebDecode } from '@dfinity/candid'
import type { Principal } from '@dfinity/principal'

/** The certificate's time may be this far from the time the tree is checked for. */
export const CERTIFICATE_SKEW_NS = 5n * 60n * 1_000_000_000n

/** Why a certified tree does not hold; the message names what failed. */
export class CertifiedTreeError extends Error {
  override name = 'CertifiedTreeError'
}

export interface CertifiedTree {
  tree: HashTree
  /** The certificate's time (ns since the epoch). */
  timeNs: bigint
  /** The root hash of the certificate's own state tree. */
  stateRoot: Uint8Array
  /** What the canister's tree holds at `path`. */
  lookup: (path: Array<string | Uint8Array>) => LookupResult
}

/** A witness as the canister sent it (CBOR) as a hash tree; a CertifiedTreeError names `what` when it is not one. */
export function decodeTree (cbor: Uint8Array, what: string): HashTree {
  let tree: unknown
  try { tree = Cbor.decode(cbor) } catch { throw new CertifiedTreeError(`${what} is not CBOR`) }
  if (!Array.isArray(tree)) throw new CertifiedTreeError(`${what} is not a hash tree`)
  return tree as HashTree
}

/**
 * Checks that canister `canister` certified `tree` by `certificate` (CBOR) under `rootKey`
 * (DER), the certificate's time within CERTIFICATE_SKEW_NS of `atNs`. `what` names the
 * evidence in the reasons ("the canister signature", "the witness from <endpoint>").
 */
export async function verifyCertifiedTree (what: string, init: { certificate: Uint8Array, tree: HashTree, canister: Principal, rootKey: Uint8Array, atNs: bigint }): Promise<CertifiedTree> {
  const { tree, canister } = init
  let certificate: Certificate
  try {
    // The time is checked below against `atNs` rather than agent-js's clock, so a caller
    // that checks for a past moment (a statement's time) gets the same verdict every time.
    certificate = await Certificate.create({ certificate: init.certificate, rootKey: init.rootKey, canisterId: canister, disableTimeVerification: true })
  } catch (e) {
    throw new CertifiedTreeError(`${what}: its certificate does not verify under the root key: ${(e as Error).message}`, { cause: e })
  }
  const time = lookupResultToBuffer(certificate.lookup_path(['time']))
  if (time === undefined) throw new CertifiedTreeError(`${what}: its certificate has no time`)
  const timeNs = lebDecode(new PipeArrayBuffer(time))
  const off = timeNs > init.atNs ? timeNs - init.atNs : init.atNs - timeNs
  if (off > CERTIFICATE_SKEW_NS) {
    throw new CertifiedTreeError(`${what}: its certificate is from ${new Date(Number(timeNs / 1_000_000n)).toISOString()}, more than 5 minutes from ${new Date(Number(init.atNs / 1_000_000n)).toISOString()}`)
  }
  const certified = lookupResultToBuffer(certificate.lookup_path(['canister', canister.toUint8Array(), 'certified_data']))
  if (certified === undefined) throw new CertifiedTreeError(`${what}: the certificate holds no certified data of canister ${canister.toText()}`)
  let root: Uint8Array
  try { root = await reconstruct(tree) } catch { throw new CertifiedTreeError(`${what}: its tree is not a hash tree`) }
  if (!Buffer.from(root).equals(Buffer.from(certified))) {
    throw new CertifiedTreeError(`${what}: its tree is not the one canister ${canister.toText()} certified (its root hash differs from the certified data)`)
  }
  return {
    tree,
    timeNs,
    stateRoot: await reconstruct(certificate.cert.tree),
    lookup: (path) => lookupPath(path.map((l) => typeof l === 'string' ? new TextEncoder().encode(l) : l), tree)
  }
}

/**
 * The spec's lookup of `path` in `tree`: Found with the leaf, Absent when the labels around
 * where it would be are revealed with nothing pruned between them, Unknown when a pruned
 * node hides that place. Not agent-js 3's `lookup_path`: its label comparison
 * (`isBufferGreaterThan`) does not stop at the first differing byte, so it calls a label
 * that sorts before another "greater" and misjudges absence (it finds present labels right).
 */
export function lookupPath (path: Uint8Array[], tree: HashTree): LookupResult {
  if (path.length === 0) {
    switch (tree[0]) {
      case NodeType.Leaf: return { status: LookupPathStatus.Found, value: tree[1] }
      case NodeType.Pruned: return { status: LookupPathStatus.Unknown }
      case NodeType.Empty: return { status: LookupPathStatus.Absent }
      default: return { status: LookupPathStatus.Error }
    }
  }
  const [label, ...rest] = path as [Uint8Array, ...Uint8Array[]]
  let hidden = false // a pruned node since the last label before `label`
  for (const node of flatten_forks(tree)) {
    if (node[0] === NodeType.Pruned) hidden = true
    if (node[0] !== NodeType.Labeled) continue
    const order = Buffer.compare(Buffer.from(node[1]), Buffer.from(label))
    if (order === 0) return lookupPath(rest, node[2])
    if (order > 0) break
    hidden = false
  }
  return { status: hidden ? LookupPathStatus.Unknown : LookupPathStatus.Absent }
}
