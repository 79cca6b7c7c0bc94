// The Starknet anchor: the context config contract (contracts/starknet/) read and written
// through starknet.js 10. Requests are signed by the Stark key each identity bound with its
// ed25519 signature (keys.ts); a paying account sends them (V3 invokes) one at a time. The
// change feed reads the contract's Applied events; a change counts once its block is
// ACCEPTED_ON_L2 (confirmations) or, with `finality: 'l1'`, ACCEPTED_ON_L1. Calldata is
// lib.cairo's Serde (starknet.js CallData), payloads its per-kind felts (payload.ts); a view
// is read from the contract's views and, for what it keeps only in events (proposal
// outcomes, values), from its ProposalExecuted / ProposalFailed / ValueSet events.
import { randomBytes } from 'node:crypto'
import { Account, CallData, RpcProvider, cairo, ec, hash, shortString, type Call } from 'starknet'
import { ChangeFeed, KeyedQueue, SerialSender, confirmedPosition, finalityOf, waitConfirmed, type FeedSource, type Finality, type Position } from '../../src/chain/kit/index.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { sign } from '../../src/crypto/ed25519.ts'
import { NotFoundError } from '../../src/errors/index.ts'
import {
  GovernanceRejectedError, type AnchorChange, type AnchorOptions, type ChainAnchor, type ChainChange, type ChainGovernanceView,
  type ChainWatchOptions, type GovernanceView, type Lookup, type LookupOptions, type Receipt, type Signer, type SubmitOptions
} from '../../src/governance/anchor.ts'
import { contextIdFor } from '../../src/governance/context-id.ts'
import { refusedMessage } from '../../src/governance/refusals.ts'
import type { Capability, MemberRecord } from '../../src/governance/types.ts'
import type { InvitationState, ProposalOutcome } from '../../src/governance/acl.ts'
import { silentLogger, type Logger } from '../../src/log/index.ts'
import { bindingFelts, bindingMessage, bytesToBig, feltsU256, hex, requestHash, u256Felts } from './felts.ts'
import { identityStarkKey, type Payer } from './keys.ts'
import { TARGET_IDENTITY, actionsOf, bytesOf, decodeRequest, encodeRequest, type StarknetAction } from './payload.ts'
import { refusalCodeOfRevert, refusalText } from './reasons.ts'

const selector = (name: string): bigint => BigInt(hash.getSelectorFromName(name))
const APPLIED = selector('Applied')
const CREATED = selector('ContextCreated')
const EXECUTED = selector('ProposalExecuted')
const FAILED = selector('ProposalFailed')
const VALUE_SET = selector('ValueSet')
const ROLES: Record<string, MemberRecord['role']> = { 1: 'admin', 2: 'member', 3: 'reader' }
const CAPS: Array<[Capability, bigint]> = [['ManageMembers', 1n], ['ManageApplication', 2n], ['Proxy', 4n]]
const short = (b: Uint8Array): string => toHex(b).slice(0, 12)

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

/** What the anchor knows of a request, to fill a refusal's text (a short string has no arguments). */
interface Known { who?: string, nonce?: bigint | undefined }

/** A revert as a refusal: its code from lib.cairo's short string, else the node's text as it is. */
function refused (what: string, reason: string, known: Known, cause?: unknown): GovernanceRejectedError {
  const code = refusalCodeOfRevert(reason)
  const text = code === undefined ? reason : refusalText(code, { ...(known.who !== undefined ? { who: known.who } : {}), ...(known.nonce !== undefined ? { nonce: known.nonce } : {}) })
  return new GovernanceRejectedError(refusedMessage(what, text), { code: code ?? 'Other', ...(code !== undefined ? { details: reason } : {}), ...(cause !== undefined ? { cause } : {}) })
}

