// The Ethereum anchor: governance lives in the ContextConfig contract (and one
// ContextProxy per context), read and written with ethers 6.
//
//  - Writes: each request is signed twice over, never by the relayer: the identity's EVM
//    key signs the EIP-712 request (keys.ts), and on the identity's first request in a
//    context its ed25519 key signs the binding of that EVM key, which the contract checks
//    on chain. The relayer (any funded account) wraps it in a transaction. Before sending,
//    the call is simulated (eth_estimateGas) so a refusal comes back with the contract's
//    reason without spending gas; a stale identity nonce or a transaction that reverted
//    after a race is retried with fresh state, unless the caller fixed the nonce.
//  - Reads (`view`, `nonce`) are made at the confirmed head (head - confirmations + 1, or
//    the block a finality tag names), cached by that block's hash: a reorg changes the
//    hash, so the cache can never serve a view from a dropped branch.
//  - The change feed is the chain kit's (src/chain/kit/): feed.ts gives it the Applied
//    events; the kit undoes those whose blocks a reorg removed. `cached(context)` (the
//    view at the feed's position) is kept up to date for synchronous membership checks.
import { randomBytes } from 'node:crypto'
import { Interface, Wallet, getAddress, getBytes, hexlify, keccak256, AbiCoder, type Signer as EthersSigner, type JsonRpcApiProvider } from 'ethers'
import { ChangeFeed, KeyedQueue, PositionCache, confirmedPosition, finalityOf, readStable, waitConfirmed, type Finality, type Position } from '../../src/chain/kit/index.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { sign } from '../../src/crypto/ed25519.ts'
import { InvalidInputError, NotFoundError } from '../../src/errors/index.ts'
import {
  GovernanceRejectedError, type AnchorChange, type ChainAnchor, type AnchorOptions, type ChainWatchOptions, type GovernanceView, type Lookup,
  type LookupOptions, type Genesis, type Receipt, type Signer, type SubmitOptions
} from '../../src/governance/anchor.ts'
import type { InvitationState, ProposalOutcome } from '../../src/governance/acl.ts'
import { refusedMessage } from '../../src/governance/refusals.ts'
import { contextIdFor } from '../../src/governance/context-id.ts'
import type { MemberRecord, ProposalRecord } from '../../src/governance/types.ts'
import { silentLogger, type Logger } from '../../src/log/index.ts'
import { loadArtifacts, type Artifacts } from './artifacts.ts'
import {
  DEFAULT_CONFIRMATIONS, DEFAULT_LOG_RANGE, DEFAULT_POLL_INTERVAL_MS, DEFAULT_REORG_DEPTH, DEFAULT_SUBMIT_RETRIES,
  DEFAULT_TX_TIMEOUT_MS, GAS_MARGIN_PERCENT
} from './constants.ts'
import {
  ACTION_TUPLE, REQUEST_TYPES, b32, bindingMessage, capabilitiesOf, decodeProposalAction, eip712Domain,
  encodeRequest, roleName, salt32, type EthereumGovAction, type EthereumProposalAction
} from './encoding.ts'
import { ContractNotFoundError, EthereumRpcError, TransactionTimeoutError } from './errors.ts'
import { APPLIED_TOPIC, EvmSource, type EthereumChange } from './feed.ts'
import { pushUrlFor } from './heads.ts'
import { evmKeyFor } from './keys.ts'
import { Reasons } from './reasons.ts'
import { Relayer } from './relayer.ts'
import { Rpc, isRevert, providerFor, revertData, type RawLog, type RpcSource } from './rpc.ts'

