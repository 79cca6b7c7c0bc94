// NEAR's light client, as nearcore's light-client spec describes it: a head block it
// trusts (the checkpoint, then every block it accepted), the block producers of the
// head's epoch and of the next, and two checks.
// - A next block (`next_light_client_block`) is accepted when it is newer, in the head's
//   epoch or the next, signed by block producers holding more than 2/3 of that epoch's
//   stake (each approval over the block after it, for the height after that), and, when it
//   names the next epoch's producers, they hash to its `next_bp_hash`.
// - An outcome (`EXPERIMENTAL_light_client_proof`) is proven when its hashes lead through
//   the Merkle paths to the outcome root of a block whose hash leads to the head's
//   `block_merkle_root`.
// Everything an endpoint sends is shape-checked first; a failed check is a
// LightClientError saying which, and nothing is kept.
import { verify as ed25519Verify } from '../../../src/crypto/ed25519.ts'
import { sha256 } from '../../../src/crypto/hash.ts'
import { ClaimRejectedError } from '../../../src/claims/errors.ts'
import { shown } from '../../../src/claims/statement.ts'
import { base58Decode } from '../base58.ts'
import {
  approvalMessage, blockHash, blockProducersHash, combine, hashBytes, hashText, outcomeLeaf, rootFromPath
} from './hashes.ts'
import type {
  BlockHeaderInnerLiteView, ExecutionOutcomeView, LightClientBlockLiteView, LightClientBlockView, LightClientProofView, MerklePathItem, ValidatorStakeView
} from './views.ts'

/** A light-client block or proof did not check out (a rejected claim: 422). */
export class LightClientError extends ClaimRejectedError {
  constructor (shortMessage: string, options: ConstructorParameters<typeof ClaimRejectedError>[1] = {}) {
    super(shortMessage, options)
    this.name = 'LightClientError'
  }
}

/** Bounds on what is taken from an endpoint. */
const MAX_PRODUCERS = 1024
const MAX_PATH = 64
const MAX_LOGS = 256
const MAX_LOG_CHARS = 16_384
const MAX_RECEIPTS = 1024
const MAX_VALUE_CHARS = 8 * 1024 * 1024
const HASH_RE = /^[1-9A-HJ-NP-Za-km-z]{1,44}$/
const DIGITS = /^[0-9]{1,40}$/
const ACCOUNT_RE = /^(([a-z\d]+[-_])*[a-z\d]+\.)*([a-z\d]+[-_])*[a-z\d]+$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** What the light client trusts: its head and the block producers by epoch id. */
export interface LightClientHead {
  /** The head's hash, recomputed from its parts. */
  hash: string
  block: LightClientBlockLiteView
  producers: Map<string, ValidatorStakeView[]>
}

type Rec = Record<string, unknown>
const reject = (why: string, more: { details?: string, hint?: string } = {}): never => { throw new LightClientError(why, more) }
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v)

function hashField (v: unknown, what: string): string {
  if (typeof v !== 'string' || !HASH_RE.test(v) || base58Decode(v).length !== 32) return reject(`malformed ${what}: not a base58 32-byte hash`, { details: shown(v) })
  return v
}

function path (v: unknown, what: string): MerklePathItem[] {
  if (!Array.isArray(v) || v.length > MAX_PATH) return reject(`malformed ${what}: not a Merkle path of at most ${MAX_PATH} items`)
  return v.map((p, i) => {
    if (!isRec(p) || (p.direction !== 'Left' && p.direction !== 'Right')) return reject(`malformed ${what}[${i}]: needs hash and direction Left or Right`)
    return { hash: hashField(p.hash, `${what}[${i}].hash`), direction: p.direction }
  })
}

