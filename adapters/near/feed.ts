// What the chain kit's change feed needs of NEAR: the head (optimistic, or the `final`
// block), the hash at a height, and the contract's `applied` events (NEP-297 logs, one per
// accepted request) in a range of blocks. NEAR's RPC has no log filter: for each block the
// feed reads its chunks, takes the transactions sent to the contract, and reads their
// receipt outcomes; an event belongs to the block its receipt ran in, which is one or more
// blocks after the transaction's, so each range also looks RECEIPT_LOOKBACK_BLOCKS back.
// (Requests reaching the contract through another contract's call are not seen: relayers
// call `mutate` directly.)
import type { ChainChange } from '../../src/governance/anchor.ts'
import type { FeedSource } from '../../src/chain/kit/index.ts'
import { parseHex } from '../../src/crypto/bytes.ts'
import { RECEIPT_LOOKBACK_BLOCKS } from './constants.ts'
import { decodeAction } from './encoding.ts'

export interface NearRpc {
  call: <T>(method: string, params: unknown) => Promise<T>
}

interface BlockView { header: { height: number, hash: string, timestamp_nanosec: string }, chunks: Array<{ chunk_hash: string }> }
interface ChunkView { transactions: Array<{ hash: string, signer_id: string, receiver_id: string }> }
interface TxStatus { receipts_outcome: Array<{ id: string, block_hash: string, outcome: { executor_id: string, logs: string[] } }> }

const EVENT_PREFIX = 'EVENT_JSON:'

export class NearSource implements FeedSource {
  private readonly rpc: NearRpc
  private readonly contract: string
  private readonly blocks = new Map<number, BlockView>()
  private readonly heights = new Map<string, number>()

  constructor (rpc: NearRpc, contract: string) {
    this.rpc = rpc
    this.contract = contract
  }

  async head (tag?: string): Promise<number> {
    return (await this.rpc.call<BlockView>('block', { finality: tag ?? 'optimistic' })).header.height
  }

  async idAt (seq: number): Promise<string | undefined> {
    return (await this.block(seq))?.header.hash
  }

  private async block (height: number): Promise<BlockView | undefined> {
    const known = this.blocks.get(height)
    if (known !== undefined) return known
    let b: BlockView
    try {
      b = await this.rpc.call<BlockView>('block', { block_id: height })
    } catch (e) {
      if (/UNKNOWN_BLOCK|UnknownBlock|not found|DB Not Found/i.test(String((e as Error).message))) return undefined
      throw e
    }
    if (this.blocks.size > 4096) { this.blocks.clear(); this.heights.clear() }
    this.blocks.set(height, b)
    this.heights.set(b.header.hash, height)
    return b
  }

  async changes (contexts: string[], from: number, to: number): Promise<ChainChange[]> {
    const wanted = new Set(contexts)
    const txs: Array<{ hash: string, signer: string }> = []
    for (let h = Math.max(1, from - RECEIPT_LOOKBACK_BLOCKS); h <= to; h++) {
      const b = await this.block(h)
      if (b === undefined) continue
      for (const c of b.chunks) {
        const chunk = await this.rpc.call<ChunkView>('chunk', { chunk_id: c.chunk_hash })
        for (const t of chunk.transactions) if (t.receiver_id === this.contract) txs.push({ hash: t.hash, signer: t.signer_id })
      }
    }
    const out: ChainChange[] = []
    for (const tx of txs) {
      const status = await this.rpc.call<TxStatus>('EXPERIMENTAL_tx_status', { tx_hash: tx.hash, sender_account_id: tx.signer, wait_until: 'INCLUDED' })
      status.receipts_outcome.forEach((r, receiptIndex) => {
        if (r.outcome.executor_id !== this.contract) return
        const height = this.heights.get(r.block_hash)
        if (height === undefined || height < from || height > to) return
        r.outcome.logs.forEach((line, logIndex) => {
          const change = this.decode(line, tx.hash, { seq: height, id: r.block_hash }, receiptIndex * 1000 + logIndex, wanted)
          if (change !== undefined) out.push(change)
        })
      })
    }
    for (const c of out) c.at = Number(BigInt(this.blocks.get(c.position.seq)!.header.timestamp_nanosec) / 1_000_000n)
    return out.sort((a, b) => a.position.seq - b.position.seq || a.index - b.index)
  }

  /** An `applied` event line as a change (undefined for any other line). */
  decode (line: string, tx: string, position: { seq: number, id: string }, index: number, contexts: Set<string>): ChainChange | undefined {
    if (!line.startsWith(EVENT_PREFIX)) return undefined
    let e: { standard?: string, event?: string, data?: { context: string, identity: string, nonce: string, revision: string, request: { action: unknown } } }
    try { e = JSON.parse(line.slice(EVENT_PREFIX.length)) as typeof e } catch { return undefined }
    if (e.standard !== 'moorage' || e.event !== 'applied' || e.data === undefined || !contexts.has(e.data.context)) return undefined
    const d = e.data
    return {
      context: parseHex(d.context)!,
      id: tx,
      author: parseHex(d.identity)!,
      action: decodeAction(d.request.action) as ChainChange['action'],
      accepted: true,
      revision: Number(d.revision),
      position,
      index,
      nonce: BigInt(d.nonce),
      at: 0
    }
  }
}
