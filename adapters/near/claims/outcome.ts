// Verifies NEAR `outcome` claims ("this transaction / receipt ran, with this result") with
// the light client: from the pinned checkpoint to the endpoint's latest final block, each
// block approved by > 2/3 of its epoch's producer stake (lightclient/), then the outcome's
// EXPERIMENTAL_light_client_proof against that head's block Merkle root. The result rests
// on the checkpoint and on the producers' signatures (`restsOn: "light-client"`), not on any
// endpoint: a proof that does not check out rejects the claim, it is not retried elsewhere;
// only an endpoint that cannot be reached gives way to the next one.
import type { ClaimResult, ClaimVerifyInit } from '../../../src/claims/types.ts'
import { ClaimRejectedError } from '../../../src/claims/errors.ts'
import { InvalidClaimError } from '../../../src/claims/statement.ts'
import { NearRpcError } from '../errors.ts'
import { followFrom, followFromCheckpoint } from '../lightclient/follow.ts'
import { parseProof, proveOutcome, type LightClientHead } from '../lightclient/verify.ts'
import type { ExecutionOutcomeView } from '../lightclient/views.ts'
import { call, checkNetwork } from './rpc.ts'
import type { NearStatement } from './statement.ts'

type OutcomeStatement = Extract<NearStatement, { kind: 'outcome' }>

/** The proven parts of an outcome as canonical JSON text (a failure's error is not covered by the proof, so only "Failure"). */
export function outcomeValue (o: ExecutionOutcomeView): string {
  const s = o.status
  const status = s === 'Unknown' ? 'Unknown' : 'Failure' in s ? 'Failure' : s
  return JSON.stringify({ executor: o.executor_id, status, logs: o.logs, receiptIds: o.receipt_ids, gasBurnt: o.gas_burnt, tokensBurnt: o.tokens_burnt })
}

/**
 * Heads already followed, by endpoint and checkpoint: the next claim goes on from there
 * (a head was accepted by the same checks, so it is as trusted as the checkpoint).
 */
const heads = new Map<string, LightClientHead>()
const MAX_HEADS = 32

async function follow (url: string, rpc: (method: string, params: unknown) => Promise<unknown>, checkpoint: { number: number, hash: string }): Promise<LightClientHead> {
  const key = `${url} ${checkpoint.number}:${checkpoint.hash}`
  const known = heads.get(key)
  const head = known === undefined ? await followFromCheckpoint(rpc, checkpoint) : await followFrom(rpc, known)
  heads.delete(key)
  if (heads.size >= MAX_HEADS) heads.delete(heads.keys().next().value!)
  heads.set(key, head)
  return head
}

async function proveAt (url: string, s: OutcomeStatement, checkpoint: { number: number, hash: string }): Promise<ClaimResult> {
  const rpc = async (method: string, params: unknown): Promise<unknown> => {
    const a = await call(url, method, params)
    // An endpoint without the block (not archival, or behind) cannot answer: the next one may.
    if (!a.ok && a.cause === 'UNKNOWN_BLOCK') throw new NearRpcError(`${url} has no block asked for by ${method}`, { hint: 'is the checkpoint a final block of this chain? non-archival nodes keep about 5 epochs: use an archival endpoint, or a more recent checkpoint' })
    if (!a.ok) throw new ClaimRejectedError(`${url} answered ${method} with ${a.cause}`)
    return a.result
  }
  const head = await follow(url, rpc, checkpoint)
  const a = await call(url, 'EXPERIMENTAL_light_client_proof', s.type === 'transaction'
    ? { type: 'transaction', transaction_hash: s.id, sender_id: s.account, light_client_head: head.hash }
    : { type: 'receipt', receipt_id: s.id, receiver_id: s.account, light_client_head: head.hash })
  if (!a.ok && a.cause === 'UNKNOWN_TRANSACTION_OR_RECEIPT') throw new ClaimRejectedError(`${url} knows no ${s.type} ${s.id} of ${s.account}`, { hint: s.type === 'transaction' ? '"account" is the transaction\'s signer' : '"account" is the receipt\'s receiver' })
  if (!a.ok && a.cause === 'NOT_CONFIRMED') throw new ClaimRejectedError(`the ${s.type} ${s.id} is not yet before the latest final block`, { hint: 'try again in a few seconds' })
  if (!a.ok) throw new NearRpcError(`NEAR endpoint ${url} failed on EXPERIMENTAL_light_client_proof: ${a.cause}`)
  const proof = parseProof(a.result)
  const o = proof.outcome_proof
  if (o.id !== s.id) throw new ClaimRejectedError(`${url} sent the proof of another outcome (${o.id})`)
  // A transaction's outcome runs at its signer; a receipt's at its receiver.
  if (o.outcome.executor_id !== s.account) throw new ClaimRejectedError(`the proven ${s.type} ran at ${o.outcome.executor_id}, not at ${s.account}`)
  const block = proveOutcome(head, proof)
  return {
    statement: s,
    value: outcomeValue(o.outcome),
    restsOn: 'light-client',
    block: { number: block.lite.height, hash: block.hash, timestamp: Number(BigInt(block.lite.timestamp_nanosec) / 1_000_000_000n) },
    agreedBy: [url],
    assumes: `the checkpoint ${checkpoint.number} ${checkpoint.hash}`
  }
}

export async function verifyNearOutcome (s: OutcomeStatement, init: ClaimVerifyInit): Promise<ClaimResult> {
  if (init.checkpoint === undefined) throw new InvalidClaimError('claim options: an outcome is proven by a light client, which starts from a pinned checkpoint', { hint: 'give --checkpoint <height>:<base58 hash> (or claims.near.checkpoint) of a final block you trust, from an epoch before the outcome (docs/near.md)' })
  if (init.block !== undefined && init.block !== 'latest' && init.block !== init.checkpoint.number) throw new InvalidClaimError('claim options: an outcome is proven in the block it ran in; "block" does not apply')
  await checkNetwork(init)
  let unreachable: NearRpcError | undefined
  for (const url of init.endpoints) {
    try {
      return await proveAt(url, s, init.checkpoint)
    } catch (err) {
      // Only an endpoint that cannot answer gives way; a wrong answer is the verdict.
      if (!(err instanceof NearRpcError)) throw err
      unreachable = err
    }
  }
  throw unreachable!
}