function innerLite (v: unknown): BlockHeaderInnerLiteView {
  if (!isRec(v)) return reject('malformed inner_lite')
  if (typeof v.height !== 'number' || !Number.isSafeInteger(v.height) || v.height < 0) reject('malformed inner_lite.height')
  // Older nodes write the nanoseconds as a string in `timestamp`; newer ones in `timestamp_nanosec` too.
  const ns = v.timestamp_nanosec ?? (typeof v.timestamp === 'string' ? v.timestamp : undefined)
  if (typeof ns !== 'string' || !DIGITS.test(ns) || BigInt(ns) >= 2n ** 64n) reject('malformed inner_lite.timestamp_nanosec')
  return {
    height: v.height as number,
    epoch_id: hashField(v.epoch_id, 'inner_lite.epoch_id'),
    next_epoch_id: hashField(v.next_epoch_id, 'inner_lite.next_epoch_id'),
    prev_state_root: hashField(v.prev_state_root, 'inner_lite.prev_state_root'),
    outcome_root: hashField(v.outcome_root, 'inner_lite.outcome_root'),
    timestamp: Number(ns),
    timestamp_nanosec: ns as string,
    next_bp_hash: hashField(v.next_bp_hash, 'inner_lite.next_bp_hash'),
    block_merkle_root: hashField(v.block_merkle_root, 'inner_lite.block_merkle_root')
  }
}

export function parseBlockLite (v: unknown): LightClientBlockLiteView {
  if (!isRec(v)) return reject('malformed light-client block header')
  return { prev_block_hash: hashField(v.prev_block_hash, 'prev_block_hash'), inner_rest_hash: hashField(v.inner_rest_hash, 'inner_rest_hash'), inner_lite: innerLite(v.inner_lite) }
}

function publicKey (v: unknown, what: string): string {
  if (typeof v !== 'string' || !v.startsWith('ed25519:')) return reject(`malformed ${what}: an ed25519 key is needed (other key types are not checked here)`)
  hashField(v.slice(8), what)
  return v
}

export function parseProducers (v: unknown, what = 'block producers'): ValidatorStakeView[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_PRODUCERS) return reject(`malformed ${what}: 1 to ${MAX_PRODUCERS} validators expected`)
  return v.map((p, i) => {
    if (!isRec(p)) return reject(`malformed ${what}[${i}]`)
    if (typeof p.account_id !== 'string' || p.account_id.length < 2 || p.account_id.length > 64 || !ACCOUNT_RE.test(p.account_id)) reject(`malformed ${what}[${i}].account_id`)
    if (typeof p.stake !== 'string' || !DIGITS.test(p.stake) || BigInt(p.stake) >= 2n ** 128n) reject(`malformed ${what}[${i}].stake`)
    return { validator_stake_struct_version: 'V1', account_id: p.account_id as string, public_key: publicKey(p.public_key, `${what}[${i}].public_key`), stake: p.stake as string }
  })
}

function signature (v: unknown, i: number): string | null {
  if (v === null) return null
  if (typeof v !== 'string' || !v.startsWith('ed25519:')) return reject(`malformed approvals_after_next[${i}]: an ed25519 signature or null expected`)
  const b = (() => { try { return base58Decode(v.slice(8)) } catch { return undefined } })()
  if (b === undefined || b.length !== 64) return reject(`malformed approvals_after_next[${i}]: not a 64-byte signature`)
  return v
}

export function parseBlockView (v: unknown): LightClientBlockView {
  if (!isRec(v)) return reject('malformed light-client block')
  const lite = parseBlockLite(v)
  if (!Array.isArray(v.approvals_after_next) || v.approvals_after_next.length > 2 * MAX_PRODUCERS) reject('malformed approvals_after_next')
  return {
    ...lite,
    next_block_inner_hash: hashField(v.next_block_inner_hash, 'next_block_inner_hash'),
    next_bps: v.next_bps === null || v.next_bps === undefined ? null : parseProducers(v.next_bps, 'next_bps'),
    approvals_after_next: (v.approvals_after_next as unknown[]).map(signature)
  }
}

/** The head a checkpoint gives: its header, checked against the pinned hash. */
export function checkpointHead (header: LightClientBlockLiteView, pinned: { number: number, hash: string }): LightClientHead {
  const hash = hashText(blockHash(header))
  if (hash !== pinned.hash) reject(`the header served for the checkpoint hashes to ${hash}, not to the pinned ${pinned.hash}`)
  if (header.inner_lite.height !== pinned.number) reject(`the checkpoint ${pinned.hash} is at height ${header.inner_lite.height}, not ${pinned.number}`)
  // A genesis header cannot name the epoch after it (that epoch's id is its own hash).
  if (header.inner_lite.epoch_id === header.inner_lite.next_epoch_id) reject(`the checkpoint ${pinned.number} names no next epoch (a genesis block): the light client cannot start there`, { hint: 'pin a later final block' })
  return { hash, block: header, producers: new Map() }
}