export interface EthereumInit {
  /** JSON-RPC URL, an EIP-1193 provider (e.g. the in-process devnet) or an ethers JSON-RPC provider. */
  rpc: RpcSource
  /** Address of the ContextConfig contract (scripts/deploy-ethereum.ts prints it). */
  contract: string
  /** The account that pays for transactions: a private key (hex) or an ethers Signer. */
  relayer: string | EthersSigner
  /** Blocks a change needs, its own included, before reads and the feed see it (default 1). */
  confirmations?: number
  /** Instead of confirmations: the block tag whose block counts as final (`finalized`, `safe`). */
  finalityTag?: string
  /** Change feed poll interval in ms (default 1000). */
  pollIntervalMs?: number
  /**
   * Where the endpoint pushes new blocks (eth_subscribe over WebSocket): a ws(s):// URL, or
   * false to poll only. Default: the rpc URL's own address as ws(s)://, when rpc is a URL.
   */
  push?: string | false
  /** Blocks of hashes kept to locate a reorg's fork point (default 128). */
  reorgDepth?: number
  /** Most blocks per eth_getLogs (default 5000). */
  logRange?: number
  /** Re-sign-and-resend attempts after nonce races or reverted transactions (default 3). */
  retries?: number
  /** Time allowed for a transaction to be mined and confirmed (default 120 s). */
  txTimeoutMs?: number
  logger?: Logger
}

/** Where `changes()` reads: block bounds (inclusive) and a signal checked between log ranges. */
export interface ChangesOptions {
  /** First block to read (default: the block that created the context). */
  fromBlock?: number
  /** Last block to read (default: the confirmed head, head - confirmations + 1). */
  toBlock?: number
  signal?: AbortSignal
}

export type EthereumProposalRecord = Omit<ProposalRecord, 'actions'> & { actions: EthereumProposalAction[], actionsHash: string }

/** GovernanceView plus where it was read; proposals may carry `call` and `transfer` actions. */
export interface EthereumGovernanceView extends Omit<GovernanceView, 'proposals'> {
  proposals: EthereumProposalRecord[]
  proxy: string
  /** The block the context was created in, its creator and first application. */
  genesis: Genesis
  /** The block the view was read at. */
  position: Position
}

/** A signed request, ready for any relayer to send. */
export interface PreparedRequest {
  /** The ContextConfig contract. */
  to: string
  /** Calldata of execute(request, signature, binding). */
  data: string
  /** Gas the simulation used (send with a margin on top). */
  gas: bigint
  /** The identity nonce the request uses. */
  nonce: bigint
  /** The identity's EVM key that signed it. */
  key: string
}

interface Ready {
  artifacts: Artifacts
  config: Interface
  proxy: Interface
  reasons: Reasons
  chainId: bigint
}

interface HistoryCache {
  scannedTo: number
  scannedHash: string
  outcomes: Array<ProposalOutcome & { block: number }>
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'
const abi = AbiCoder.defaultAbiCoder()
const CREATED = new Interface(['event ContextCreated(bytes32 indexed context, bytes32 indexed creator, bytes32 application, address proxy)'])

/** `getContext`'s result: application, proxy, revision, created block, members, invitations. */
type ContextTuple = [
  string, string, bigint, bigint,
  Array<[string, bigint, bigint]>,
  Array<[string, bigint, string, bigint, bigint, bigint, bigint, boolean, string]>
]

export class EthereumAnchor implements ChainAnchor {
  readonly kind = 'ethereum'
  readonly contract: string
  readonly finality: Finality
  /** Ethereum endpoints read state at past blocks (a pruned one answers for recent ones only). */
  readonly pastState = true
  private readonly rpc: Rpc
  private readonly source: EvmSource
  private readonly provider: JsonRpcApiProvider
  private readonly ownsProvider: boolean
  private readonly relayer: Relayer
  private readonly log: Logger
  private readonly retries: number
  private readonly pollIntervalMs: number
  private readonly logRange: number
  private readonly txTimeoutMs: number
  private readonly feed: ChangeFeed
  private readyMemo: Promise<Ready> | undefined
  private lastSeen: number | undefined
  private readonly views = new PositionCache<EthereumGovernanceView>()
  private readonly feedViews = new Map<string, EthereumGovernanceView>()
  private readonly geneses = new Map<string, Genesis>()
  private readonly histories = new Map<string, HistoryCache>()
  private readonly actions = new Map<string, { hash: string, actions: EthereumProposalAction[] }>()
  private readonly boundKeys = new Map<string, string>()
  private readonly usedNonces = new Map<string, bigint>()
  private readonly queue = new KeyedQueue()

