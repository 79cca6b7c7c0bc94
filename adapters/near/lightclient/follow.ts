// Follows a NEAR endpoint from a pinned checkpoint to its latest final block, as a light
// client: the checkpoint's header (EXPERIMENTAL_light_client_block_proof) must hash to the
// pinned hash; the next epoch's block producers (EXPERIMENTAL_validators_ordered) must hash
// to its next_bp_hash; then each next_light_client_block is accepted only as verify.ts
// says. The endpoint is trusted for nothing: whatever it sends is checked, or rejected.
import { blockHash, hashText } from './hashes.ts'
import { LightClientError, acceptBlock, checkpointHead, parseBlockLite, parseBlockView, parseProducers, withNextProducers, type LightClientHead } from './verify.ts'

/** One JSON-RPC call: the result, `undefined` for an empty one; throws on errors. */
export type LightClientRpc = (method: string, params: unknown) => Promise<unknown>

/** Most light-client blocks followed in one go (about one per epoch: ~12 h on mainnet). */
export const MAX_STEPS = 4096

/** The head the checkpoint gives, followed to the endpoint's latest final block. */
export async function followFromCheckpoint (rpc: LightClientRpc, checkpoint: { number: number, hash: string }, maxSteps = MAX_STEPS): Promise<LightClientHead> {
  // Any later block serves as the head of the header's proof: only the header is used.
  const final = await rpc('block', { finality: 'final' }) as { header?: { hash?: unknown } } | undefined
  const finalHash = final?.header?.hash
  if (typeof finalHash !== 'string') throw new LightClientError('malformed block answer (header.hash)')
  if (finalHash === checkpoint.hash) throw new LightClientError(`the chain has no final block after the checkpoint ${checkpoint.number} yet`, { hint: 'try again in a few seconds' })
  const served = await rpc('EXPERIMENTAL_light_client_block_proof', { block_hash: checkpoint.hash, light_client_head: finalHash }) as { block_header_lite?: unknown } | undefined
  return await followFrom(rpc, checkpointHead(parseBlockLite(served?.block_header_lite), checkpoint), maxSteps)
}

/** A head this light client accepted (or a checkpoint's), followed to the endpoint's latest final block. */
export async function followFrom (rpc: LightClientRpc, start: LightClientHead, maxSteps = MAX_STEPS): Promise<LightClientHead> {
  let head = start
  for (let step = 0; step < maxSteps; step++) {
    const next = await rpc('next_light_client_block', { last_block_hash: head.hash })
    if (next === undefined || next === null || (typeof next === 'object' && Object.keys(next).length === 0)) return head
    const view = parseBlockView(next)
    if (head.producers.size === 0 && view.inner_lite.epoch_id === head.block.inner_lite.next_epoch_id) {
      head = withNextProducers(head, parseProducers(await rpc('EXPERIMENTAL_validators_ordered', { block_id: hashText(blockHash(view)) })))
    }
    head = acceptBlock(head, view)
  }
  throw new LightClientError(`more than ${maxSteps} light-client blocks after the checkpoint`, { hint: 'pin a more recent checkpoint' })
}
