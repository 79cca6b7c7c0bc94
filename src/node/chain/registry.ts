// Where a chain-anchored context's governance lives, and the adapter instance that talks
// to it. A context record names its anchor (kind, network, contract, RPC endpoint); the
// node keeps one adapter per (kind, RPC, contract), configured from the node config
// (relayer key, confirmations, poll interval).
import { randomBytes } from 'node:crypto'
import { InvalidInputError } from '../../errors/index.ts'
import type { ChainAnchor } from '../../governance/anchor.ts'
import type { Logger } from '../../log/index.ts'
import { isEvmAddress, isRpcUrl, SUPPORTED_CHAINS, type ChainName } from '../config.ts'

export type ChainKind = ChainName

/** A chain anchor as a context record names it. */
export interface ChainAnchorRef {
  kind: ChainKind
  /** The chain's id (Ethereum: the EIP-155 chain id in decimal). */
  network: string
  /** The context config contract. */
  contract: string
  /** The JSON-RPC endpoint this node reads and submits through. */
  rpc: string
}

export type AnchorRef = { kind: 'offchain' } | ChainAnchorRef

/** Per-chain settings of this node (from config.json `chains`, or given when embedding). */
export interface ChainSettings {
  ethereum?: {
    /** Default endpoint and contract for new contexts (`moor context create --anchor ethereum`). */
    rpc?: string
    contract?: string
    /** The funded EVM account that pays for this node's requests (0x + 64 hex). */
    relayerKey?: string
    confirmations?: number
    pollIntervalMs?: number
  }
}

export function isChainKind (kind: string): kind is ChainKind {
  return (SUPPORTED_CHAINS as readonly string[]).includes(kind)
}

export class ChainRegistry {
  private readonly settings: ChainSettings
  private readonly logger: Logger
  private readonly adapters = new Map<string, ChainAnchor>()

  constructor (settings: ChainSettings, logger: Logger) {
    this.settings = settings
    this.logger = logger
  }

  /** Fills in a new context's anchor from the node's defaults; refuses what is missing. */
  resolve (req: { kind: string, rpc?: string, contract?: string }): Omit<ChainAnchorRef, 'network'> {
    if (!isChainKind(req.kind)) throw new InvalidInputError(`unknown anchor "${req.kind}"; one of offchain, ${SUPPORTED_CHAINS.join(', ')}`)
    const defaults = this.settings[req.kind] ?? {}
    const rpc = req.rpc ?? defaults.rpc
    const contract = req.contract ?? defaults.contract
    if (rpc === undefined) throw new InvalidInputError(`no RPC endpoint for the ${req.kind} anchor`, { hint: `pass --rpc <url>, or set chains.${req.kind}.rpc in config.json (\`moor deploy ${req.kind} --configure\` does)` })
    if (contract === undefined) throw new InvalidInputError(`no context config contract for the ${req.kind} anchor`, { hint: `pass --contract <address>, or set chains.${req.kind}.contract in config.json` })
    if (!isRpcUrl(rpc)) throw new InvalidInputError(`the RPC endpoint must be an http(s) or ws(s) URL, got "${rpc.slice(0, 80)}"`)
    if (!isEvmAddress(contract)) throw new InvalidInputError(`the contract must be an address (0x and 40 hex characters), got "${contract.slice(0, 80)}"`)
    return { kind: req.kind, rpc, contract }
  }

  /**
   * The adapter for an anchor (one per kind, endpoint and contract). Loaded on first use:
   * a node with no chain-anchored context never loads a chain client.
   */
  async get (ref: Omit<ChainAnchorRef, 'network'>): Promise<ChainAnchor> {
    const id = `${ref.kind}|${ref.rpc}|${ref.contract.toLowerCase()}`
    let adapter = this.adapters.get(id)
    if (adapter === undefined) {
      const { EthereumAnchor } = await import('../../../adapters/ethereum/anchor.ts')
      const existing = this.adapters.get(id)
      if (existing !== undefined) return existing
      const s = this.settings.ethereum ?? {}
      adapter = new EthereumAnchor({
        rpc: ref.rpc,
        contract: ref.contract,
        // Without a relayer key the node still reads; requests are refused by canSubmit first.
        relayer: s.relayerKey ?? '0x' + randomBytes(32).toString('hex'),
        logger: this.logger,
        ...(s.confirmations !== undefined ? { confirmations: s.confirmations } : {}),
        ...(s.pollIntervalMs !== undefined ? { pollIntervalMs: s.pollIntervalMs } : {})
      })
      this.adapters.set(id, adapter)
    }
    return adapter
  }

  /** This node's configured endpoint for a chain, if any. */
  defaultRpc (kind: ChainKind): string | undefined {
    return this.settings[kind]?.rpc
  }

  /** Refuses, with what to do, when this node cannot pay for requests on a chain. */
  canSubmit (kind: ChainKind): void {
    if (this.settings[kind]?.relayerKey === undefined) {
      throw new InvalidInputError(`this node has no ${kind} relayer key: it cannot pay for requests on the chain`, { hint: 'store one with `MOOR_ETH_KEY=0x… moor relayer set ethereum` (on the devnet, `moor devnet` prints a funded key), or set $MOOR_ETH_RELAYER_KEY' })
    }
  }

  async close (): Promise<void> {
    await Promise.allSettled([...this.adapters.values()].map(async (a) => { await a.close() }))
    this.adapters.clear()
  }
}