  constructor (init: EthereumInit) {
    this.contract = getAddress(init.contract)
    this.finality = finalityOf(init, DEFAULT_CONFIRMATIONS)
    this.provider = providerFor(init.rpc)
    this.ownsProvider = this.provider !== init.rpc
    this.rpc = new Rpc(this.provider, undefined, typeof init.rpc === 'string' ? init.rpc : undefined)
    this.log = (init.logger ?? silentLogger).child('ethereum')
    const push = init.push === false ? undefined : init.push ?? (typeof init.rpc === 'string' ? pushUrlFor(init.rpc) : undefined)
    this.source = new EvmSource(this.rpc, this.contract, init.logRange ?? DEFAULT_LOG_RANGE, push === undefined ? undefined : { url: push, logger: this.log })
    this.retries = init.retries ?? DEFAULT_SUBMIT_RETRIES
    this.pollIntervalMs = init.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
    this.logRange = init.logRange ?? DEFAULT_LOG_RANGE
    this.txTimeoutMs = init.txTimeoutMs ?? DEFAULT_TX_TIMEOUT_MS
    const signer = typeof init.relayer === 'string' ? new Wallet(init.relayer, this.provider) : (init.relayer.provider === null ? init.relayer.connect(this.provider) : init.relayer)
    this.relayer = new Relayer(signer, this.log, this.retries)
    this.feed = new ChangeFeed({
      source: this.source,
      finality: this.finality,
      pollIntervalMs: this.pollIntervalMs,
      reorgDepth: init.reorgDepth ?? DEFAULT_REORG_DEPTH,
      range: this.logRange,
      logger: this.log,
      lastSeen: () => this.lastSeen,
      onAdvance: async (contexts, block) => { await this.refreshFeedViews(contexts, block) },
      onReorg: async (contexts, fork) => {
        this.views.clear()
        this.boundKeys.clear()
        this.usedNonces.clear()
        await this.refreshFeedViews(contexts, fork)
      }
    })
  }

  // ---- Anchor ----

  async createContext (init: { application: Uint8Array, creator: Signer, salt?: Uint8Array }, options?: AnchorOptions): Promise<{ context: Uint8Array, receipt: Receipt }> {
    const r = await this.ready()
    const application = b32(init.application, 'application id')
    const salt = salt32(init.salt ?? new Uint8Array(randomBytes(32)))
    const context = contextIdFor(init.creator.publicKey, init.application, salt)
    const key = evmKeyFor(init.creator, context)
    const binding = sign(init.creator.secretKey, bindingMessage(r.chainId, this.contract, context, key.address))
    const data = r.config.encodeFunctionData('createContext', [b32(init.creator.publicKey, 'creator'), application, hexlify(salt), key.address, hexlify(binding)])
    const gas = await this.estimate(data, 'createContext')
    const receipt = await this.transact(data, gas, options?.signal)
    if (receipt.status !== 1) throw await this.afterRevert(data, 'createContext', receipt.hash)
    this.boundKeys.set(this.keyOf(context, init.creator.publicKey), key.address)
    return { context, receipt: { id: receipt.hash, revision: 1 } }
  }

  async submit (context: Uint8Array, signer: Signer, action: EthereumGovAction, options?: SubmitOptions): Promise<Receipt> {
    const who = this.keyOf(context, signer.publicKey)
    return await this.queue.run(who, async () => {
      for (let attempt = 0; ; attempt++) {
        options?.signal?.throwIfAborted()
        const retryable = attempt < this.retries && options?.nonce === undefined
        let prepared: PreparedRequest
        try {
          prepared = await this.prepare(context, signer, action, options)
        } catch (err) {
          // Another client used this identity's nonce, or the key binding we remembered
          // was reorged out: re-read and re-sign.
          const code = err instanceof GovernanceRejectedError ? err.code : undefined
          if (!retryable || (code !== 'StaleNonce' && code !== 'BadBinding')) throw err
          if (code === 'BadBinding' && !this.boundKeys.has(who)) throw err
          this.forget(who)
          continue
        }
        const receipt = await this.transact(prepared.data, prepared.gas, options?.signal)
        if (receipt.status !== 1) {
          this.forget(who)
          if (retryable) {
            this.log.info('request reverted on chain; retrying with fresh state', { action: action.type, tx: receipt.hash })
            continue
          }
          throw await this.afterRevert(prepared.data, action.type, receipt.hash)
        }
        this.usedNonces.set(who, prepared.nonce)
        this.boundKeys.set(who, prepared.key)
        const applied = receipt.logs.filter((l) => l.topics[0] === APPLIED_TOPIC && getAddress(l.address) === this.contract).map((l) => this.source.decode(l, 0)).at(-1)
        this.feed.kick()
        return { id: receipt.hash, revision: applied?.revision ?? 0 }
      }
    })
  }