/**
 * Accepts `view` as the next head after `head`, or throws saying which check failed. The
 * producers of the view's epoch must be known (the head's epoch or, from its next_bps,
 * the next).
 */
export function acceptBlock (head: LightClientHead, view: LightClientBlockView): LightClientHead {
  const lite = view.inner_lite
  const current = hashText(blockHash(view))
  const next = combine(hashBytes(view.next_block_inner_hash), hashBytes(current))
  if (lite.height <= head.block.inner_lite.height) reject(`block ${lite.height} is not newer than the head ${head.block.inner_lite.height}`)
  const headLite = head.block.inner_lite
  if (lite.epoch_id !== headLite.epoch_id && lite.epoch_id !== headLite.next_epoch_id) reject(`block ${lite.height} is in epoch ${lite.epoch_id}, neither the head's epoch nor the next`)
  if (lite.epoch_id === headLite.next_epoch_id && view.next_bps === null) reject(`block ${lite.height} starts a new epoch but names no next block producers`)
  const producers = head.producers.get(lite.epoch_id)
  if (producers === undefined) return reject(`the block producers of epoch ${lite.epoch_id} (block ${lite.height}) are not known to the light client: it trusts producers from the epoch after its checkpoint on`, { hint: 'pin a checkpoint from an earlier epoch, or wait until the chain is in the next epoch' })
  const message = approvalMessage(next, lite.height + 2)
  let total = 0n
  let approved = 0n
  // Approvals pair with the epoch's producers by position; at an epoch's edge nearcore's list also
  // holds the next epoch's approvers, after them, which count for nothing here.
  for (let i = 0; i < producers.length; i++) {
    const bp = producers[i]!
    const stake = BigInt(bp.stake)
    total += stake
    const sig = view.approvals_after_next[i]
    if (sig === null || sig === undefined) continue
    if (!ed25519Verify(hashBytes(bp.public_key.slice(8)), message, base58Decode(sig.slice(8)))) reject(`the approval of ${bp.account_id} on block ${lite.height} does not verify`, { hint: 'the block, its next block or the approval was altered' })
    approved += stake
  }
  if (approved <= total * 2n / 3n) reject(`block ${lite.height} is approved by ${approved} of ${total} stake, not more than 2/3`)
  const producersNext = new Map(head.producers)
  if (view.next_bps !== null) {
    const h = hashText(blockProducersHash(view.next_bps))
    if (h !== lite.next_bp_hash) reject(`the next block producers of block ${lite.height} hash to ${h}, not to its next_bp_hash ${lite.next_bp_hash}`)
    producersNext.set(lite.next_epoch_id, view.next_bps)
  }
  // Only the head's epoch and the next are needed from here on.
  for (const e of producersNext.keys()) if (e !== lite.epoch_id && e !== lite.next_epoch_id) producersNext.delete(e)
  return { hash: current, block: { prev_block_hash: view.prev_block_hash, inner_rest_hash: view.inner_rest_hash, inner_lite: lite }, producers: producersNext }
}

/** The producers of the head's next epoch, taken when they hash to the head's next_bp_hash. */
export function withNextProducers (head: LightClientHead, producers: ValidatorStakeView[]): LightClientHead {
  const h = hashText(blockProducersHash(producers))
  if (h !== head.block.inner_lite.next_bp_hash) reject(`the block producers served for epoch ${head.block.inner_lite.next_epoch_id} hash to ${h}, not to the head's next_bp_hash ${head.block.inner_lite.next_bp_hash}`)
  return { ...head, producers: new Map([...head.producers, [head.block.inner_lite.next_epoch_id, producers]]) }
}

