// The NEAR anchor: governance lives in the context config contract (contracts/near/),
// read and written with near-api-js 7.
//
//  - Writes: each request is signed by the context identity (ed25519, checked on chain by
//    the contract); the relayer account wraps it in a `mutate` call and waits for the
//    transaction at `final`. A refusal comes back as the contract's panic, whose first
//    word is the shared refusal code.
//  - Reads are made at the `final` block, by block height, so a view names its position.
//  - The change feed is the chain kit's: feed.ts reads the contract's NEP-297 `applied`
//    events from the receipt outcomes of the transactions sent to it, block by block.
import { randomBytes } from 'node:crypto'
import { Account, JsonRpcProvider, KeyPairSigner, type KeyPairString } from 'near-api-js'
import { ChangeFeed, PositionCache, KeyedQueue, readStable, type Finality, type Position } from '../../src/chain/kit/index.ts'
import { parseHex, toHex } from '../../src/crypto/bytes.ts'
import { NotFoundError } from '../../src/errors/index.ts'
import {
  GovernanceRejectedError, type AnchorChange, type AnchorOptions, type ChainAction, type ChainAnchor, type ChainGovernanceView,
  type ChainWatchOptions, type GovernanceView, type Lookup, type LookupOptions, type Receipt, type Signer, type SubmitOptions
} from '../../src/governance/anchor.ts'
import { REFUSAL_CODES, type RefusalCode } from '../../src/governance/refusals.ts'
import type { Capability, Role } from '../../src/governance/types.ts'
import { silentLogger, type Logger } from '../../src/log/index.ts'
import { DEFAULT_BLOCK_RANGE, DEFAULT_POLL_INTERVAL_MS, MUTATE_GAS, NEAR } from './constants.ts'
import { decodeAction, encodeAction } from './encoding.ts'
import { NearRpcError } from './errors.ts'
import { NearSource, type NearRpc } from './feed.ts'
import { contextIdFor, signRequest } from './request.ts'

export interface NearInit {
  rpc: string
  /** The context config contract's account. */
  contract: string
  /** The paying account and its key. */
  relayer: { account: string, key: string }
  pollIntervalMs?: number
  logger?: Logger
}

const PAGE = 100
/** Below this prepaid storage balance a request attaches a fresh deposit (the rest stays prepaid). */
const STORAGE_LOW = NEAR / 100n
const STORAGE_TOP_UP = NEAR / 10n

type Raw = Record<string, unknown>
const hex = (s: unknown): Uint8Array => parseHex(String(s)) ?? new Uint8Array(0)

/** The contract's panic text as a refusal: "<Code>: why". */
export function refusalOf (message: string): GovernanceRejectedError | undefined {
  const m = /Smart contract panicked: ([A-Za-z]+): (.*)$/s.exec(message) ?? /^([A-Za-z]+): (.*)$/s.exec(message)
  if (m === null) return undefined
  const code = (REFUSAL_CODES as string[]).includes(m[1]!) ? m[1] as RefusalCode : 'Other'
  return new GovernanceRejectedError(`${m[1]}: ${m[2]}`, { code })
}

export class NearAnchor implements ChainAnchor {
  readonly kind = 'near'
  readonly finality: Finality = { tag: 'final' }
  /** The devnet (and archival endpoints) answer views at past blocks. */
  readonly pastState = true
  readonly contract: string
  private readonly rpc: NearRpc
  private readonly provider: JsonRpcProvider
  private readonly relayer: Account
  private readonly source: NearSource
  private readonly feed: ChangeFeed
  private readonly log: Logger
  private readonly views = new PositionCache<ChainGovernanceView>()
  private readonly usedNonces = new Map<string, bigint>()
  private readonly queue = new KeyedQueue()
  private chainIdMemo: Promise<string> | undefined
  private readonly endpoint: string

  constructor (init: NearInit) {
    this.contract = init.contract
    this.endpoint = init.rpc
    this.log = (init.logger ?? silentLogger).child('near')
    this.provider = new JsonRpcProvider({ url: init.rpc }, { retries: 3, backoff: 1.5, wait: 100 })
    this.rpc = {
      call: async <T>(method: string, params: unknown): Promise<T> => {
        try {
          return await (this.provider as unknown as { sendJsonRpc: (m: string, p: unknown) => Promise<T> }).sendJsonRpc(method, params)
        } catch (e) {
          throw new NearRpcError(`NEAR endpoint ${this.endpoint} failed on ${method}: ${(e as Error).message}`, { cause: e })
        }
      }
    }
    this.relayer = new Account(init.relayer.account, this.provider, KeyPairSigner.fromSecretKey(init.relayer.key as KeyPairString))
    this.source = new NearSource(this.rpc, this.contract)
    this.feed = new ChangeFeed({
      source: this.source,
      finality: this.finality,
      pollIntervalMs: init.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      reorgDepth: 16,
      range: DEFAULT_BLOCK_RANGE,
      logger: this.log
    })
  }

