// The Starknet anchor: the context config contract (contracts/starknet/) read and written
// through starknet.js 10. Requests are signed by the Stark key each identity bound with its
// ed25519 signature (keys.ts); a paying account sends them (V3 invokes) one at a time. The
// change feed reads the contract's Applied events; a change counts once its block is
// ACCEPTED_ON_L2 (confirmations) or, with `finality: 'l1'`, ACCEPTED_ON_L1.
import { randomBytes } from 'node:crypto'
import { decode, encode } from 'cborg'
import { Account, RpcProvider, ec, hash, shortString, type Call } from 'starknet'
import { ChangeFeed, KeyedQueue, SerialSender, confirmedPosition, finalityOf, waitConfirmed, type FeedSource, type Finality, type Position } from '../../src/chain/kit/index.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { sign } from '../../src/crypto/ed25519.ts'
import { NotFoundError } from '../../src/errors/index.ts'
import {
  GovernanceRejectedError, type AnchorChange, type AnchorOptions, type ChainAction, type ChainAnchor, type ChainChange, type ChainGovernanceView,
  type ChainWatchOptions, type GovernanceView, type Lookup, type LookupOptions, type Receipt, type Signer, type SubmitOptions
} from '../../src/governance/anchor.ts'
import { contextIdFor } from '../../src/governance/context-id.ts'
import { decodeAction, encodeAction } from '../../src/governance/offchain/op.ts'
import { refusedMessage } from '../../src/governance/refusals.ts'
import { silentLogger, type Logger } from '../../src/log/index.ts'
import { KINDS, bindingFelts, bindingMessage, feltsU256, hex, packBytes, requestHash, u256Felts, unpackBytes } from './felts.ts'
import { identityStarkKey, type Payer } from './keys.ts'

const APPLIED = BigInt(hash.getSelectorFromName('Applied'))
const MAX_VIEW = 4 << 20
const MAX_PAYLOAD = 64 * 1024

export interface StarknetInit {
  rpc: string
  contract: string
  payer: Payer
  /** 'l2': a change counts once its block is ACCEPTED_ON_L2 (default); 'l1': once ACCEPTED_ON_L1. */
  finality?: 'l2' | 'l1'
  pollIntervalMs?: number
  txTimeoutMs?: number
  logger?: Logger
}

/** Why a starknet.js call failed, as the contract said it (a revert reason), or undefined. */
export function revertReason (err: unknown): string | undefined {
  const base = (err as { baseError?: { code?: number, data?: unknown } }).baseError
  if (base?.code === 41 || base?.code === 40) {
    const d = base.data as { execution_error?: unknown, revert_error?: unknown } | undefined
    const e = d?.execution_error ?? d?.revert_error
    return typeof e === 'string' ? e : JSON.stringify(e)
  }
  return undefined
}

const rpcCode = (err: unknown): number | undefined => (err as { baseError?: { code?: number } }).baseError?.code

export class StarknetAnchor implements ChainAnchor {
  readonly kind = 'starknet'
  readonly finality: Finality
  readonly pastState = true
  readonly provider: RpcProvider
  readonly account: Account
  private readonly contract: bigint
  private readonly source: FeedSource
  private readonly feed: ChangeFeed
  private readonly queue = new KeyedQueue()
  private readonly sender: SerialSender<Call[], string>
  private readonly pollIntervalMs: number
  private readonly txTimeoutMs: number
  private readonly times = new Map<number, number>()
  private chainId: bigint | undefined
  private lastSeen: number | undefined

  constructor (init: StarknetInit) {
    this.contract = BigInt(init.contract)
    this.finality = init.finality === 'l1' ? finalityOf({ finalityTag: 'l1_accepted' }) : finalityOf({ confirmations: 1 })
    this.pollIntervalMs = init.pollIntervalMs ?? 500
    this.txTimeoutMs = init.txTimeoutMs ?? 60_000
    const logger = (init.logger ?? silentLogger).child('starknet')
    this.provider = new RpcProvider({ nodeUrl: init.rpc })
    this.account = new Account({ provider: this.provider, address: init.payer.address, signer: init.payer.privateKey, cairoVersion: '1' })
    this.sender = new SerialSender({
      readNonce: async () => Number(await this.account.getNonce('pre_confirmed')),
      send: async (calls, nonce) => (await this.account.execute(calls, { nonce, tip: 0n })).transaction_hash,
      isNonceError: (err) => rpcCode(err) === 52,
      retries: 2,
      logger
    })
    this.source = {
      head: async (tag) => tag === undefined ? await this.provider.getBlockNumber() : await this.blockNumber(tag),
      idAt: async (seq) => await this.blockHash(seq),
      changes: async (contexts, from, to) => await this.changes(contexts, from, to)
    }
    this.feed = new ChangeFeed({
      source: this.source,
      finality: this.finality,
      pollIntervalMs: this.pollIntervalMs,
      reorgDepth: 64,
      range: 1000,
      logger,
      lastSeen: () => this.lastSeen
    })
  }