function outcome (v: unknown): ExecutionOutcomeView {
  if (!isRec(v)) return reject('malformed outcome')
  if (!Array.isArray(v.logs) || v.logs.length > MAX_LOGS || !v.logs.every((l) => typeof l === 'string' && l.length <= MAX_LOG_CHARS)) reject('malformed outcome.logs')
  if (!Array.isArray(v.receipt_ids) || v.receipt_ids.length > MAX_RECEIPTS) reject('malformed outcome.receipt_ids')
  if (typeof v.gas_burnt !== 'number' || !Number.isSafeInteger(v.gas_burnt) || v.gas_burnt < 0) reject('malformed outcome.gas_burnt')
  if (typeof v.tokens_burnt !== 'string' || !DIGITS.test(v.tokens_burnt)) reject('malformed outcome.tokens_burnt')
  if (typeof v.executor_id !== 'string' || v.executor_id.length < 2 || v.executor_id.length > 64 || !ACCOUNT_RE.test(v.executor_id)) reject('malformed outcome.executor_id')
  const s = v.status
  let status: ExecutionOutcomeView['status']
  if (s === 'Unknown') status = 'Unknown'
  else if (isRec(s) && 'Failure' in s) status = { Failure: s.Failure }
  else if (isRec(s) && typeof s.SuccessValue === 'string' && s.SuccessValue.length <= MAX_VALUE_CHARS && BASE64.test(s.SuccessValue)) status = { SuccessValue: s.SuccessValue }
  else if (isRec(s) && typeof s.SuccessReceiptId === 'string') status = { SuccessReceiptId: hashField(s.SuccessReceiptId, 'outcome.status.SuccessReceiptId') }
  else return reject('malformed outcome.status')
  return {
    logs: v.logs as string[],
    receipt_ids: (v.receipt_ids as unknown[]).map((r, i) => hashField(r, `outcome.receipt_ids[${i}]`)),
    gas_burnt: v.gas_burnt as number,
    tokens_burnt: v.tokens_burnt as string,
    executor_id: v.executor_id as string,
    status
  }
}

export function parseProof (v: unknown): LightClientProofView {
  if (!isRec(v) || !isRec(v.outcome_proof)) return reject('malformed light-client proof')
  const o = v.outcome_proof
  return {
    outcome_proof: { proof: path(o.proof, 'outcome_proof.proof'), block_hash: hashField(o.block_hash, 'outcome_proof.block_hash'), id: hashField(o.id, 'outcome_proof.id'), outcome: outcome(o.outcome) },
    outcome_root_proof: path(v.outcome_root_proof, 'outcome_root_proof'),
    block_header_lite: parseBlockLite(v.block_header_lite),
    block_proof: path(v.block_proof, 'block_proof')
  }
}

/** Checks an outcome proof against the head's block_merkle_root; the block it is in, when it holds. */
export function proveOutcome (head: LightClientHead, proof: LightClientProofView): { hash: string, lite: BlockHeaderInnerLiteView } {
  const o = proof.outcome_proof
  const shardRoot = rootFromPath(outcomeLeaf(o.id, o.outcome), o.proof)
  // The block's outcome tree has one leaf per shard, sha256 of its root (merklize hashes each item).
  const outcomeRoot = rootFromPath(sha256(shardRoot), proof.outcome_root_proof)
  const lite = proof.block_header_lite.inner_lite
  if (hashText(outcomeRoot) !== lite.outcome_root) reject(`the outcome ${o.id} does not lead to the outcome root of block ${lite.height}: the outcome or its Merkle path was altered`)
  const block = hashText(blockHash(proof.block_header_lite))
  if (block !== o.block_hash) reject(`the proof's header hashes to ${block}, not to the outcome's block ${o.block_hash}`)
  if (lite.height >= head.block.inner_lite.height) reject(`block ${lite.height} is not before the light client head ${head.block.inner_lite.height}`)
  const root = hashText(rootFromPath(hashBytes(block), proof.block_proof))
  if (root !== head.block.inner_lite.block_merkle_root) reject(`block ${lite.height} does not lead to the head's block_merkle_root: the block or its Merkle path was altered`)
  return { hash: block, lite }
}