  // ---- Anchor ----

  async createContext (init: { application: Uint8Array, creator: Signer, salt?: Uint8Array }, options?: AnchorOptions): Promise<{ context: Uint8Array, receipt: Receipt }> {
    const salt = init.salt ?? new Uint8Array(randomBytes(32))
    const context = contextIdFor(init.creator.publicKey, init.application, salt)
    // Creation spends no nonce; the contract refuses a second creation of the same id.
    const receipt = await this.send(context, init.creator, 0n, { type: 'create', application: toHex(init.application), salt: toHex(salt) }, options)
    return { context, receipt }
  }

  async submit (context: Uint8Array, signer: Signer, action: ChainAction, options?: SubmitOptions): Promise<Receipt> {
    const who = this.keyOf(context, signer.publicKey)
    return await this.queue.run(who, async () => {
      const onChain = await this.nonce(context, signer.publicKey, options)
      const used = this.usedNonces.get(who)
      const nonce = options?.nonce ?? (used !== undefined && used + 1n > onChain ? used + 1n : onChain)
      const receipt = await this.send(context, signer, nonce, encodeAction(action) as Raw, options)
      this.usedNonces.set(who, nonce)
      this.feed.kick()
      return receipt
    })
  }

  /** The request `action` of `signer` with `nonce`, as `mutate`'s arguments (any account may send them). */
  async prepare (context: Uint8Array, signer: Signer, nonce: bigint, action: Raw): Promise<{ request: string, signature: string }> {
    return signRequest({ chainId: await this.chainId(), contract: this.contract, context, identity: signer, nonce, action })
  }

  /** Sends `mutate(args)` from the relayer and waits for it at `final`; the contract's verdict. */
  async mutate (args: { request: string, signature: string }, options?: AnchorOptions): Promise<{ tx: string, revision: number }> {
    options?.signal?.throwIfAborted()
    const deposit = await this.storageDeposit()
    let out
    try {
      out = await this.relayer.callFunctionRaw({ contractId: this.contract, methodName: 'mutate', args, gas: MUTATE_GAS, deposit, waitUntil: 'FINAL' })
    } catch (e) {
      const refusal = refusalOf(String((e as Error).message))
      if (refusal !== undefined) throw refusal
      throw new NearRpcError(`mutate on ${this.contract} through ${this.endpoint} failed: ${(e as Error).message}`, { cause: e })
    }
    const status = out.status as { SuccessValue?: string }
    const result = JSON.parse(Buffer.from(status.SuccessValue ?? '', 'base64').toString('utf8') || '{}') as { revision?: string }
    return { tx: out.transaction_outcome.id, revision: Number(result.revision ?? 0) }
  }

  private async send (context: Uint8Array, signer: Signer, nonce: bigint, action: Raw, options?: AnchorOptions): Promise<Receipt> {
    const args = await this.prepare(context, signer, nonce, action)
    try {
      const r = await this.mutate(args, options)
      return { id: r.tx, revision: r.revision }
    } catch (e) {
      if (e instanceof GovernanceRejectedError) this.usedNonces.delete(this.keyOf(context, signer.publicKey))
      throw e
    }
  }

  /** What to attach for storage: nothing while the relayer's prepaid storage balance lasts. */
  private async storageDeposit (): Promise<bigint> {
    const b = await this.callView<{ available: string }>('storage_balance_of', { account_id: this.relayer.accountId }, { finality: 'optimistic' })
    return BigInt(b.available) < STORAGE_LOW ? STORAGE_TOP_UP : 0n
  }

  async nonce (context: Uint8Array, identity: Uint8Array, options?: AnchorOptions): Promise<bigint> {
    options?.signal?.throwIfAborted()
    const last = await this.callView<string>('nonce', { context: toHex(context), identity: toHex(identity) }, { finality: 'final' })
    return BigInt(last) + 1n
  }

  async view (context: Uint8Array, options?: AnchorOptions): Promise<GovernanceView> {
    return await this.viewAt(context, options) as unknown as GovernanceView
  }

  watch (context: Uint8Array, listener: (change: AnchorChange) => void, options?: ChainWatchOptions): () => void {
    return this.feed.watch(context, listener, options)
  }

  async viewAt (context: Uint8Array, options?: AnchorOptions): Promise<ChainGovernanceView> {
    const found = await this.lookup(context, options)
    if (!found.found) throw new NotFoundError(`context ${toHex(context)} does not exist on ${this.contract} (NEAR, ${this.endpoint})`)
    return found.value
  }

