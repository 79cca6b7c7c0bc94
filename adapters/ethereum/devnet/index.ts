// The Ethereum devnet: Hardhat 3's EDR, a real EVM, either in this process (an EIP-1193
// provider, for tests) or behind an HTTP JSON-RPC server on 127.0.0.1 (for nodes, the
// deploy script and `moor devnet`). The hardfork is the one the contracts are compiled
// for (constants.ts: EVM_VERSION). Accounts are Hardhat's defaults, each funded with
// 10,000 ETH; the first is DEVNET_RELAYER_KEY.
import path from 'node:path'
import type { Eip1193Provider } from 'ethers'
import { DEVNET_CHAIN_ID, EVM_VERSION } from '../constants.ts'

export interface DevnetInit {
  chainId?: number
  hardfork?: string
  /** Mine a block every `intervalMs` as well as one per transaction (automine). */
  intervalMs?: number
  /** Start time of the chain (defaults to now). */
  initialDate?: Date
}

export interface ServeInit extends DevnetInit {
  /** 127.0.0.1 unless told otherwise. */
  host?: string
  /** 0 = any free port. */
  port?: number
}

export interface Devnet {
  provider: Eip1193Provider
  chainId: number
  /** Sends a JSON-RPC request (evm_mine, evm_snapshot, ...). */
  request: <T = unknown>(method: string, params?: unknown[]) => Promise<T>
  close: () => Promise<void>
}

export interface DevnetServer {
  url: string
  host: string
  port: number
  chainId: number
  close: () => Promise<void>
}

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..', '..')

async function hre (init: DevnetInit): Promise<{ network: { create: (name: string) => Promise<{ provider: Eip1193Provider, close: () => Promise<void> }>, createServer: (name: string, host?: string, port?: number) => Promise<{ listen: () => Promise<{ address: string, port: number }>, close: () => Promise<void> }> } }> {
  const { createHardhatRuntimeEnvironment } = await import('hardhat/hre')
  const network = {
    type: 'edr-simulated' as const,
    chainId: init.chainId ?? DEVNET_CHAIN_ID,
    hardfork: init.hardfork ?? EVM_VERSION,
    loggingEnabled: false,
    // Like a real node: a reverted transaction is mined with status 0, not an RPC error.
    throwOnTransactionFailures: false,
    ...(init.initialDate !== undefined ? { initialDate: init.initialDate } : {}),
    ...(init.intervalMs !== undefined ? { mining: { auto: true, interval: init.intervalMs } } : {})
  }
  const env = await createHardhatRuntimeEnvironment({ networks: { devnet: network } }, {}, PROJECT_ROOT)
  return env as never
}

/** An EDR chain inside this process. */
export async function startDevnet (init: DevnetInit = {}): Promise<Devnet> {
  const env = await hre(init)
  const conn = await env.network.create('devnet')
  const provider = conn.provider
  return {
    provider,
    chainId: init.chainId ?? DEVNET_CHAIN_ID,
    request: async <T>(method: string, params: unknown[] = []) => await provider.request({ method, params }) as T,
    close: async () => { await conn.close() }
  }
}

/** An EDR chain behind a JSON-RPC server (HTTP and WebSocket) on 127.0.0.1. */
export async function serveDevnet (init: ServeInit = {}): Promise<DevnetServer> {
  const env = await hre(init)
  const host = init.host ?? '127.0.0.1'
  const server = await env.network.createServer('devnet', host, init.port ?? 0)
  const { address, port } = await server.listen()
  return {
    url: `http://${address}:${port}`,
    host: address,
    port,
    chainId: init.chainId ?? DEVNET_CHAIN_ID,
    close: async () => { await server.close() }
  }
}