  /**
   * Signs `action` as `signer` and simulates it, without sending anything: the result is
   * calldata any relayer may send to `to` (with at least `gas`). Throws
   * GovernanceRejectedError with the contract's reason when it would be refused.
   */
  async prepare (context: Uint8Array, signer: Signer, action: EthereumGovAction, options?: SubmitOptions): Promise<PreparedRequest> {
    const r = await this.ready()
    options?.signal?.throwIfAborted()
    const who = this.keyOf(context, signer.publicKey)
    const nonce = options?.nonce ?? await this.nextNonce(context, signer.publicKey)
    const proposalActions = action.type === 'approve' ? await this.proposalActions(context, action.proposal) : undefined
    const { kind, payload } = encodeRequest(action, proposalActions)
    const key = evmKeyFor(signer, context)
    const bound = this.boundKeys.get(who) ?? await this.keyOnChain(context, signer.publicKey)
    const binding = bound === ZERO_ADDRESS ? hexlify(sign(signer.secretKey, bindingMessage(r.chainId, this.contract, context, key.address))) : '0x'
    const request = { context: hexlify(context), identity: hexlify(signer.publicKey), nonce, kind, payload }
    const signature = await key.signTypedData(eip712Domain(r.chainId, this.contract), REQUEST_TYPES, request)
    const data = r.config.encodeFunctionData('execute', [request, signature, binding])
    const gas = await this.estimate(data, action.type)
    return { to: this.contract, data, gas, nonce, key: key.address }
  }

  async nonce (context: Uint8Array, identity: Uint8Array, options?: AnchorOptions): Promise<bigint> {
    const r = await this.ready()
    options?.signal?.throwIfAborted()
    const block = await this.confirmedBlock()
    const [last] = r.config.decodeFunctionResult('nonceOf', await this.rpc.call(this.contract, r.config.encodeFunctionData('nonceOf', [hexlify(context), b32(identity, 'identity')]), block.seq)) as unknown as [bigint]
    return last + 1n
  }

  async view (context: Uint8Array, options?: AnchorOptions): Promise<GovernanceView> {
    return await this.viewAt(context, options) as unknown as GovernanceView
  }

  watch (context: Uint8Array, listener: (change: AnchorChange) => void, options?: ChainWatchOptions): () => void {
    return this.feed.watch(context, listener, options)
  }

  // ---- Beyond the interface ----

  /** The view at the confirmed head, with chain details (proxy, block, call/transfer actions); NotFoundError for a context not on the chain. */
  async viewAt (context: Uint8Array, options?: AnchorOptions): Promise<EthereumGovernanceView> {
    const found = await this.lookup(context, options)
    if (!found.found) throw new NotFoundError(`context ${toHex(context)} does not exist on ${this.contract}`)
    return found.value
  }

  /**
   * The view at the confirmed head, or as of block `at` (e.g. a delta's causal point), or
   * why there is none. Old blocks need an endpoint that keeps historical state (an
   * archive node; the devnet keeps everything).
   */
  async lookup (context: Uint8Array, options: LookupOptions = {}): Promise<Lookup<EthereumGovernanceView>> {
    await this.ready()
    options.signal?.throwIfAborted()
    const hex = toHex(context)
    let at: Position | undefined
    if (options.at !== undefined) {
      const id = await this.rpc.blockHash(options.at)
      if (id === undefined) return { found: false, missing: 'no-position' }
      at = { seq: options.at, id }
    }
    const { value } = await readStable(this.source, this.finality, async (pos) => {
      const cached = this.views.get(hex, pos)
      if (cached !== undefined) return cached
      const view = await this.readView(context, pos)
      if (view !== undefined) this.views.set(hex, pos, view)
      return view
    }, () => new EthereumRpcError(`the chain kept reorganising while context ${hex} was read`), { ...(at !== undefined ? { at, attempts: 1 } : {}), signal: options.signal })
    return value === undefined ? { found: false, missing: 'no-context' } : { found: true, value }
  }