  async lookup (context: Uint8Array, options: LookupOptions = {}): Promise<Lookup<ChainGovernanceView>> {
    const id = toHex(context)
    let at: Position | undefined
    if (options.at !== undefined) {
      const hash = await this.source.idAt(options.at)
      if (hash === undefined) return { found: false, missing: 'no-position' }
      at = { seq: options.at, id: hash }
    }
    const { value } = await readStable(this.source, this.finality, async (pos) => {
      const cached = this.views.get(id, pos)
      if (cached !== undefined) return cached
      const v = await this.readView(context, pos)
      if (v !== undefined) this.views.set(id, pos, v)
      return v
    }, () => new NearRpcError(`NEAR endpoint ${this.endpoint} kept changing its final block while context ${id} was read`), { ...(at !== undefined ? { at, attempts: 1 } : {}), signal: options.signal })
    return value === undefined ? { found: false, missing: 'no-context' } : { found: true, value }
  }

  async idAt (seq: number): Promise<string | undefined> {
    return await this.source.idAt(seq)
  }

  async chainId (): Promise<string> {
    this.chainIdMemo ??= (async () => (await this.callView<{ chain_id: string }>('config', {}, { finality: 'final' })).chain_id)()
    return await this.chainIdMemo
  }

  async network (): Promise<string> {
    return (await this.rpc.call<{ chain_id: string }>('status', [])).chain_id
  }

  /** Polls now and resolves once the feed has caught up. */
  async sync (): Promise<void> {
    await this.feed.settle()
  }

  async close (): Promise<void> {
    this.feed.close()
  }

  // ---- Internals ----

  private keyOf (context: Uint8Array, identity: Uint8Array): string {
    return `${toHex(context)}:${toHex(identity)}`
  }

  private async callView<T> (method: string, args: object, block: { finality: string } | { block_id: number }): Promise<T> {
    const res = await this.rpc.call<{ result: number[] }>('query', {
      request_type: 'call_function', account_id: this.contract, method_name: method, args_base64: Buffer.from(JSON.stringify(args)).toString('base64'), ...block
    })
    return JSON.parse(Buffer.from(res.result).toString('utf8')) as T
  }

  private async pages<T> (method: string, context: string, count: number, height: number): Promise<T[]> {
    const out: T[] = []
    for (let offset = 0; offset < count; offset += PAGE) out.push(...await this.callView<T[]>(method, { context, offset, limit: PAGE }, { block_id: height }))
    return out
  }

  private async readView (context: Uint8Array, at: Position): Promise<ChainGovernanceView | undefined> {
    const id = toHex(context)
    const c = await this.callView<Raw | null>('context', { context: id }, { block_id: at.seq })
    if (c === null) return undefined
    const [members, invitations, proposals, history, values] = await Promise.all([
      this.pages<Raw>('members', id, Number(c.members), at.seq),
      this.pages<Raw>('invitations', id, Number(c.invitations), at.seq),
      this.pages<Raw>('proposals', id, Number(c.proposals), at.seq),
      this.pages<Raw>('history', id, Number(c.decided), at.seq),
      this.pages<Raw>('values', id, Number(c.values), at.seq)
    ])
    return {
      context,
      application: hex(c.application),
      members: members.map((m) => ({ identity: hex(m.identity), role: m.role as Role, capabilities: m.capabilities as Capability[] })),
      threshold: Number(c.threshold),
      activeLimit: Number(c.activeLimit),
      revision: Number(c.revision),
      proposals: proposals.map((p) => ({
        id: hex(p.id),
        author: hex(p.author),
        createdAt: Number(p.createdAt),
        approvals: (p.approvals as string[]).map(hex),
        actions: (p.actions as unknown[]).map((a) => decodeAction(a)) as ChainGovernanceView['proposals'][number]['actions']
      })),
      history: history.map((h) => ({ proposal: String(h.proposal), outcome: h.outcome as 'executed' | 'failed', ...(h.reason !== undefined ? { reason: String(h.reason) } : {}), at: Number(h.at) })),
      invitations: invitations.map((i) => {
        const t = i.target as Raw
        return {
          id: hex(i.id),
          target: t.type === 'identity' ? { type: 'identity' as const, identity: hex(t.identity) } : { type: 'open' as const, key: hex(t.key) },
          role: i.role as 'member' | 'reader',
          expiresAt: Number(i.expiresAt),
          maxUses: Number(i.maxUses),
          uses: Number(i.uses),
          revoked: i.revoked === true,
          createdBy: hex(i.createdBy)
        }
      }),
      values: values.map((v) => ({ key: hex(v.key), value: hex(v.value) })),
      position: at,
      genesis: { seq: Number(c.createdHeight), creator: hex(c.creator), application: hex(c.application) }
    }
  }
}
