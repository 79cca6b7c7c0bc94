// What the chain kit's change feed (src/chain/kit/feed.ts) needs of Ethereum: the head
// (by number, or by a finality tag such as `finalized`), the hash at a height, and the
// ContextConfig contract's Applied events (one per accepted request) in a block range,
// decoded into changes with their block's time; and, when the endpoint has a WebSocket,
// a push on each new block (heads.ts). Reorgs, history and positions are the kit's business.
import { Interface, getAddress, getBytes } from 'ethers'
import type { AnchorChange, ChainChange } from '../../src/governance/anchor.ts'
import type { FeedSource } from '../../src/chain/kit/index.ts'
import type { Logger } from '../../src/log/index.ts'
import { decodeRequest, type EthereumGovAction } from './encoding.ts'
import { HeadSubscription } from './heads.ts'
import type { RawLog, Rpc } from './rpc.ts'

/** An Ethereum change: a chain change whose position is a block, and its log index as `index`. */
export type EthereumChange = ChainChange

export const APPLIED = new Interface(['event Applied(bytes32 indexed context, bytes32 indexed identity, uint64 nonce, uint64 revision, uint8 kind, bytes payload)'])
export const APPLIED_TOPIC = APPLIED.getEvent('Applied')!.topicHash

/** Block times (ms) by block hash, so a range's changes cost one header read per block. */
class BlockTimes {
  private readonly times = new Map<string, number>()
  private readonly rpc: Rpc
  constructor (rpc: Rpc) { this.rpc = rpc }

  async of (hash: string): Promise<number> {
    let t = this.times.get(hash)
    if (t === undefined) {
      const b = await this.rpc.send<{ timestamp: string } | null>('eth_getBlockByHash', [hash, false])
      t = Number(b?.timestamp ?? 0) * 1000
      if (this.times.size > 4096) this.times.clear()
      this.times.set(hash, t)
    }
    return t
  }
}

export class EvmSource implements FeedSource {
  private readonly rpc: Rpc
  private readonly address: string
  private readonly logRange: number
  private readonly times: BlockTimes
  readonly subscribe?: (moved: () => void) => () => void

  /** `push`: the endpoint's WebSocket address, to be told of new blocks (undefined: polling only). */
  constructor (rpc: Rpc, address: string, logRange: number, push?: { url: string, logger: Logger }) {
    this.rpc = rpc
    this.address = getAddress(address)
    this.logRange = logRange
    this.times = new BlockTimes(rpc)
    if (push !== undefined) {
      this.subscribe = (moved) => {
        const heads = new HeadSubscription({ url: push.url, logger: push.logger, onHead: moved })
        return () => { heads.close() }
      }
    }
  }

  async head (tag?: string): Promise<number> {
    if (tag === undefined) return await this.rpc.blockNumber()
    const b = await this.rpc.send<{ number: string } | null>('eth_getBlockByNumber', [tag, false])
    return b === null ? -1 : Number(b.number)
  }

  async idAt (seq: number): Promise<string | undefined> {
    return await this.rpc.blockHash(seq)
  }

  async changes (contexts: string[], from: number, to: number): Promise<ChainChange[]> {
    const logs = await this.rpc.logs({ address: this.address, topics: [APPLIED_TOPIC, contexts.map((h) => '0x' + h)] }, from, to, this.logRange)
    const out: ChainChange[] = []
    for (const log of logs) {
      const change = this.decode(log, await this.times.of(log.blockHash))
      if (change !== undefined) out.push(change)
    }
    return out
  }

  /** An Applied log as a change (undefined for a log that is not one). */
  decode (log: RawLog, at: number): ChainChange | undefined {
    let parsed
    try { parsed = APPLIED.parseLog({ topics: log.topics, data: log.data }) } catch { return undefined }
    if (parsed === null) return undefined
    const [context, identity, nonce, revision, kind, payload] = parsed.args as unknown as [string, string, bigint, bigint, bigint, string]
    let action: EthereumGovAction | { type: string }
    try { action = decodeRequest(Number(kind), payload) } catch { action = { type: `undecodable#${kind}` } }
    return {
      context: getBytes(context),
      id: log.transactionHash,
      author: getBytes(identity),
      action: action as AnchorChange['action'],
      accepted: true,
      revision: Number(revision),
      position: { seq: log.blockNumber, id: log.blockHash },
      index: log.logIndex,
      nonce,
      at
    }
  }
}