  async idAt (seq: number): Promise<string | undefined> {
    return await this.source.idAt(seq)
  }

  /**
   * Every accepted change of `context` (its Applied events, decoded as the feed decodes
   * them) in chain order, from the block that created it (or `fromBlock`) up to `toBlock`
   * (default: the confirmed head). Logs are read `logRange` blocks at a time; if a reorg
   * changes the last block while they are read, they are read again, so the list never
   * mixes two branches. Throws NotFoundError for a context not on the chain.
   */
  async changes (context: Uint8Array, options: ChangesOptions = {}): Promise<EthereumChange[]> {
    await this.ready()
    const { signal } = options
    const block = (n: number | undefined, what: string): number | undefined => {
      if (n !== undefined && (!Number.isSafeInteger(n) || n < 0)) throw new InvalidInputError(`${what} must be a non-negative integer`)
      return n
    }
    const fromBlock = block(options.fromBlock, 'fromBlock')
    const toBlock = block(options.toBlock, 'toBlock')
    b32(context, 'context id')
    const id = toHex(context)
    signal?.throwIfAborted()
    let from = fromBlock
    if (from === undefined) {
      const tuple = await this.getContext(context, 'latest')
      if (tuple === undefined) throw new NotFoundError(`context ${id} does not exist on ${this.contract}`)
      from = Number(tuple[3])
    }
    let at: Position | undefined
    if (toBlock !== undefined) {
      const hash = await this.rpc.blockHash(toBlock)
      if (hash === undefined) throw new NotFoundError(`block ${toBlock} is not on the chain (yet)`)
      at = { seq: toBlock, id: hash }
    }
    const start = from
    const { value } = await readStable(this.source, this.finality, async (to) => {
      const out: EthereumChange[] = []
      for (let s = start; s <= to.seq; s += this.logRange) {
        signal?.throwIfAborted()
        out.push(...await this.source.changes([id], s, Math.min(to.seq, s + this.logRange - 1)))
      }
      return out
    }, () => new EthereumRpcError(`the chain kept reorganising while the changes of ${id} were read`), { ...(at !== undefined ? { at } : {}), signal })
    return value
  }

  /** The confirmed head: the block reads and the change feed stop at. */
  async confirmedHead (): Promise<Position> {
    return await this.confirmedBlock()
  }

  /** The view as of the change feed's position, without an RPC call (undefined until a watched change arrived). */
  cached (context: Uint8Array): EthereumGovernanceView | undefined {
    return this.feedViews.get(toHex(context))
  }

  /** The actions of an open proposal (the contract keeps only their hash). */
  async proposalActions (context: Uint8Array, proposal: Uint8Array): Promise<EthereumProposalAction[]> {
    const head = await this.rpc.blockNumber()
    const hash = await this.rpc.blockHash(head)
    if (hash === undefined) throw new EthereumRpcError('the head block vanished while reading')
    const v = await this.readView(context, { seq: head, id: hash })
    return v?.proposals.find((p) => toHex(p.id) === toHex(proposal))?.actions ?? []
  }

  /** The context's proxy contract (holds its funds, runs its proposals). */
  async proxyOf (context: Uint8Array): Promise<string> {
    return (await this.viewAt(context)).proxy
  }

  /** The EVM address an identity signs its requests with in `context`. */
  evmAddressOf (signer: Signer, context: Uint8Array): string {
    return evmKeyFor(signer, context).address
  }

  async chainId (): Promise<bigint> {
    return (await this.ready()).chainId
  }

  async network (): Promise<string> {
    return (await this.chainId()).toString()
  }

  /** Polls the chain now and resolves when the feed has caught up with it. */
  async sync (): Promise<void> {
    await this.feed.settle()
  }

  async close (): Promise<void> {
    this.feed.close()
    if (this.ownsProvider) this.provider.destroy()
  }

  // ---- Internals ----