  async createContext (init: { application: Uint8Array, creator: Signer, salt?: Uint8Array }, options?: AnchorOptions): Promise<{ context: Uint8Array, receipt: Receipt }> {
    const salt = init.salt ?? new Uint8Array(randomBytes(32))
    const context = contextIdFor(init.creator.publicKey, init.application, salt)
    const key = identityStarkKey(init.creator.secretKey)
    const binding = await this.binding(init.creator, context, key.publicKey)
    const calldata = [...u256Felts(init.creator.publicKey), ...u256Felts(init.application), ...u256Felts(salt), key.publicKey, 4n, ...binding]
    const tx = await this.send('createContext', 'create_context', calldata, options)
    await this.confirmed(tx, 'createContext', options?.signal)
    return { context, receipt: { id: tx, revision: 1 } }
  }

  async submit (context: Uint8Array, signer: Signer, action: ChainAction, options?: SubmitOptions): Promise<Receipt> {
    return await this.queue.run(`${toHex(context)}:${toHex(signer.publicKey)}`, async () => {
      options?.signal?.throwIfAborted()
      const calldata = await this.prepare(context, signer, action, options?.nonce)
      const tx = await this.send(action.type, 'execute', calldata, options)
      const revision = await this.confirmed(tx, action.type, options?.signal)
      this.feed.kick()
      return { id: tx, revision }
    })
  }

  /** The calldata of execute(req, signature, binding) for `action` by `signer`. */
  async prepare (context: Uint8Array, signer: Signer, action: ChainAction, nonce?: bigint): Promise<bigint[]> {
    const key = identityStarkKey(signer.secretKey)
    const [last, bound] = await Promise.all([this.read('nonce_of', [...u256Felts(context), ...u256Felts(signer.publicKey)]), this.read('key_of', [...u256Felts(context), ...u256Felts(signer.publicKey)])])
    const req = { context, identity: signer.publicKey, nonce: nonce ?? BigInt(last[0]!) + 1n, kind: KINDS[action.type] ?? 255, payload: packBytes(encode(encodeAction(action))) }
    const h = requestHash(await this.chain(), this.contract, req)
    const sig = ec.starkCurve.sign(hex(h), key.privateKey)
    const binding = BigInt(bound[0]!) === 0n ? await this.binding(signer, context, key.publicKey) : []
    return [...u256Felts(context), ...u256Felts(signer.publicKey), req.nonce, BigInt(req.kind), BigInt(req.payload.length), ...req.payload, 3n, sig.r, sig.s, key.publicKey, BigInt(binding.length), ...binding]
  }

  async nonce (context: Uint8Array, identity: Uint8Array, options?: AnchorOptions): Promise<bigint> {
    const at = await this.head(options)
    return BigInt((await this.read('nonce_of', [...u256Felts(context), ...u256Felts(identity)], at.seq))[0]!) + 1n
  }

  async view (context: Uint8Array, options?: AnchorOptions): Promise<GovernanceView> {
    return await this.viewAt(context, options) as unknown as GovernanceView
  }

  async viewAt (context: Uint8Array, options?: AnchorOptions): Promise<ChainGovernanceView> {
    const found = await this.lookup(context, options)
    if (!found.found) throw new NotFoundError(`context ${toHex(context)} is not on this Starknet contract (${found.missing})`)
    return found.value
  }

  async lookup (context: Uint8Array, options: LookupOptions = {}): Promise<Lookup<ChainGovernanceView>> {
    options.signal?.throwIfAborted()
    const head = await this.head(options)
    const seq = options.at ?? head.seq
    const id = await this.blockHash(seq)
    if (id === undefined || seq > head.seq) return { found: false, missing: 'no-position' }
    const out = await this.read('get_context', u256Felts(context), seq)
    const bytes = unpackBytes(out.map(BigInt), MAX_VIEW)
    if (bytes === undefined || bytes.length === 0) return { found: false, missing: 'no-context' }
    const rec = decode(bytes, { useMaps: false }) as { view: ChainGovernanceView, genesis: ChainGovernanceView['genesis'] }
    return { found: true, value: { ...rec.view, context, position: { seq, id }, genesis: rec.genesis } }
  }

  async idAt (seq: number): Promise<string | undefined> {
    return await this.blockHash(seq)
  }

  watch (context: Uint8Array, listener: (change: AnchorChange) => void, options?: ChainWatchOptions): () => void {
    return this.feed.watch(context, listener, options)
  }

  /** The chain id as its short string (SN_MAIN, SN_SEPOLIA, …): the CAIP-2 reference. */
  async network (): Promise<string> {
    return shortString.decodeShortString(hex(await this.chain()))
  }

  async sync (): Promise<void> {
    await this.feed.settle()
  }

  async close (): Promise<void> {
    this.feed.close()
  }

