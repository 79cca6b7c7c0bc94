// Where a chain-anchored context's governance lives, and the anchor instance that talks
// to it. A context record names its anchor (kind, network, contract, RPC endpoint); the
// node keeps one anchor per (kind, RPC, contract), made by the chain's module
// (src/chain/module.ts) and configured from the node's settings for that chain (relayer
// key, the module's options).
import { isRpcUrl } from '../../chain/endpoint.ts'
import { parseId } from '../../chain/ids.ts'
import type { ChainModule, ChainOptions } from '../../chain/module.ts'
import type { ChainModules } from '../../chain/modules.ts'
import { InvalidInputError } from '../../errors/index.ts'
import type { ChainAnchor } from '../../governance/anchor.ts'
import type { Logger } from '../../log/index.ts'

/** A registered chain module's kind (ChainModule.kind). */
export type ChainKind = string

/** A chain anchor as a context record names it. */
export interface ChainAnchorRef {
  kind: ChainKind
  /** The chain's network: the CAIP-2 reference under the module's namespace (a chain id, say). */
  network: string
  /** The context config contract (as the module's contract rule parsed it). */
  contract: string
  /** The JSON-RPC endpoint this node reads and submits through. */
  rpc: string
}

export type AnchorRef = { kind: 'offchain' } | ChainAnchorRef

export function isChainAnchor (ref: AnchorRef): ref is ChainAnchorRef {
  return ref.kind !== 'offchain'
}

/** This node's settings for one chain (config.json `chains.<kind>`, or given when embedding). */
export interface ChainNodeSettings {
  /** Default endpoint and contract for new contexts (`moor context create --anchor <kind>`), and the endpoint joins use. */
  rpc?: string
  contract?: string
  /** The funded account's key that pays for this node's requests (the module's payer). */
  relayerKey?: string
  /** The module's options (ChainModule.settings), e.g. confirmations. */
  [option: string]: string | number | undefined
}

/** Per-chain settings of this node, by kind. */
export type ChainSettings = Partial<Record<ChainKind, ChainNodeSettings>>

export class ChainRegistry {
  readonly modules: ChainModules
  private settings: ChainSettings
  private readonly logger: Logger
  private readonly adapters = new Map<string, Promise<ChainAnchor>>()
  /** Anchors made under settings since replaced: contexts followed with them still read through them. */
  private readonly retired: Array<Promise<ChainAnchor>> = []

  constructor (modules: ChainModules, settings: ChainSettings, logger: Logger) {
    this.modules = modules
    this.settings = settings
    this.logger = logger
  }

  /** The module of a chain kind; UnknownAnchorError listing the registered ones otherwise. */
  module (kind: string): ChainModule {
    return this.modules.get(kind)
  }

  /** Fills in a new context's anchor from the node's defaults; refuses what is missing or malformed. */
  resolve (req: { kind: string, rpc?: string, contract?: string }): Omit<ChainAnchorRef, 'network'> {
    const m = this.modules.get(req.kind)
    const defaults = this.settings[m.kind] ?? {}
    const rpc = req.rpc ?? defaults.rpc
    const contract = req.contract ?? defaults.contract
    if (rpc === undefined) throw new InvalidInputError(`no RPC endpoint for the ${m.kind} anchor`, { hint: `pass --rpc <url>, or set chains.${m.kind}.rpc in config.json (\`moor deploy ${m.kind} --configure\` does)` })
    if (contract === undefined) throw new InvalidInputError(`no context config contract for the ${m.kind} anchor`, { hint: `pass --contract <id>, or set chains.${m.kind}.contract in config.json` })
    if (!isRpcUrl(rpc)) throw new InvalidInputError(`the RPC endpoint must be an http(s) or ws(s) URL, got "${String(rpc).slice(0, 80)}"`)
    const parsed = parseId(m.contract, contract)
    if (parsed === undefined) throw new InvalidInputError(`the contract must be ${m.contract.description}, got "${String(contract).slice(0, 80)}"`)
    return { kind: m.kind, rpc, contract: parsed }
  }

  /**
   * The anchor for a chain contract (one per kind, endpoint and contract). Its module loads
   * the chain client on first use: a node with no chain-anchored context never loads one.
   */
  async get (ref: Omit<ChainAnchorRef, 'network'>): Promise<ChainAnchor> {
    const m = this.modules.get(ref.kind)
    const id = `${ref.kind}|${ref.rpc}|${m.contract.key?.(ref.contract) ?? ref.contract}`
    let adapter = this.adapters.get(id)
    if (adapter === undefined) {
      const s = this.settings[m.kind] ?? {}
      adapter = m.createAnchor({
        rpc: ref.rpc,
        contract: ref.contract,
        ...(s.relayerKey !== undefined ? { payerKey: s.relayerKey } : {}),
        options: optionsOf(m, s),
        logger: this.logger
      })
      this.adapters.set(id, adapter)
      adapter.catch(() => { this.adapters.delete(id) })
    }
    return await adapter
  }

  /**
   * New settings (config.json and relayer keys read again by a running node); answers the
   * kinds whose settings changed. Their anchors are made afresh at next use, so requests go
   * out with the new relayer key and options.
   */
  update (settings: ChainSettings): ChainKind[] {
    const changed = this.modules.all().map((m) => m.kind).filter((kind) => JSON.stringify(this.settings[kind] ?? {}) !== JSON.stringify(settings[kind] ?? {}))
    this.settings = settings
    for (const [id, adapter] of [...this.adapters]) {
      if (!changed.includes(id.slice(0, id.indexOf('|')))) continue
      this.adapters.delete(id)
      this.retired.push(adapter)
    }
    return changed
  }

  /** This node's settings for a chain (empty when it has none). */
  settingsOf (kind: ChainKind): ChainNodeSettings {
    return this.settings[kind] ?? {}
  }

  /** This node's configured endpoint for a chain, if any. */
  defaultRpc (kind: ChainKind): string | undefined {
    return this.settings[kind]?.rpc
  }

  /** Refuses, with what to do, when this node cannot pay for requests on a chain. */
  canSubmit (kind: ChainKind): void {
    const m = this.modules.get(kind)
    if (this.settingsOf(m.kind).relayerKey === undefined) {
      throw new InvalidInputError(`this node has no ${m.kind} relayer key: it cannot pay for requests on the chain`, {
        hint: `store one with \`${m.payer.inputEnv}=… moor relayer set ${m.kind}\`${m.devnet !== undefined ? ' (on the devnet, `moor devnet` prints a funded key)' : ''}, or set $${m.payer.env}`
      })
    }
  }

  async close (): Promise<void> {
    const adapters = [...this.adapters.values(), ...this.retired.splice(0)]
    this.adapters.clear()
    await Promise.allSettled(adapters.map(async (a) => { await (await a).close() }))
  }
}

/** The module's options from the node's settings, defaults filled in. */
function optionsOf (m: ChainModule, s: ChainNodeSettings): ChainOptions {
  const out: ChainOptions = {}
  for (const [name, spec] of Object.entries(m.settings.options)) out[name] = s[name] ?? spec.default
  return out
}