  private async ready (): Promise<Ready> {
    this.readyMemo ??= (async () => {
      const artifacts = await loadArtifacts()
      const config = new Interface(artifacts.ContextConfig.abi as never[])
      const proxy = new Interface(artifacts.ContextProxy.abi as never[])
      const [code, chain] = await Promise.all([
        this.rpc.send<string>('eth_getCode', [this.contract, 'latest']),
        this.rpc.send<string>('eth_chainId', [])
      ])
      if (code === '0x') throw new ContractNotFoundError(`no contract at ${this.contract}`, { hint: 'deploy one with `node scripts/deploy-ethereum.ts --rpc <url> --key <hex>`' })
      const typehash = await this.rpc.call(this.contract, config.encodeFunctionData('REQUEST_TYPEHASH', []), 'latest').catch(() => '0x')
      const expected = keccak256(new TextEncoder().encode('Request(bytes32 context,bytes32 identity,uint64 nonce,uint8 kind,bytes payload)'))
      if (typehash !== expected) throw new ContractNotFoundError(`the contract at ${this.contract} is not a Moorage ContextConfig of this version`)
      return { artifacts, config, proxy, reasons: new Reasons(artifacts.ContextConfig.abi, artifacts.ContextProxy.abi), chainId: BigInt(chain) }
    })()
    try {
      return await this.readyMemo
    } catch (err) {
      this.readyMemo = undefined
      throw err
    }
  }

  private forget (who: string): void {
    this.usedNonces.delete(who)
    this.boundKeys.delete(who)
  }

  private keyOf (context: Uint8Array, identity: Uint8Array): string {
    return `${toHex(context)}:${toHex(identity)}`
  }

  private seen (block: number): void {
    if (this.lastSeen === undefined || block > this.lastSeen) this.lastSeen = block
  }

  private async confirmedBlock (): Promise<Position> {
    const at = await confirmedPosition(this.source, this.finality)
    if (at === undefined) throw new EthereumRpcError('the confirmed head block is not available')
    this.seen(at.seq)
    return at
  }

  private async nextNonce (context: Uint8Array, identity: Uint8Array): Promise<bigint> {
    const r = await this.ready()
    const [last] = r.config.decodeFunctionResult('nonceOf', await this.rpc.call(this.contract, r.config.encodeFunctionData('nonceOf', [hexlify(context), hexlify(identity)]), 'latest')) as unknown as [bigint]
    const local = this.usedNonces.get(this.keyOf(context, identity)) ?? 0n
    return (last > local ? last : local) + 1n
  }

  private async keyOnChain (context: Uint8Array, identity: Uint8Array): Promise<string> {
    const r = await this.ready()
    const [key] = r.config.decodeFunctionResult('keyOf', await this.rpc.call(this.contract, r.config.encodeFunctionData('keyOf', [hexlify(context), hexlify(identity)]), 'latest')) as unknown as [string]
    return getAddress(key)
  }

  /** Simulates the transaction; a revert becomes GovernanceRejectedError with the contract's reason. */
  private async estimate (data: string, action: string): Promise<bigint> {
    const r = await this.ready()
    const from = await this.relayer.address()
    try {
      return BigInt(await this.rpc.send<string>('eth_estimateGas', [{ from, to: this.contract, data }]))
    } catch (err) {
      if (!isRevert(err)) throw err
      const revert = revertData(err)
      const { code, text } = r.reasons.refusal(revert, action)
      throw new GovernanceRejectedError(refusedMessage(action, text), { code })
    }
  }

  /** The refusal of a transaction that reverted on chain: the contract's reason now, if it gives one. */
  private async afterRevert (data: string, action: string, tx: string): Promise<GovernanceRejectedError> {
    try {
      await this.estimate(data, action)
      return new GovernanceRejectedError(refusedMessage(action, 'the transaction reverted on chain (out of gas, or the state changed before it was mined)'), { code: 'Other', details: `transaction ${tx}` })
    } catch (err) {
      if (!(err instanceof GovernanceRejectedError)) throw err
      return new GovernanceRejectedError(err.shortMessage, { code: err.code, details: `transaction ${tx}` })
    }
  }

