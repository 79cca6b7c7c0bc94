// The Ethereum devnet: Hardhat 3's EDR, a real EVM, either in this process (an EIP-1193
// provider, for tests) or behind an HTTP JSON-RPC server on 127.0.0.1 (for nodes, the
// deploy script and `moor devnet`). The hardfork is the one the contracts are compiled
// for (constants.ts: EVM_VERSION). Accounts are Hardhat's defaults, each funded with
// 10,000 ETH; the first is DEVNET_RELAYER_KEY.
//
// launchDevnet (server + optional deployment) is the one implementation behind
// scripts/devnet-ethereum.ts and `moor devnet`.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { createServer, type Socket } from 'node:net'
import path from 'node:path'
import { Wallet, type Eip1193Provider } from 'ethers'
import { ConflictError } from '../../../src/errors/index.ts'
import { DEVNET_CHAIN_ID, DEVNET_RELAYER_KEY, EVM_VERSION } from '../constants.ts'
import { loadArtifacts } from '../artifacts.ts'
import { deployTo, type DeploymentRecord } from '../deploy.ts'

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
  const host = init.host ?? '127.0.0.1'
  const port = init.port ?? 0
  // Hardhat's server has no error path for listen (an address in use is an uncaught
  // error event), so the address is tried first.
  if (port !== 0) await probeListen(host, port)
  const env = await hre(init)
  const server = await env.network.createServer('devnet', host, port)
  // Hardhat's close waits for every open connection, and a client's WebSocket (a node's
  // new-block subscription) stays open until the client closes it: the devnet's sockets
  // are tracked (they are accepted on its port) and cut when it closes.
  let listening = -1
  const sockets = new Set<Socket>()
  const accepted = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket
    if (socket.localPort !== listening) return
    sockets.add(socket)
    socket.once('close', () => { sockets.delete(socket) })
  }
  subscribe('net.server.socket', accepted)
  const bound = await server.listen()
  listening = bound.port
  return {
    url: `http://${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`,
    host: bound.address,
    port: bound.port,
    chainId: init.chainId ?? DEVNET_CHAIN_ID,
    close: async () => {
      unsubscribe('net.server.socket', accepted)
      const closed = server.close()
      for (const socket of sockets) socket.destroy()
      await closed
    }
  }
}

/** Listens on host:port and closes again: an error names the address and the reason. */
async function probeListen (host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(new ConflictError(`cannot listen on ${host}:${port}`, {
        details: err.code === 'EADDRINUSE' ? 'the address is in use (another devnet or node?)' : err.message,
        hint: err.code === 'EADDRINUSE' ? 'pick another port, or 0 for any free one' : 'listen on an address of this machine (e.g. 127.0.0.1)',
        cause: err
      }))
    })
    probe.listen(port, host, () => { probe.close(() => { resolve() }) })
  })
}

export interface LaunchDevnetInit {
  /** Address to listen on (default 127.0.0.1). */
  host?: string
  /** Port to listen on (default 8545; 0 = any free port). */
  port?: number
  /** Also mine a block every `blockTimeMs` (default: only one block per transaction). */
  blockTimeMs?: number
  /** Deploy the contracts from the dev account (default true). */
  deploy?: boolean
  /** Told what it is doing (compiling, starting, deploying), for a status line. */
  onProgress?: (message: string) => void
}

export interface LaunchedDevnet {
  /** The JSON-RPC URL (HTTP; the same address also speaks WebSocket). */
  url: string
  host: string
  port: number
  chainId: number
  /** Hardhat's first default account (DEVNET_RELAYER_KEY): public, funded only on devnets. */
  key: string
  /** That account's address. */
  address: string
  /** The contracts' deployment, unless `deploy: false`. */
  deployment?: DeploymentRecord
  close: () => Promise<void>
}

/**
 * An EDR devnet behind JSON-RPC, with the contracts deployed from the dev account unless
 * `deploy` is false. If the deployment fails the server is closed again.
 */
export async function launchDevnet (init: LaunchDevnetInit = {}): Promise<LaunchedDevnet> {
  const deploy = init.deploy ?? true
  // Compile (or load the cache) before the server exists: a cold compile blocks for a while.
  const say = init.onProgress ?? (() => {})
  if (deploy) await loadArtifacts({ onCompile: () => { say('compiling the contracts (once, until they change; this takes a while)…') } })
  say('starting…')
  const server = await serveDevnet({
    host: init.host ?? '127.0.0.1',
    port: init.port ?? 8545,
    ...(init.blockTimeMs !== undefined ? { intervalMs: init.blockTimeMs } : {})
  })
  const launched: LaunchedDevnet = {
    url: server.url,
    host: server.host,
    port: server.port,
    chainId: server.chainId,
    key: DEVNET_RELAYER_KEY,
    address: new Wallet(DEVNET_RELAYER_KEY).address,
    close: server.close
  }
  if (deploy) {
    try {
      say('deploying the contracts…')
      launched.deployment = await deployTo({ rpc: server.url, key: DEVNET_RELAYER_KEY })
    } catch (err) {
      await server.close()
      throw err
    }
  }
  return launched
}
