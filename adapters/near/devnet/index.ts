// The NEAR devnet: a TypeScript host that runs real contract WASM with NEAR's host
// functions (vm.ts), a one-shard chain that checks signed transactions as nearcore does and
// runs their receipts in later blocks (chain.ts), behind nearcore's JSON-RPC on 127.0.0.1
// (rpc.ts) so near-api-js talks to it unmodified. It is not nearcore: docs/near.md says
// what it leaves out.
//
// Blocks: one is made as soon as there is a transaction or a receipt due, then a few more
// until the last change is `final` (finalityLag blocks behind the head); with
// `blockTimeMs`, one every so often as well. `sandbox_fast_forward` makes blocks at once,
// each a second later than the last.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { ConflictError } from '../../../src/errors/index.ts'
import { DEVNET_ACCOUNT, DEVNET_CHAIN_ID, DEVNET_FINALITY_LAG, DEVNET_SEED_HEX, NEAR } from '../constants.ts'
import { secretKeyFromSeed, publicKeyOf } from '../keys.ts'
import { Chain } from './chain.ts'
import { RpcFailure, handle, parseError, type RpcHost } from './rpc.ts'

const MAX_BODY_BYTES = 8 * 1024 * 1024

export interface NearDevnetInit {
  chainId?: string
  /** 127.0.0.1 unless told otherwise; 0 = any free port. */
  host?: string
  port?: number
  /** Also make a block every so many ms. */
  blockTimeMs?: number
  finalityLag?: number
  /** The genesis account and its secret key (ed25519:…); the dev account and key by default. */
  account?: string
  key?: string
  /** How long send_tx / tx wait before TIMEOUT_ERROR (ms). */
  waitTimeoutMs?: number
  /** Block producers (4), blocks per epoch (20), producers that never approve (none): what a light client checks. */
  producers?: number
  epochLength?: number
  offlineProducers?: readonly number[]
}

export interface NearDevnet {
  url: string
  host: string
  port: number
  chainId: string
  /** The funded genesis account and its key. */
  account: string
  key: string
  chain: Chain
  /** Makes `n` blocks at once, each a second after the last (what sandbox_fast_forward does). */
  fastForward: (n: number) => Promise<void>
  close: () => Promise<void>
}

export const DEVNET_KEY = secretKeyFromSeed(Buffer.from(DEVNET_SEED_HEX, 'hex'))

/** Starts the devnet's chain and its JSON-RPC server. */
export async function startNearDevnet (init: NearDevnetInit = {}): Promise<NearDevnet> {
  const chainId = init.chainId ?? DEVNET_CHAIN_ID
  const account = init.account ?? DEVNET_ACCOUNT
  const key = init.key ?? DEVNET_KEY
  const lag = init.finalityLag ?? DEVNET_FINALITY_LAG
  const chain = new Chain({
    chainId,
    genesisAccount: account,
    genesisKey: publicKeyOf(key),
    genesisBalance: 1_000_000_000n * NEAR,
    finalityLag: lag,
    ...(init.producers === undefined ? {} : { producers: init.producers }),
    ...(init.epochLength === undefined ? {} : { epochLength: init.epochLength }),
    ...(init.offlineProducers === undefined ? {} : { offlineProducers: init.offlineProducers })
  })
  let lastWork = chain.head.height
  let timer: NodeJS.Timeout | undefined
  let heartbeat: NodeJS.Timeout | undefined
  let closed = false
  const waiters = new Set<() => void>()

  const makeBlock = (): void => {
    if (chain.busy) lastWork = chain.head.height + 1
    chain.produce()
    for (const w of waiters) w()
    waiters.clear()
  }
  // Blocks while there is work, and until the last work is final.
  const schedule = (): void => {
    if (closed || timer !== undefined) return
    if (!chain.busy && chain.head.height - lastWork >= lag) return
    timer = setTimeout(() => {
      timer = undefined
      try { makeBlock() } finally { schedule() }
    }, 1)
  }
  if (init.blockTimeMs !== undefined) {
    heartbeat = setInterval(() => { makeBlock(); schedule() }, init.blockTimeMs)
    heartbeat.unref()
  }

  const fastForward = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      chain.advanceTime(1000)
      makeBlock()
    }
    schedule()
  }
  const host: RpcHost = {
    chain,
    nextBlock: async () => { await new Promise<void>((resolve) => { waiters.add(resolve); schedule() }) },
    fastForward,
    waitTimeoutMs: init.waitTimeoutMs ?? 30_000
  }

  const server: Server = createServer((req, res) => { void serve(host, req, res).finally(schedule) })
  const wanted = init.port ?? 0
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE' ? new ConflictError(`port ${wanted} is in use`, { hint: 'pick another with --port, or 0 for any free port' }) : e)
    })
    server.listen(wanted, init.host ?? '127.0.0.1', () => { resolve() })
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : wanted
  const hostName = init.host ?? '127.0.0.1'
  return {
    url: `http://${hostName}:${port}`,
    host: hostName,
    port,
    chainId,
    account,
    key,
    chain,
    fastForward,
    close: async () => {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      if (heartbeat !== undefined) clearInterval(heartbeat)
      for (const w of waiters) w()
      server.closeAllConnections()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw parseError(`the request exceeds ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function serve (host: RpcHost, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let id: unknown = null
  let body: unknown
  try {
    if (req.method !== 'POST') throw parseError('JSON-RPC requests are POSTed')
    let request: { id?: unknown, method?: unknown, params?: unknown }
    try { request = JSON.parse(await readBody(req)) as typeof request } catch (e) { throw e instanceof RpcFailure ? e : parseError('the body is not JSON') }
    id = request.id ?? null
    if (typeof request.method !== 'string') throw parseError('no method')
    const result = await handle(host, request.method, request.params as Record<string, unknown> | unknown[] | undefined)
    body = { jsonrpc: '2.0', id, result }
  } catch (e) {
    const error = e instanceof RpcFailure
      ? e.body
      : { name: 'INTERNAL_ERROR', cause: { name: 'INTERNAL_ERROR', info: { error_message: (e as Error).message } }, code: -32000, message: 'Server error', data: (e as Error).message }
    body = { jsonrpc: '2.0', id, error }
  }
  const text = JSON.stringify(body)
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}