  private async transact (data: string, gas: bigint, signal?: AbortSignal): Promise<{ hash: string, status: number, blockNumber: number, logs: RawLog[] }> {
    const response = await this.relayer.send({ to: this.contract, data, gasLimit: gas * GAS_MARGIN_PERCENT / 100n })
    return await waitConfirmed({
      source: this.source,
      finality: this.finality,
      included: async () => {
        const receipt = await this.rpc.receipt(response.hash)
        return receipt === undefined ? undefined : { position: { seq: receipt.blockNumber, id: receipt.blockHash }, value: { hash: response.hash, ...receipt } }
      },
      intervalMs: Math.max(10, Math.min(this.pollIntervalMs, 1000)),
      timeoutMs: this.txTimeoutMs,
      signal,
      seen: (p) => { this.seen(p.seq) },
      late: () => {
        this.relayer.reset()
        return new TransactionTimeoutError(`transaction ${response.hash} was not mined and confirmed (${JSON.stringify(this.finality)}) in ${this.txTimeoutMs} ms`)
      }
    })
  }

  private async refreshFeedViews (contexts: Set<string>, at: Position): Promise<void> {
    for (const hex of contexts) {
      try {
        const view = await this.readView(getBytes('0x' + hex), at)
        if (view !== undefined) this.feedViews.set(hex, view)
      } catch (err) {
        this.log.warn('could not refresh a watched context\'s view', { context: hex, error: (err as Error).message })
      }
    }
  }

  /** The contract's `getContext` at a block; undefined for a context it does not have there. */
  private async getContext (context: Uint8Array, blockTag: number | 'latest'): Promise<ContextTuple | undefined> {
    const r = await this.ready()
    let raw: string
    try {
      raw = await this.rpc.call(this.contract, r.config.encodeFunctionData('getContext', [hexlify(context)]), blockTag)
    } catch (err) {
      if (isRevert(err) && r.reasons.errorName(revertData(err)) === 'UnknownContext') return undefined
      throw err
    }
    return r.config.decodeFunctionResult('getContext', raw) as unknown as ContextTuple
  }

  /** How the context began, from its ContextCreated event (read once). */
  private async genesisOf (context: Uint8Array, createdBlock: number): Promise<Genesis> {
    const hex = toHex(context)
    let genesis = this.geneses.get(hex)
    if (genesis === undefined) {
      const topic = CREATED.getEvent('ContextCreated')!.topicHash
      const [log] = await this.rpc.logs({ address: this.contract, topics: [topic, '0x' + hex] }, createdBlock, createdBlock, 1)
      const ev = log === undefined ? null : CREATED.parseLog({ topics: log.topics, data: log.data })
      if (ev === null) throw new EthereumRpcError(`the creation event of context ${hex} was not found in block ${createdBlock}`)
      genesis = { seq: createdBlock, creator: getBytes(ev.args[1] as string), application: getBytes(ev.args[2] as string) }
      this.geneses.set(hex, genesis)
    }
    return genesis
  }

  private async readView (context: Uint8Array, at: Position): Promise<EthereumGovernanceView | undefined> {
    const r = await this.ready()
    const block = { number: at.seq, hash: at.id }
    const tuple = await this.getContext(context, block.number)
    if (tuple === undefined) return undefined
    const [application, proxy, revision, createdBlock, members, invitations] = tuple
    const stateRaw = await this.rpc.call(proxy, r.proxy.encodeFunctionData('state', []), block.number)
    const [threshold, activeLimit, open, values] = r.proxy.decodeFunctionResult('state', stateRaw) as unknown as [
      bigint, bigint,
      Array<[string, string, string, bigint, string[]]>,
      Array<[string, string]>
    ]
    const created = Number(createdBlock)
    const outcomes = await this.history(proxy, created, block)
    const proposals: EthereumProposalRecord[] = []
    for (const [id, author, actionsHash, createdAt, approvals] of open) {
      proposals.push({
        id: getBytes(id),
        author: getBytes(author),
        actions: await this.actionsOf(proxy, created, block.number, id, actionsHash),
        actionsHash,
        approvals: approvals.map((a) => getBytes(a)),
        createdAt: Number(createdAt)
      })
    }
    return {
      context,
      application: getBytes(application),
      members: members.map(([identity, role, caps]): MemberRecord => ({ identity: getBytes(identity), role: roleName(Number(role)), capabilities: capabilitiesOf(Number(caps)) })),
      threshold: Number(threshold),
      activeLimit: Number(activeLimit),
      revision: Number(revision),
      proposals,
      history: outcomes,
      invitations: invitations.map(([id, kind, target, role, expiresAt, maxUses, uses, revoked, createdBy]): InvitationState => ({
        id: getBytes(id),
        target: Number(kind) === 1 ? { type: 'identity', identity: getBytes(target) } : { type: 'open', key: getBytes(target) },
        role: roleName(Number(role)) as InvitationState['role'],
        expiresAt: Number(expiresAt),
        maxUses: Number(maxUses),
        uses: Number(uses),
        revoked,
        createdBy: getBytes(createdBy)
      })),
      values: values.map(([key, value]) => ({ key: getBytes(key), value: getBytes(value) })),
      proxy,
      genesis: await this.genesisOf(context, created),
      position: at
    }
  }

