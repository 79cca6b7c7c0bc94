// NEAR's hashes as nearcore computes them, for the devnet that makes them and the light
// client that checks them: borsh of the header parts, sha256, and Merkle trees whose
// odd node is carried up unhashed (nearcore's `merklize` and its block Merkle tree have
// that shape: the left subtree is the largest power of two below the size).
import { serialize, type Schema } from 'borsh'
import { sha256 } from '../../../src/crypto/hash.ts'
import { base58Decode, base58Encode } from '../base58.ts'
import type { BlockHeaderInnerLiteView, ExecutionOutcomeView, LightClientBlockLiteView, MerklePathItem, ValidatorStakeView } from './views.ts'

const HASH: Schema = { array: { type: 'u8', len: 32 } }
const INNER_LITE: Schema = {
  struct: {
    height: 'u64',
    epoch_id: HASH,
    next_epoch_id: HASH,
    prev_state_root: HASH,
    outcome_root: HASH,
    timestamp: 'u64',
    next_bp_hash: HASH,
    block_merkle_root: HASH
  }
}
const PUBLIC_KEY: Schema = { struct: { keyType: 'u8', data: HASH } }
/** `Vec<ValidatorStake>`: the enum's V1 variant (tag 0) of account, key and stake. */
const VALIDATORS: Schema = { array: { type: { enum: [{ struct: { V1: { struct: { account_id: 'string', public_key: PUBLIC_KEY, stake: 'u128' } } } }] } } }
/** PartialExecutionOutcome: what an outcome's hash covers (a failure's error is not covered). */
const PARTIAL_OUTCOME: Schema = {
  struct: {
    receipt_ids: { array: { type: HASH } },
    gas_burnt: 'u64',
    tokens_burnt: 'u128',
    executor_id: 'string',
    status: { enum: [{ struct: { Unknown: { struct: {} } } }, { struct: { Failure: { struct: {} } } }, { struct: { SuccessValue: { array: { type: 'u8' } } } }, { struct: { SuccessReceiptId: HASH } }] }
  }
}
const HASHES: Schema = { array: { type: HASH } }

export const ZERO_HASH = new Uint8Array(32)

/** A base58 hash as its 32 bytes; throws on anything else. */
export function hashBytes (text: string): Uint8Array {
  const b = base58Decode(text)
  if (b.length !== 32) throw new Error(`not a 32-byte hash: ${text.slice(0, 50)}`)
  return b
}
export const hashText = (b: Uint8Array): string => base58Encode(b)

/** nearcore's combine_hash: sha256 of the two hashes side by side. */
export const combine = (a: Uint8Array, b: Uint8Array): Uint8Array => sha256(a, b)

export function innerLiteHash (l: BlockHeaderInnerLiteView): Uint8Array {
  return sha256(serialize(INNER_LITE, {
    height: BigInt(l.height),
    epoch_id: hashBytes(l.epoch_id),
    next_epoch_id: hashBytes(l.next_epoch_id),
    prev_state_root: hashBytes(l.prev_state_root),
    outcome_root: hashBytes(l.outcome_root),
    timestamp: BigInt(l.timestamp_nanosec),
    next_bp_hash: hashBytes(l.next_bp_hash),
    block_merkle_root: hashBytes(l.block_merkle_root)
  }))
}

/** hash_inner = combine(sha256(borsh(inner_lite)), inner_rest_hash). */
export const innerHash = (l: BlockHeaderInnerLiteView, innerRestHash: Uint8Array): Uint8Array => combine(innerLiteHash(l), innerRestHash)

/** The block hash: combine(hash_inner, prev_hash). */
export function blockHash (b: LightClientBlockLiteView): Uint8Array {
  return combine(innerHash(b.inner_lite, hashBytes(b.inner_rest_hash)), hashBytes(b.prev_block_hash))
}