  private async chain (): Promise<bigint> {
    this.chainId ??= BigInt(await this.provider.getChainId())
    return this.chainId
  }

  private async binding (signer: Signer, context: Uint8Array, starkKey: bigint): Promise<bigint[]> {
    return bindingFelts(sign(signer.secretKey, bindingMessage(await this.chain(), this.contract, context, starkKey)))
  }

  private async read (entrypoint: string, calldata: bigint[], at?: number): Promise<string[]> {
    return await this.provider.callContract({ contractAddress: hex(this.contract), entrypoint, calldata: calldata.map(String) }, at ?? 'latest')
  }

  /** Sends one call from the paying account; a request the contract would refuse is refused before it costs a fee. */
  private async send (what: string, entrypoint: string, calldata: bigint[], options?: AnchorOptions): Promise<string> {
    options?.signal?.throwIfAborted()
    try {
      return await this.sender.send([{ contractAddress: hex(this.contract), entrypoint, calldata: calldata.map(String) }])
    } catch (err) {
      const reason = revertReason(err)
      if (reason !== undefined) throw new GovernanceRejectedError(refusedMessage(what, reason), { cause: err })
      throw err
    }
  }

  /** Waits until the transaction counts; a reverted one is a refusal. The context's revision after it. */
  private async confirmed (tx: string, what: string, signal?: AbortSignal): Promise<number> {
    return await waitConfirmed({
      source: this.source,
      finality: this.finality,
      included: async () => {
        let r
        try { r = await this.provider.getTransactionReceipt(tx) } catch (err) { if (rpcCode(err) === 29) return undefined; throw err }
        const v = r.value as { execution_status: string, revert_reason?: string, block_hash?: string, block_number?: number, events: Array<{ from_address: string, keys: string[], data: string[] }> }
        if (v.execution_status === 'REVERTED') throw new GovernanceRejectedError(refusedMessage(what, v.revert_reason ?? 'reverted'))
        if (v.block_hash === undefined || v.block_number === undefined) return undefined
        const applied = v.events.find((e) => BigInt(e.from_address) === this.contract && BigInt(e.keys[0]!) === APPLIED)
        return { position: { seq: v.block_number, id: v.block_hash }, value: applied === undefined ? 1 : Number(BigInt(applied.data[1]!)) }
      },
      intervalMs: Math.min(this.pollIntervalMs, 50),
      timeoutMs: this.txTimeoutMs,
      signal,
      seen: (p) => { this.lastSeen = Math.max(this.lastSeen ?? 0, p.seq) }
    })
  }

  private async head (options?: AnchorOptions): Promise<Position> {
    const at = await confirmedPosition(this.source, this.finality, options)
    if (at === undefined) throw new NotFoundError('the Starknet endpoint has no confirmed block yet')
    return at
  }

  private async blockNumber (tag: string): Promise<number> {
    const b = await this.provider.getBlockWithTxHashes(tag as 'latest') as { block_number: number }
    return b.block_number
  }

  private async blockHash (seq: number): Promise<string | undefined> {
    try {
      const b = await this.provider.getBlockWithTxHashes(seq) as { block_hash?: string, timestamp: number }
      if (b.block_hash === undefined) return undefined
      this.times.set(seq, b.timestamp * 1000)
      return b.block_hash
    } catch (err) {
      if (rpcCode(err) === 24) return undefined
      throw err
    }
  }

  /** Applied events of these contexts in blocks [from, to], page by page. */
  private async changes (contexts: string[], from: number, to: number): Promise<ChainChange[]> {
    const want = new Set(contexts)
    const out: ChainChange[] = []
    const perBlock = new Map<number, number>()
    let token: string | undefined
    do {
      const page = await this.provider.getEvents({ address: hex(this.contract), from_block: { block_number: from }, to_block: { block_number: to }, keys: [[hex(APPLIED)]], chunk_size: 100, ...(token !== undefined ? { continuation_token: token } : {}) })
      for (const e of page.events) {
        const k = e.keys.map(BigInt); const d = e.data.map(BigInt)
        const block = e.block_number!
        const index = perBlock.get(block) ?? 0
        perBlock.set(block, index + 1)
        const context = feltsU256(k[1]!, k[2]!)
        if (!want.has(toHex(context))) continue
        const payload = unpackBytes(d.slice(4, 4 + Number(d[3]!)), MAX_PAYLOAD)
        if (payload === undefined) continue
        if (!this.times.has(block)) await this.blockHash(block)
        out.push({
          context,
          id: e.transaction_hash,
          author: feltsU256(k[3]!, k[4]!),
          action: decodeAction(decode(payload, { useMaps: false })) as AnchorChange['action'],
          accepted: true,
          revision: Number(d[1]!),
          position: { seq: block, id: e.block_hash! },
          index,
          nonce: d[0]!,
          at: this.times.get(block) ?? 0
        })
      }
      token = page.continuation_token
    } while (token !== undefined)
    return out
  }
}