const u256 = (b: Uint8Array): ReturnType<typeof cairo.uint256> => cairo.uint256(bytesToBig(b))

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
    const calldata = CallData.compile({ creator: u256(init.creator.publicKey), application: u256(init.application), salt: u256(salt), stark_key: key.publicKey, binding }).map(BigInt)
    const known = { who: short(init.creator.publicKey) }
    const tx = await this.send('createContext', 'create_context', calldata, options, known)
    await this.confirmed(tx, 'createContext', options?.signal, known)
    return { context, receipt: { id: tx, revision: 1 } }
  }

  async submit (context: Uint8Array, signer: Signer, action: StarknetAction, options?: SubmitOptions): Promise<Receipt> {
    return await this.queue.run(`${toHex(context)}:${toHex(signer.publicKey)}`, async () => {
      options?.signal?.throwIfAborted()
      const calldata = await this.prepare(context, signer, action, options?.nonce)
      const tx = await this.send(action.type, 'execute', calldata, options, { who: short(signer.publicKey), nonce: calldata[4] })
      const revision = await this.confirmed(tx, action.type, options?.signal, { who: short(signer.publicKey), nonce: calldata[4] })
      this.feed.kick()
      return { id: tx, revision }
    })
  }

  /** The calldata of execute(req, signature, binding) for `action` by `signer` (lib.cairo's Serde). */
  async prepare (context: Uint8Array, signer: Signer, action: StarknetAction, nonce?: bigint): Promise<bigint[]> {
    const { kind, payload } = encodeRequest(action)
    const key = identityStarkKey(signer.secretKey)
    const pair = [...u256Felts(context), ...u256Felts(signer.publicKey)]
    const [last, bound] = await Promise.all([this.read('nonce_of', pair), this.read('key_of', pair)])
    const req = { context, identity: signer.publicKey, nonce: nonce ?? BigInt(last[0]!) + 1n, kind, payload }
    const h = requestHash(await this.chain(), this.contract, req)
    const sig = ec.starkCurve.sign(hex(h), key.privateKey)
    const binding = BigInt(bound[0]!) === 0n ? await this.binding(signer, context, key.publicKey) : []
    return CallData.compile({
      req: { context: u256(context), identity: u256(signer.publicKey), nonce: req.nonce, kind, payload },
      signature: [sig.r, sig.s, key.publicKey],
      binding
    }).map(BigInt)
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
    const value = await this.readView(context, { seq, id })
    return value === undefined ? { found: false, missing: 'no-context' } : { found: true, value }
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
  private async send (what: string, entrypoint: string, calldata: bigint[], options: AnchorOptions | undefined, known: Known): Promise<string> {
    options?.signal?.throwIfAborted()
    try {
      return await this.sender.send([{ contractAddress: hex(this.contract), entrypoint, calldata: calldata.map(String) }])
    } catch (err) {
      const reason = revertReason(err)
      if (reason !== undefined) throw refused(what, reason, known, err)
      throw err
    }
  }

  /** Waits until the transaction counts; a reverted one is a refusal. The context's revision after it. */
  private async confirmed (tx: string, what: string, signal: AbortSignal | undefined, known: Known): Promise<number> {
    return await waitConfirmed({
      source: this.source,
      finality: this.finality,
      included: async () => {
        let r
        try { r = await this.provider.getTransactionReceipt(tx) } catch (err) { if (rpcCode(err) === 29) return undefined; throw err }
        const v = r.value as { execution_status: string, revert_reason?: string, block_hash?: string, block_number?: number, events: Array<{ from_address: string, keys: string[], data: string[] }> }
        if (v.execution_status === 'REVERTED') throw refused(what, v.revert_reason ?? 'reverted', known)
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

  /** Events of the contract in blocks [from, to] with these keys (per position, [] = any), page by page. */
  private async events (from: number, to: number, keys: bigint[][]): Promise<Array<{ keys: bigint[], data: bigint[], block: number, blockHash: string, tx: string }>> {
    const out: Array<{ keys: bigint[], data: bigint[], block: number, blockHash: string, tx: string }> = []
    let token: string | undefined
    do {
      const page = await this.provider.getEvents({ address: hex(this.contract), from_block: { block_number: from }, to_block: { block_number: to }, keys: keys.map((k) => k.map(hex)), chunk_size: 100, ...(token !== undefined ? { continuation_token: token } : {}) })
      for (const e of page.events) out.push({ keys: e.keys.map(BigInt), data: e.data.map(BigInt), block: e.block_number!, blockHash: e.block_hash!, tx: e.transaction_hash })
      token = page.continuation_token
    } while (token !== undefined)
    return out
  }

  /** The view at a block: the contract's views, then what it keeps in events (outcomes, values, the creation). */
  private async readView (context: Uint8Array, at: Position): Promise<ChainGovernanceView | undefined> {
    const c = u256Felts(context)
    const [settings, members, invitations, proposals] = await Promise.all(['settings_of', 'members_of', 'invitations_of', 'proposals_of'].map(async (v) => (await this.read(v, c, at.seq)).map(BigInt)))
    const [appLow, appHigh, revision, threshold, activeLimit, createdBlock] = settings as [bigint, bigint, bigint, bigint, bigint, bigint]
    if (revision === 0n) return undefined
    const history: ProposalOutcome[] = []
    const values = new Map<string, { key: Uint8Array, value: Uint8Array }>()
    let genesis: ChainGovernanceView['genesis'] | undefined
    for (const e of await this.events(Number(createdBlock), at.seq, [[CREATED, EXECUTED, FAILED, VALUE_SET], [c[0]], [c[1]]])) {
      const [sel] = e.keys
      if (sel === CREATED) genesis = { seq: e.block, creator: feltsU256(e.keys[3]!, e.keys[4]!), application: feltsU256(e.data[0]!, e.data[1]!) }
      else if (sel === EXECUTED) history.push({ proposal: toHex(feltsU256(e.keys[3]!, e.keys[4]!)), outcome: 'executed', at: Number(e.data[0]!) })
      else if (sel === FAILED) {
        const reason = shortString.decodeShortString(hex(e.data[0]!))
        const code = refusalCodeOfRevert(`('${reason}')`)
        history.push({ proposal: toHex(feltsU256(e.keys[3]!, e.keys[4]!)), outcome: 'failed', reason: code === undefined ? reason : refusalText(code), at: Number(e.data[1]!) })
      } else if (sel === VALUE_SET) {
        const kn = Number(e.data[0]!)
        const key = bytesOf(e.data.slice(1, 1 + kn)); const value = bytesOf(e.data.slice(2 + kn, 2 + kn + Number(e.data[1 + kn]!)))
        if (key !== undefined && value !== undefined) values.set(toHex(key), { key, value })
      }
    }
    if (genesis === undefined) throw new NotFoundError(`the creation event of context ${toHex(context)} is not in block ${createdBlock}`)
    return {
      context,
      application: feltsU256(appLow, appHigh),
      members: readMembers(members),
      threshold: Number(threshold),
      activeLimit: Number(activeLimit),
      revision: Number(revision),
      proposals: readProposals(proposals),
      history,
      invitations: readInvitations(invitations),
      values: [...values.values()],
      position: at,
      genesis
    }
  }

  /** Applied events of these contexts in blocks [from, to]. */
  private async changes (contexts: string[], from: number, to: number): Promise<ChainChange[]> {
    const want = new Set(contexts)
    const out: ChainChange[] = []
    const perBlock = new Map<number, number>()
    for (const e of await this.events(from, to, [[APPLIED]])) {
      const index = perBlock.get(e.block) ?? 0
      perBlock.set(e.block, index + 1)
      const context = feltsU256(e.keys[1]!, e.keys[2]!)
      if (!want.has(toHex(context))) continue
      const [nonce, revision, kind, n] = e.data as [bigint, bigint, bigint, bigint]
      const action = decodeRequest(Number(kind), e.data.slice(4, 4 + Number(n)))
      if (action === undefined) continue
      if (!this.times.has(e.block)) await this.blockHash(e.block)
      out.push({
        context,
        id: e.tx,
        author: feltsU256(e.keys[3]!, e.keys[4]!),
        action: action as AnchorChange['action'],
        accepted: true,
        revision: Number(revision),
        position: { seq: e.block, id: e.blockHash },
        index,
        nonce,
        at: this.times.get(e.block) ?? 0
      })
    }
    return out
  }
}

/** members_of's Array<(u256, Member { role, caps, index })>. */
function readMembers (f: bigint[]): MemberRecord[] {
  const out: MemberRecord[] = []
  for (let i = 0, at = 1; i < Number(f[0]); i++, at += 5) {
    out.push({ identity: feltsU256(f[at]!, f[at + 1]!), role: ROLES[String(f[at + 2])] ?? 'reader', capabilities: CAPS.filter(([, bit]) => (f[at + 3]! & bit) !== 0n).map(([c]) => c) })
  }
  return out
}

/** invitations_of's Array<(u256, Invitation { kind, role, revoked, max_uses, uses, expires_at, target, created_by })>. */
function readInvitations (f: bigint[]): InvitationState[] {
  const out: InvitationState[] = []
  for (let i = 0, at = 1; i < Number(f[0]); i++, at += 12) {
    const target = feltsU256(f[at + 8]!, f[at + 9]!)
    out.push({
      id: feltsU256(f[at]!, f[at + 1]!),
      target: f[at + 2] === TARGET_IDENTITY ? { type: 'identity', identity: target } : { type: 'open', key: target },
      role: ROLES[String(f[at + 3])] === 'reader' ? 'reader' : 'member',
      revoked: f[at + 4] !== 0n,
      maxUses: Number(f[at + 5]),
      uses: Number(f[at + 6]),
      expiresAt: Number(f[at + 7]),
      createdBy: feltsU256(f[at + 10]!, f[at + 11]!)
    })
  }
  return out
}

/** proposals_of's Array<ProposalView { id, author, created_at, approvers: Array<u256>, actions: Array<felt252> }>. */
function readProposals (f: bigint[]): ChainGovernanceView['proposals'] {
  const out: ChainGovernanceView['proposals'] = []
  let at = 1
  for (let i = 0; i < Number(f[0]); i++) {
    const id = feltsU256(f[at]!, f[at + 1]!); const author = feltsU256(f[at + 2]!, f[at + 3]!); const createdAt = Number(f[at + 4])
    at += 5
    const approvals: Uint8Array[] = []
    for (let j = 0, n = Number(f[at++]); j < n; j++, at += 2) approvals.push(feltsU256(f[at]!, f[at + 1]!))
    const n = Number(f[at++])
    const actions = actionsOf(f.slice(at, at + n)) ?? []
    at += n
    out.push({ id, author, actions, approvals, createdAt })
  }
  return out
}