  /**
   * Proposal outcomes (ProposalExecuted / ProposalFailed) of a proxy up to `block`, read
   * incrementally; ProposalCreated events met on the way fill the actions cache.
   */
  private async history (proxy: string, createdBlock: number, block: { number: number, hash: string }): Promise<ProposalOutcome[]> {
    const r = await this.ready()
    let cache = this.histories.get(proxy)
    if (cache !== undefined && await this.rpc.blockHash(cache.scannedTo) !== cache.scannedHash) cache = undefined
    cache ??= { scannedTo: createdBlock - 1, scannedHash: '', outcomes: [] }
    if (cache.scannedTo < block.number) {
      const topics = ['ProposalExecuted', 'ProposalFailed', 'ProposalCreated'].map((n) => r.proxy.getEvent(n)!.topicHash)
      const logs = await this.rpc.logs({ address: proxy, topics: [topics] }, cache.scannedTo + 1, block.number, this.logRange)
      for (const log of logs) {
        const ev = r.proxy.parseLog({ topics: log.topics, data: log.data })
        if (ev === null) continue
        if (ev.name === 'ProposalCreated') {
          this.rememberActions(proxy, ev.args[0] as string, ev.args[2] as Array<[bigint, string]>)
        } else if (ev.name === 'ProposalExecuted') {
          cache.outcomes.push({ proposal: (ev.args[0] as string).slice(2), outcome: 'executed', at: Number(ev.args[1]), block: log.blockNumber })
        } else if (ev.name === 'ProposalFailed') {
          cache.outcomes.push({ proposal: (ev.args[0] as string).slice(2), outcome: 'failed', reason: r.reasons.explain(ev.args[1] as string), at: Number(ev.args[2]), block: log.blockNumber })
        }
      }
      cache = { scannedTo: block.number, scannedHash: block.hash, outcomes: cache.outcomes }
      this.histories.set(proxy, cache)
    }
    return cache.outcomes.filter((o) => o.block <= block.number).map(({ block: _b, ...o }) => o)
  }

  private rememberActions (proxy: string, id: string, raw: Array<[bigint, string]>): void {
    const tuples = raw.map(([k, d]) => [Number(k), d] as [number, string])
    const hash = keccak256(abi.encode([ACTION_TUPLE], [tuples]))
    this.actions.set(`${proxy}:${id}`, { hash, actions: tuples.map(([k, d]) => decodeProposalAction(k, d)) })
  }

  private async actionsOf (proxy: string, createdBlock: number, toBlock: number, id: string, actionsHash: string): Promise<EthereumProposalAction[]> {
    const key = `${proxy}:${id}`
    let hit = this.actions.get(key)
    if (hit?.hash !== actionsHash) {
      const r = await this.ready()
      const topic = r.proxy.getEvent('ProposalCreated')!.topicHash
      const logs = await this.rpc.logs({ address: proxy, topics: [topic, id] }, createdBlock, toBlock, this.logRange)
      for (const log of logs) {
        const ev = r.proxy.parseLog({ topics: log.topics, data: log.data })
        if (ev !== null) this.rememberActions(proxy, id, ev.args[2] as Array<[bigint, string]>)
      }
      hit = this.actions.get(key)
    }
    if (hit?.hash !== actionsHash) throw new EthereumRpcError(`the actions of proposal ${id} were not found in the proxy's logs`)
    return hit.actions
  }
}