/** next_bp_hash: sha256 of borsh(Vec<ValidatorStake>). */
export function blockProducersHash (bps: readonly ValidatorStakeView[]): Uint8Array {
  return sha256(serialize(VALIDATORS, bps.map((v) => {
    if (!v.public_key.startsWith('ed25519:')) throw new Error(`not an ed25519 key: ${v.public_key.slice(0, 60)}`)
    return { V1: { account_id: v.account_id, public_key: { keyType: 0, data: hashBytes(v.public_key.slice(8)) }, stake: BigInt(v.stake) } }
  })))
}

/** What a block producer signs to endorse `block` for `targetHeight`: borsh(ApprovalInner::Endorsement(block)) ‖ u64 LE. */
export function approvalMessage (block: Uint8Array, targetHeight: number): Uint8Array {
  const out = new Uint8Array(1 + 32 + 8)
  out[0] = 0
  out.set(block, 1)
  new DataView(out.buffer).setBigUint64(33, BigInt(targetHeight), true)
  return out
}

/** The hashes an outcome stands for: its id, its partial outcome, each log. */
export function outcomeHashes (id: string, o: ExecutionOutcomeView): Uint8Array[] {
  const s = o.status
  const status = s === 'Unknown'
    ? { Unknown: {} }
    : 'Failure' in s ? { Failure: {} } : 'SuccessValue' in s ? { SuccessValue: new Uint8Array(Buffer.from(s.SuccessValue, 'base64')) } : { SuccessReceiptId: hashBytes(s.SuccessReceiptId) }
  const partial = serialize(PARTIAL_OUTCOME, {
    receipt_ids: o.receipt_ids.map(hashBytes),
    gas_burnt: BigInt(o.gas_burnt),
    tokens_burnt: BigInt(o.tokens_burnt),
    executor_id: o.executor_id,
    status
  })
  return [hashBytes(id), sha256(partial), ...o.logs.map((l) => sha256(new TextEncoder().encode(l)))]
}

/** An outcome's leaf in its shard's outcome tree: sha256(borsh(Vec<CryptoHash>)). */
export const outcomeLeaf = (id: string, o: ExecutionOutcomeView): Uint8Array => sha256(serialize(HASHES, outcomeHashes(id, o)))

/** nearcore's compute_root_from_path: a Left item is the sibling on the left. */
export function rootFromPath (leaf: Uint8Array, path: readonly MerklePathItem[]): Uint8Array {
  let h = leaf
  for (const p of path) h = p.direction === 'Left' ? combine(hashBytes(p.hash), h) : combine(h, hashBytes(p.hash))
  return h
}

/** Size of the left subtree of a tree with `n` leaves: the largest power of two below n. */
function split (n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** The root over leaf hashes (zeros when empty). */
export function merkleRoot (leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return ZERO_HASH
  if (leaves.length === 1) return leaves[0]!
  const k = split(leaves.length)
  return combine(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)))
}

/** The path from leaf `index` to the root, leaf side first. */
export function merklePath (leaves: readonly Uint8Array[], index: number): MerklePathItem[] {
  if (index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} of ${leaves.length}`)
  if (leaves.length === 1) return []
  const k = split(leaves.length)
  if (index < k) return [...merklePath(leaves.slice(0, k), index), { hash: hashText(merkleRoot(leaves.slice(k))), direction: 'Right' }]
  return [...merklePath(leaves.slice(k), index - k), { hash: hashText(merkleRoot(leaves.slice(0, k))), direction: 'Left' }]
}

/** An append-only Merkle tree kept as its peaks (nearcore's PartialMerkleTree): the block Merkle root per block in O(log n). */
export class MerkleAccumulator {
  private readonly peaks: Uint8Array[] = []
  private size = 0

  push (leaf: Uint8Array): void {
    let node = leaf
    let s = this.size
    while (s % 2 === 1) {
      node = combine(this.peaks.pop()!, node)
      s = Math.floor(s / 2)
    }
    this.peaks.push(node)
    this.size++
  }

  root (): Uint8Array {
    if (this.peaks.length === 0) return ZERO_HASH
    let r = this.peaks.at(-1)!
    for (let i = this.peaks.length - 2; i >= 0; i--) r = combine(this.peaks[i]!, r)
    return r
  }
}
