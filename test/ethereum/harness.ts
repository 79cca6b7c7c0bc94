// Shared setup of the EVM tests: an in-process EDR devnet, the contracts deployed by the
// first funded account, and an Ethereum anchor whose relayer is another funded account.
import { BrowserProvider, Wallet } from 'ethers'
import { loadArtifacts } from '../../adapters/ethereum/artifacts.ts'
import { Reasons } from '../../adapters/ethereum/reasons.ts'
import { revertData } from '../../adapters/ethereum/rpc.ts'
import { EthereumAnchor, type EthereumInit } from '../../adapters/ethereum/anchor.ts'
import { deployContracts, type Deployment } from '../../adapters/ethereum/deploy.ts'
import { startDevnet, type Devnet } from '../../adapters/ethereum/devnet/index.ts'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'

/** Hardhat's default accounts #1 and #2 (funded on every devnet). */
export const RELAYER_B_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
export const RELAYER_C_KEY = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'
/** Hardhat's default accounts #3 and #4. */
export const RELAYER_D_KEY = '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6'
export const RELAYER_E_KEY = '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a'

/** A JSON-RPC call to a devnet served over HTTP (evm_snapshot, evm_mine, ...). */
export async function jsonRpc<T = unknown> (url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  const body = await res.json() as { result?: T, error?: { message: string } }
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`)
  return body.result as T
}

export interface EvmFixture {
  devnet: Devnet
  deployment: Deployment
  anchor: (init?: Partial<EthereumInit>) => EthereumAnchor
  /** Chain time of the block the next transaction lands in, in ms (rounded up to the end of its second). */
  now: () => Promise<number>
  advance: (ms: number) => Promise<void>
  /**
   * Has another relayer send the calldata of transaction `hash` again: returns the
   * contract's verdict on it (a refusal code, or 'accepted') and the status it was mined with.
   */
  resend: (hash: string, relayerKey?: string) => Promise<{ verdict: string, status: number }>
  /** Marks the head (an EVM snapshot) and returns its block number. */
  mark: () => Promise<number>
  /** Reorgs back to a mark: the blocks after it are dropped and a longer other branch mined. */
  reorg: (at: number) => Promise<void>
  close: () => Promise<void>
}

export async function evmFixture (): Promise<EvmFixture> {
  const devnet = await startDevnet()
  const provider = new BrowserProvider(devnet.provider, undefined, { cacheTimeout: -1 })
  const deployment = await deployContracts(new Wallet(DEVNET_RELAYER_KEY, provider))
  const anchors: EthereumAnchor[] = []
  let offset = 0
  const snapshots = new Map<number, string>()
  return {
    devnet,
    deployment,
    mark: async () => {
      const seq = Number(await devnet.request<string>('eth_blockNumber', []))
      snapshots.set(seq, await devnet.request<string>('evm_snapshot', []))
      return seq
    },
    reorg: async (at) => {
      const snapshot = snapshots.get(at)
      if (snapshot === undefined) throw new Error(`no mark at block ${at}`)
      await devnet.request('evm_revert', [snapshot])
      // A different time stamp makes the alternative blocks differ from the dropped ones.
      await devnet.request('evm_increaseTime', [13])
      for (let i = 0; i < 3; i++) await devnet.request('evm_mine', [])
    },
    anchor: (init = {}) => {
      const a = new EthereumAnchor({ rpc: devnet.provider, contract: deployment.contextConfig, relayer: RELAYER_B_KEY, pollIntervalMs: 20, ...init })
      anchors.push(a)
      return a
    },
    now: async () => {
      // EDR stamps the next block max(latest + 1, wall clock + offset) seconds.
      const latest = await devnet.request<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false])
      const next = Math.max(Number(latest.timestamp) + 1, Math.floor(Date.now() / 1000) + offset)
      return next * 1000 + 999
    },
    advance: async (ms) => {
      const s = Math.ceil(ms / 1000)
      offset += s
      await devnet.request('evm_increaseTime', [s])
      await devnet.request('evm_mine', [])
    },
    resend: async (hash, relayerKey = RELAYER_C_KEY) => {
      const artifacts = await loadArtifacts()
      const reasons = new Reasons(artifacts.ContextConfig.abi, artifacts.ContextProxy.abi)
      const original = await provider.getTransaction(hash)
      if (original === null || original.to === null) throw new Error(`no transaction ${hash}`)
      const relayer = new Wallet(relayerKey, provider)
      let verdict: string = 'accepted'
      try {
        await provider.estimateGas({ from: relayer.address, to: original.to, data: original.data })
      } catch (err) {
        verdict = reasons.refusal(revertData(err)).code
      }
      const tx = await relayer.sendTransaction({ to: original.to, data: original.data, gasLimit: original.gasLimit })
      const receipt = await tx.wait().catch((err: { receipt?: { status: number | null } }) => err.receipt)
      return { verdict, status: receipt?.status ?? 0 }
    },
    close: async () => {
      for (const a of anchors) await a.close()
      await devnet.close()
    }
  }
}
