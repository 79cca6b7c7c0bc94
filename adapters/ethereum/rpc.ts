// The few JSON-RPC calls the adapter makes, on an ethers provider: block numbers and
// hashes (for confirmations and reorg checks), eth_call at a block, logs in bounded
// ranges, receipts. Transport failures are retried a few times with backoff (the shared
// withRetry) and then surface as EthereumRpcError; a revert is not a transport failure and is passed through.
import { BrowserProvider, JsonRpcProvider, type Eip1193Provider, type JsonRpcApiProvider, toQuantity } from 'ethers'
import { withRetry } from '../../src/async/index.ts'
import { EthereumRpcError } from './errors.ts'

export type RpcSource = string | Eip1193Provider | JsonRpcApiProvider

export function providerFor (source: RpcSource): JsonRpcApiProvider {
  if (typeof source === 'string') return new JsonRpcProvider(source, undefined, { cacheTimeout: -1, batchMaxCount: 1, pollingInterval: 500 })
  if (source instanceof JsonRpcProvider || source instanceof BrowserProvider) return source
  if (typeof (source as JsonRpcApiProvider).send === 'function' && typeof (source as JsonRpcApiProvider).getNetwork === 'function') return source as JsonRpcApiProvider
  return new BrowserProvider(source as Eip1193Provider, undefined, { cacheTimeout: -1, pollingInterval: 100 })
}

export interface RawLog {
  address: string
  topics: string[]
  data: string
  blockNumber: number
  blockHash: string
  transactionHash: string
  logIndex: number
  removed?: boolean
}

const TRANSIENT = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|socket hang up|network error|fetch failed|timeout|429|502|503|504/i

export class Rpc {
  readonly provider: JsonRpcApiProvider
  /** How errors name the endpoint: its URL, when it was given as one. */
  readonly endpoint: string
  private readonly attempts: number

  constructor (provider: JsonRpcApiProvider, attempts = 3, endpoint?: string) {
    this.provider = provider
    this.attempts = attempts
    this.endpoint = endpoint ?? 'the given provider'
  }

  /** A raw JSON-RPC request, retried on transport errors. */
  async send<T> (method: string, params: unknown[]): Promise<T> {
    try {
      return await withRetry(async () => await this.provider.send(method, params) as T, {
        attempts: this.attempts,
        retryable: (err) => !isRevert(err) && TRANSIENT.test((err as Error).message ?? String(err))
      })
    } catch (err) {
      if (isRevert(err)) throw err
      throw endpointError(this.endpoint, method, err)
    }
  }

  async blockNumber (): Promise<number> {
    return Number(await this.send<string>('eth_blockNumber', []))
  }

  /** The canonical hash at height `n`, or undefined past the head. */
  async blockHash (n: number): Promise<string | undefined> {
    const b = await this.send<{ hash: string } | null>('eth_getBlockByNumber', [toQuantity(n), false])
    return b?.hash ?? undefined
  }

  async blockTimestamp (tag: number | 'latest'): Promise<number> {
    const b = await this.send<{ timestamp: string }>('eth_getBlockByNumber', [typeof tag === 'number' ? toQuantity(tag) : tag, false])
    return Number(b.timestamp)
  }

  async call (to: string, data: string, block: number | 'latest' | 'pending'): Promise<string> {
    return await this.send<string>('eth_call', [{ to, data }, typeof block === 'number' ? toQuantity(block) : block])
  }

  /** Logs in [from, to], asking at most `range` blocks at a time. */
  async logs (filter: { address: string | string[], topics: Array<string | string[] | null> }, from: number, to: number, range: number): Promise<RawLog[]> {
    const out: RawLog[] = []
    for (let start = from; start <= to; start += range) {
      const end = Math.min(to, start + range - 1)
      const logs = await this.send<Array<Record<string, string | string[] | boolean>>>('eth_getLogs', [{ ...filter, fromBlock: toQuantity(start), toBlock: toQuantity(end) }])
      for (const l of logs) {
        if (l.removed === true) continue
        out.push(toRawLog(l))
      }
    }
    return out.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex)
  }

  async receipt (hash: string): Promise<{ status: number, blockNumber: number, blockHash: string, gasUsed: bigint, logs: RawLog[] } | undefined> {
    const r = await this.send<Record<string, unknown> | null>('eth_getTransactionReceipt', [hash])
    if (r === null) return undefined
    return {
      status: Number(r.status),
      blockNumber: Number(r.blockNumber),
      blockHash: r.blockHash as string,
      gasUsed: BigInt(r.gasUsed as string),
      logs: (r.logs as Array<Record<string, unknown>>).map(toRawLog)
    }
  }
}

/**
 * What a user reads when the endpoint fails: which chain and endpoint, what it was asked,
 * what to check (the raw transport error in the details).
 */
export function endpointError (endpoint: string, method: string, err: unknown): EthereumRpcError {
  const raw = String((err as Error)?.message ?? err)
  const unreachable = TRANSIENT.test(raw)
  return new EthereumRpcError(unreachable ? `the Ethereum endpoint ${endpoint} cannot be reached` : `the Ethereum endpoint ${endpoint} failed to answer ${method}`, {
    details: `${method}: ${raw.split('\n')[0]}`,
    hint: unreachable
      ? 'is the chain running? A devnet (`moor devnet`) keeps its chain in memory: once stopped, its contracts and contexts are gone. Check the endpoint (chains.ethereum.rpc in config.json, or --rpc)'
      : 'check that the endpoint serves the chain the context is on (chains.ethereum.rpc in config.json, or --rpc)',
    cause: err
  })
}

/** True when `err` is an execution revert (with or without data), not a transport failure. */
export function isRevert (err: unknown): boolean {
  const e = err as { code?: string, message?: string, data?: unknown, error?: { message?: string } }
  if (e?.code === 'CALL_EXCEPTION') return true
  return /revert|execution reverted/i.test(e?.message ?? '') || /revert/i.test(e?.error?.message ?? '')
}

/** The revert data (hex) carried by an ethers or provider error, if any. */
export function revertData (err: unknown): string | undefined {
  const seen = new Set<unknown>()
  const walk = (e: unknown): string | undefined => {
    if (e === null || typeof e !== 'object' || seen.has(e)) return undefined
    seen.add(e)
    const o = e as Record<string, unknown>
    for (const k of ['data', 'returnData']) {
      const v = o[k]
      if (typeof v === 'string' && /^0x[0-9a-fA-F]*$/.test(v)) return v
      if (typeof v === 'object' && v !== null) {
        const inner = walk(v)
        if (inner !== undefined) return inner
      }
    }
    for (const k of ['error', 'info', 'cause', 'payload']) {
      const inner = walk(o[k])
      if (inner !== undefined) return inner
    }
    return undefined
  }
  return walk(err)
}

/** A log as the JSON-RPC returns it (eth_getLogs, receipts), in the adapter's shape. */
function toRawLog (l: Record<string, unknown>): RawLog {
  return {
    address: l.address as string,
    topics: l.topics as string[],
    data: l.data as string,
    blockNumber: Number(l.blockNumber),
    blockHash: l.blockHash as string,
    transactionHash: l.transactionHash as string,
    logIndex: Number(l.logIndex)
  }
}
