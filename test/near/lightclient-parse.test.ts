// What an endpoint sends the NEAR light client is checked before any hashing: junk, and
// real answers with one field replaced by anything, give a LightClientError naming the
// field, never a TypeError (or a RangeError from the borsh encoder).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { acceptBlock, parseBlockView, parseProof, proveOutcome, type LightClientHead } from '../../adapters/near/lightclient/verify.ts'

const hash = '4sLNs8wnMTciYDiz2cJFYHGCgE8UWSPiT2ejp4Pidtzt'
const lite = { height: 9, epoch_id: hash, next_epoch_id: hash, prev_state_root: hash, outcome_root: hash, timestamp: 1, timestamp_nanosec: '1', next_bp_hash: hash, block_merkle_root: hash }
const view = { prev_block_hash: hash, inner_rest_hash: hash, inner_lite: lite, next_block_inner_hash: hash, next_bps: [{ validator_stake_struct_version: 'V1', account_id: 'a.near', public_key: `ed25519:${hash}`, stake: '1' }], approvals_after_next: [null] }
const proof = {
  outcome_proof: { proof: [{ hash, direction: 'Left' }], block_hash: hash, id: hash, outcome: { logs: ['x'], receipt_ids: [hash], gas_burnt: 1, tokens_burnt: '1', executor_id: 'a.near', status: { SuccessValue: '' } } },
  outcome_root_proof: [],
  block_header_lite: { prev_block_hash: hash, inner_rest_hash: hash, inner_lite: lite },
  block_proof: [{ hash, direction: 'Right' }]
}
const head: LightClientHead = { hash, block: { prev_block_hash: hash, inner_rest_hash: hash, inner_lite: { ...lite, height: 5 } }, producers: new Map([[hash, view.next_bps as never]]) }

/** Every path of leaves in a JSON value. */
function paths (v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (v === null || typeof v !== 'object') return [at]
  return [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, Array.isArray(v) ? Number(k) : k]))]
}
function replaced (v: unknown, path: Array<string | number>, by: unknown): unknown {
  if (path.length === 0) return by
  const copy = structuredClone(v) as Record<string | number, unknown>
  copy[path[0]!] = replaced(copy[path[0]!], path.slice(1), by)
  return copy
}
function onlyLightClientErrors (run: () => unknown): void {
  try { run() } catch (err) { assert.equal((err as Error).name, 'LightClientError', (err as Error).stack) }
}

test('junk, or one field of a block or a proof replaced by anything: a LightClientError, nothing else', () => {
  const blockPaths = paths(view)
  const proofPaths = paths(proof)
  fc.assert(fc.property(fc.anything(), (junk) => {
    onlyLightClientErrors(() => parseBlockView(junk))
    onlyLightClientErrors(() => parseProof(junk))
  }), { numRuns: 300 })
  // The example: a value whose toString is not callable made the error's details throw a TypeError.
  fc.assert(fc.property(fc.nat(), fc.anything(), (i, by) => {
    onlyLightClientErrors(() => acceptBlock(head, parseBlockView(replaced(view, blockPaths[i % blockPaths.length]!, by))))
    onlyLightClientErrors(() => proveOutcome(head, parseProof(replaced(proof, proofPaths[i % proofPaths.length]!, by))))
  }), { numRuns: 2000, examples: [[166002936, { toString: '' }]] })
})
