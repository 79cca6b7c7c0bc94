// The devnet's chain: accounts with balances and access keys, signed transactions checked
// as nearcore checks them (signature over sha256(borsh(tx)), the key's nonce, its
// permission, the block hash), receipts executed in the blocks after the transaction
// (promises and their callbacks in later blocks still), gas bought at the gas price and
// refunded when unused, storage staking, and blocks whose `final` lags `optimistic`.
// Headers are hashed as nearcore hashes them (borsh of the light-client parts, the block
// Merkle root, the outcome root over the block's outcomes), with block producers whose
// approvals a light client checks (producers.ts). One shard, no consensus: the producers
// sign every block; this is a host for the real contract WASM, not nearcore.
import { PublicKey, baseEncode, decodeSignedTransaction } from 'near-api-js'
import { sha256 } from '../../../src/crypto/hash.ts'
import { verify as ed25519Verify } from '../../../src/crypto/ed25519.ts'
import { toHex } from '../../../src/crypto/bytes.ts'
import {
  ACCOUNT_BYTES, ACTION, GAS_PRICE, MAX_PREPAID_GAS, NONCE_RANGE, RECORD_BYTES, STORAGE_PRICE_PER_BYTE, TX_VALIDITY_BLOCKS
} from './fees.ts'
import { Overlay, VersionedStore, type AccessKey, type Account, type Permission, type StateReader } from './store.ts'
import { runFunctionCall, type CallOutcome, type FunctionCallErrorView, type PromiseResult, type ReceiptAction } from './vm.ts'
import { BlockProducers } from './producers.ts'
import { DEVNET_EPOCH_LENGTH, DEVNET_PRODUCERS } from '../constants.ts'
import {
  MerkleAccumulator, ZERO_HASH, approvalMessage, blockProducersHash, combine, hashBytes, hashText, innerHash, innerLiteHash, merklePath, merkleRoot, outcomeLeaf
} from '../lightclient/hashes.ts'
import type { BlockHeaderInnerLiteView, ExecutionOutcomeView, LightClientBlockLiteView, LightClientBlockView, MerklePathItem } from '../lightclient/views.ts'

export const EMPTY_CODE_HASH = '11111111111111111111111111111111'
const ACCOUNT_RE = /^(([a-z\d]+[-_])*[a-z\d]+\.)*([a-z\d]+[-_])*[a-z\d]+$/
export const isAccountId = (id: string): boolean => id.length >= 2 && id.length <= 64 && ACCOUNT_RE.test(id)

/** A transaction nearcore would refuse before it is included: the InvalidTxError view. */
export class InvalidTxError extends Error {
  override name = 'InvalidTxError'
  readonly view: unknown
  constructor (view: unknown) { super(JSON.stringify(view)); this.view = view }
}

export interface Block {
  height: number
  hash: string
  prevHash: string
  timestampNs: bigint
  /** Transactions included in this block, and the receipts executed in it. */
  txs: string[]
  receipts: string[]
  gasBurnt: bigint
  /** nearcore's light-client header parts. */
  lite: BlockHeaderInnerLiteView
  innerRestHash: string
  /** Outcomes executed in this block (its transactions', then its receipts'), and their leaves in the outcome tree. */
  outcomeIds: string[]
  outcomeLeaves: Uint8Array[]
}

/** An action as it travels in a receipt (a transaction's actions converted, or a contract's). */
export type Action = ReceiptAction
  | { type: 'AddKey', publicKey: string, accessKey: AccessKey }
  | { type: 'DeleteKey', publicKey: string }
  | { type: 'DeleteAccount', beneficiary: string }
  | { type: 'Stake', stake: bigint, publicKey: string }

export interface Receipt {
  id: string
  predecessor: string
  receiver: string
  signer: string
  signerKey: string
  actions: Action[]
  /** Receipts whose results this one waits for (a callback's), in order. */
  after: string[]
  tx: string
  /** Earliest height it may run at. */
  readyAt: number
  prepaidGas: bigint
}

export interface ReceiptOutcome {
  id: string
  blockHash: string
  height: number
  executor: string
  logs: string[]
  receiptIds: string[]
  gasBurnt: bigint
  status: { SuccessValue: string } | { SuccessReceiptId: string } | { Failure: unknown }
  result: PromiseResult
}

export interface TxRecord {
  hash: string
  signer: string
  publicKey: string
  nonce: bigint
  receiver: string
  signature: string
  actionsView: unknown[]
  height: number
  blockHash: string
  receiptId: string
  gasBurnt: bigint
  /** Receipts of this transaction still to run. */
  pending: Set<string>
  /** Every receipt of its tree, in the order they ran. */
  outcomes: string[]
  /** Height of the block its last receipt ran in (undefined while some still wait). */
  doneAt: number | undefined
}

interface PendingTx {
  hash: string
  record: Omit<TxRecord, 'height' | 'blockHash' | 'receiptId' | 'gasBurnt' | 'pending' | 'outcomes' | 'doneAt'>
  receipt: Omit<Receipt, 'id' | 'readyAt'>
  /** Gas bought (burnt at conversion, exec fees and prepaid), deposits, and the gas burnt at conversion. */
  cost: { gasCost: bigint, deposit: bigint, burnt: bigint }
}

export interface ChainInit {
  chainId: string
  genesisAccount: string
  genesisKey: string
  genesisBalance: bigint
  /** Blocks `final` lags the head by. */
  finalityLag: number
  /** Gas one call may burn in wall-clock terms is bounded by the meter; this bounds a block's receipts. */
  maxReceiptsPerBlock?: number
  /** Block producers (4), blocks per epoch (20), producers that never approve (none). */
  producers?: number
  epochLength?: number
  offlineProducers?: readonly number[]
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
const GENESIS_HEIGHT = 1

export class Chain {
  readonly init: ChainInit
  readonly blocks: Block[] = []
  readonly store = new VersionedStore()
  readonly txs = new Map<string, TxRecord>()
  readonly outcomes = new Map<string, ReceiptOutcome>()
  private readonly byHash = new Map<string, Block>()
  private pendingTxs: PendingTx[] = []
  private receipts: Receipt[] = []
  private timeOffsetNs = 0n
  private readonly listeners = new Set<() => void>()
  readonly producers: BlockProducers
  /** Every block hash so far: the block Merkle tree's leaves. */
  private readonly blockTree = new MerkleAccumulator()
  private readonly blockHashes: Uint8Array[] = []
  private readonly outcomeBlock = new Map<string, number>()
  private readonly approvals = new Map<number, Array<string | null>>()

  constructor (init: ChainInit) {
    this.init = init
    this.producers = new BlockProducers({ chainId: init.chainId, count: init.producers ?? DEVNET_PRODUCERS, epochLength: init.epochLength ?? DEVNET_EPOCH_LENGTH, offline: init.offlineProducers ?? [] })
    const genesis = new Overlay(this.store.at(0))
    const key = init.genesisKey
    genesis.set(`a:${init.genesisAccount}`, { amount: init.genesisBalance, locked: 0n, codeHash: EMPTY_CODE_HASH, storageUsage: ACCOUNT_BYTES + accessKeyBytes(key, 'FullAccess') } satisfies Account)
    genesis.set(`k:${init.genesisAccount}:${key}`, { nonce: 0n, permission: 'FullAccess' } satisfies AccessKey)
    this.store.commit(GENESIS_HEIGHT, genesis.changes)
    this.append({ txs: [], receipts: [], gasBurnt: 0n, outcomeIds: [], outcomeLeaves: [] })
  }

  get head (): Block { return this.blocks.at(-1)! }
  get final (): Block { return this.blocks[Math.max(0, this.blocks.length - 1 - this.init.finalityLag)]! }
  get busy (): boolean { return this.pendingTxs.length > 0 || this.receipts.length > 0 }

  blockAt (height: number): Block | undefined { return this.blocks[height - GENESIS_HEIGHT] }
  blockByHash (hash: string): Block | undefined { return this.byHash.get(hash) }
  state (height: number = this.head.height): StateReader { return this.store.at(height) }

  /** Called after every block. */
  onBlock (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Moves block time forward (sandbox_fast_forward moves it with the blocks it makes). */
  advanceTime (ms: number): void {
    this.timeOffsetNs += BigInt(Math.round(ms)) * 1_000_000n
  }

  /** The next block's time: the wall clock (plus any fast-forward), always after the head's. */
  private nextTime (): bigint {
    const prev = this.blocks.at(-1)
    const wall = BigInt(Date.now()) * 1_000_000n + this.timeOffsetNs
    return prev === undefined || wall > prev.timestampNs ? wall : prev.timestampNs + 1_000_000n
  }

  get epochLength (): number { return this.producers.init.epochLength }
  epochOf (height: number): number { return Math.floor((height - GENESIS_HEIGHT) / this.epochLength) }

  /**
   * An epoch's id as nearcore makes it: the hash of the last block of the epoch before the
   * previous one (the first epoch: zeros; the second: the genesis hash).
   */
  private epochId (epoch: number): string {
    if (epoch === 0) return hashText(ZERO_HASH)
    if (epoch === 1) return this.blocks[0]!.hash
    return this.blockAt(GENESIS_HEIGHT + (epoch - 1) * this.epochLength - 1)!.hash
  }

  /** Makes the block: its light-client header parts, then its hash as nearcore computes it. */
  private append (content: Pick<Block, 'txs' | 'receipts' | 'gasBurnt' | 'outcomeIds' | 'outcomeLeaves'>, timestampNs = this.nextTime()): Block {
    const prev = this.blocks.at(-1)
    const height = prev === undefined ? GENESIS_HEIGHT : prev.height + 1
    const prevHash = prev?.hash ?? EMPTY_CODE_HASH
    const epoch = this.epochOf(height)
    const lite: BlockHeaderInnerLiteView = {
      height,
      epoch_id: this.epochId(epoch),
      // The genesis header cannot name its own hash.
      next_epoch_id: prev === undefined ? hashText(ZERO_HASH) : this.epochId(epoch + 1),
      // The devnet keeps no state trie: no state root.
      prev_state_root: hashText(ZERO_HASH),
      // One shard: the block's outcome tree is one leaf, sha256 of the shard's outcome root.
      outcome_root: hashText(sha256(merkleRoot(content.outcomeLeaves))),
      timestamp: Number(timestampNs),
      timestamp_nanosec: String(timestampNs),
      next_bp_hash: hashText(blockProducersHash(this.producers.of(epoch + 1))),
      block_merkle_root: hashText(this.blockTree.root())
    }
    // The rest of the header is the devnet's own (nearcore's has chunk roots, approvals, …).
    const innerRestHash = baseEncode(sha256(new TextEncoder().encode(JSON.stringify([this.init.chainId, content.txs, content.receipts, String(content.gasBurnt)]))))
    const digest = combine(combine(innerLiteHash(lite), hashBytes(innerRestHash)), hashBytes(prevHash))
    const hash = hashText(digest)
    const block: Block = { height, hash, prevHash, timestampNs, ...content, lite, innerRestHash }
    this.blocks.push(block)
    this.byHash.set(hash, block)
    this.blockTree.push(digest)
    this.blockHashes.push(digest)
    for (const id of content.outcomeIds) this.outcomeBlock.set(id, height)
    return block
  }

  liteView (b: Block): LightClientBlockLiteView {
    return { prev_block_hash: b.prevHash, inner_rest_hash: b.innerRestHash, inner_lite: b.lite }
  }

  /** The approvals of `b` by its epoch's producers: over the block after it, for the height after that; undefined until that block exists. */
  approvalsAfterNext (b: Block): Array<string | null> | undefined {
    const next = this.blockAt(b.height + 1)
    if (next === undefined || this.blockAt(b.height + 2) === undefined) return undefined
    let a = this.approvals.get(b.height)
    if (a === undefined) {
      a = this.producers.approve(approvalMessage(hashBytes(next.hash), b.height + 2))
      this.approvals.set(b.height, a)
    }
    return a
  }

  /** `b` as next_light_client_block shows it (it needs the two blocks after it). */
  lightClientBlock (b: Block): LightClientBlockView | undefined {
    const approvals = this.approvalsAfterNext(b)
    const next = this.blockAt(b.height + 1)
    if (approvals === undefined || next === undefined) return undefined
    return {
      ...this.liteView(b),
      next_block_inner_hash: hashText(innerHash(next.lite, hashBytes(next.innerRestHash))),
      next_bps: this.producers.of(this.epochOf(b.height) + 1),
      approvals_after_next: approvals
    }
  }

  /** The path of `b`'s hash to `head`'s block_merkle_root (which covers the blocks before head). */
  blockProof (b: Block, head: Block): MerklePathItem[] {
    return merklePath(this.blockHashes.slice(0, head.height - GENESIS_HEIGHT), b.height - GENESIS_HEIGHT)
  }

  /** Where an outcome (a transaction's or a receipt's) is, and its path in the block's shard outcome root. */
  outcomeProof (id: string): { block: Block, proof: MerklePathItem[] } | undefined {
    const height = this.outcomeBlock.get(id)
    if (height === undefined) return undefined
    const block = this.blockAt(height)!
    return { block, proof: merklePath(block.outcomeLeaves, block.outcomeIds.indexOf(id)) }
  }

  /** Checks a signed transaction against the head and queues it for the next block; returns its hash. */
  submit (bytes: Uint8Array): string {
    let signed
    try {
      signed = decodeSignedTransaction(bytes)
    } catch (e) {
      throw new InvalidTxError({ InvalidTxError: 'TransactionSizeExceeded' === (e as Error).message ? 'TransactionSizeExceeded' : { ParseError: (e as Error).message } })
    }
    const tx = signed.transaction
    const sigBytes = signed.signature.ed25519Signature?.data
    const txBytes = bytes.subarray(0, bytes.length - 65)
    const hashBytes = sha256(txBytes)
    const hash = baseEncode(hashBytes)
    if (this.txs.has(hash) || this.pendingTxs.some((p) => p.hash === hash)) return hash
    const publicKey = tx.publicKey.toString()
    const signer = tx.signerId
    const state = this.state()
    const invalid = (v: unknown): never => { throw new InvalidTxError({ InvalidTxError: v }) }
    if (!isAccountId(signer)) invalid({ InvalidSignerId: { signer_id: signer } })
    if (!isAccountId(tx.receiverId)) invalid({ InvalidReceiverId: { receiver_id: tx.receiverId } })
    if (sigBytes === undefined || tx.publicKey.ed25519Key === undefined) invalid('InvalidSignature')
    if (!ed25519Verify(new Uint8Array(tx.publicKey.ed25519Key!.data), hashBytes, new Uint8Array(sigBytes!))) invalid('InvalidSignature')
    const block = this.byHash.get(baseEncode(new Uint8Array(tx.blockHash)))
    if (block === undefined || this.head.height - block.height > TX_VALIDITY_BLOCKS) invalid('Expired')
    const account = state.get<Account>(`a:${signer}`)
    if (account === undefined) invalid({ SignerDoesNotExist: { signer_id: signer } })
    const key = state.get<AccessKey>(`k:${signer}:${publicKey}`)
    if (key === undefined) invalid({ InvalidAccessKeyError: { AccessKeyNotFound: { account_id: signer, public_key: publicKey } } })
    const nonce = BigInt(tx.nonce)
    // Transactions queued for the next block count too, as in nearcore's pool.
    const queued = this.pendingTxs.filter((p) => p.record.signer === signer && p.record.publicKey === publicKey).reduce((m, p) => p.record.nonce > m ? p.record.nonce : m, key!.nonce)
    if (nonce <= queued) invalid({ InvalidNonce: { tx_nonce: Number(nonce), ak_nonce: Number(queued) } })
    const upper = BigInt(this.head.height) * NONCE_RANGE
    if (nonce > upper) invalid({ NonceTooLarge: { tx_nonce: Number(nonce), upper_bound: Number(upper) } })

    const actions = tx.actions.map((a) => convertAction(a as unknown as Record<string, Record<string, unknown>>, this.head.height))
    let burnt = ACTION.receipt
    let exec = ACTION.receipt
    let prepaid = 0n
    let deposit = 0n
    for (const a of actions) {
      const [send, run] = actionFees(a)
      burnt += send
      exec += run
      if (a.type === 'FunctionCall') {
        if (a.gas === 0n) invalid({ ActionsValidation: { FunctionCallZeroAttachedGas: null } })
        prepaid += a.gas
        deposit += a.deposit
      } else if (a.type === 'Transfer') deposit += a.deposit
    }
    if (prepaid > MAX_PREPAID_GAS) invalid({ ActionsValidation: { TotalPrepaidGasExceeded: { total_prepaid_gas: Number(prepaid), limit: Number(MAX_PREPAID_GAS) } } })
    const gasCost = (burnt + exec + prepaid) * GAS_PRICE
    const cost = gasCost + deposit
    const perm = key!.permission
    if (perm !== 'FullAccess') {
      const fc = perm.FunctionCall
      const only = actions[0]
      if (actions.length !== 1 || only?.type !== 'FunctionCall') invalid({ InvalidAccessKeyError: 'RequiresFullAccess' })
      const call = only as Extract<Action, { type: 'FunctionCall' }>
      if (call.deposit > 0n) invalid({ InvalidAccessKeyError: 'DepositWithFunctionCall' })
      if (tx.receiverId !== fc.receiver_id) invalid({ InvalidAccessKeyError: { ReceiverMismatch: { tx_receiver: tx.receiverId, ak_receiver: fc.receiver_id } } })
      if (fc.method_names.length > 0 && !fc.method_names.includes(call.method)) invalid({ InvalidAccessKeyError: { MethodNameMismatch: { method_name: call.method } } })
      if (fc.allowance !== null && fc.allowance < gasCost) {
        invalid({ InvalidAccessKeyError: { NotEnoughAllowance: { account_id: signer, public_key: publicKey, allowance: String(fc.allowance), cost: String(gasCost) } } })
      }
    }
    const available = account!.amount
    if (available < cost) invalid({ NotEnoughBalance: { signer_id: signer, balance: String(available), cost: String(cost) } })
    // Stays above what its storage stakes.
    const staked = account!.storageUsage * STORAGE_PRICE_PER_BYTE
    if (available - cost < staked && actions.every((a) => a.type !== 'DeleteAccount')) invalid({ LackBalanceForState: { signer_id: signer, amount: String(staked - (available - cost)) } })

    this.pendingTxs.push({
      hash,
      record: { hash, signer, publicKey, nonce, receiver: tx.receiverId, signature: `ed25519:${baseEncode(new Uint8Array(sigBytes!))}`, actionsView: actions.map(actionView) },
      receipt: { predecessor: signer, receiver: tx.receiverId, signer, signerKey: publicKey, actions, after: [], tx: hash, prepaidGas: prepaid },
      cost: { gasCost, deposit, burnt }
    })
    return hash
  }

  /** Makes the next block: the queued transactions are included, the receipts due run. */
  produce (): Block {
    const height = this.head.height + 1
    const timestampNs = this.nextTime()
    const working = new Overlay(this.state())
    const txHashes: string[] = []
    const ran: string[] = []
    let gasBurnt = 0n
    const blockOutcomes: ReceiptOutcome[] = []
    // The block's hash is known once its content is; outcomes get it after.
    for (const p of this.pendingTxs) {
      const cost = p.cost
      // Buy the gas and pay the deposits; the key's nonce (and a function-call key's allowance) moves on.
      const account = working.get<Account>(`a:${p.record.signer}`)
      const key = working.get<AccessKey>(`k:${p.record.signer}:${p.record.publicKey}`)
      if (account === undefined || key === undefined || key.nonce >= p.record.nonce || account.amount < cost.gasCost + cost.deposit) continue
      working.set(`a:${p.record.signer}`, { ...account, amount: account.amount - cost.gasCost - cost.deposit })
      let permission: Permission = key.permission
      if (permission !== 'FullAccess' && permission.FunctionCall.allowance !== null) {
        permission = { FunctionCall: { ...permission.FunctionCall, allowance: permission.FunctionCall.allowance - cost.gasCost } }
      }
      working.set(`k:${p.record.signer}:${p.record.publicKey}`, { nonce: p.record.nonce, permission })
      const receiptId = baseEncode(sha256(new TextEncoder().encode(`receipt:${p.hash}:0`)))
      const local = p.record.signer === p.record.receiver
      const receipt: Receipt = { ...p.receipt, id: receiptId, readyAt: local ? height : height + 1 }
      this.receipts.push(receipt)
      txHashes.push(p.hash)
      this.txs.set(p.hash, { ...p.record, height, blockHash: '', receiptId, gasBurnt: cost.burnt, pending: new Set([receiptId]), outcomes: [], doneAt: undefined })
      gasBurnt += cost.burnt
    }
    this.pendingTxs = []
    const due = this.receipts.filter((r) => r.readyAt <= height && r.after.every((id) => this.outcomes.has(id) || blockOutcomes.some((o) => o.id === id)))
    const limit = this.init.maxReceiptsPerBlock ?? 1000
    for (const r of due.slice(0, limit)) {
      this.receipts.splice(this.receipts.indexOf(r), 1)
      const outcome = this.apply(r, working, height, timestampNs)
      blockOutcomes.push(outcome)
      ran.push(r.id)
      gasBurnt += outcome.gasBurnt
    }
    this.store.commit(height, working.changes)
    const outcomeIds = [...txHashes, ...blockOutcomes.map((o) => o.id)]
    const outcomeLeaves = [
      ...txHashes.map((h) => outcomeLeaf(h, txOutcomeView(this.txs.get(h)!))),
      ...blockOutcomes.map((o) => outcomeLeaf(o.id, receiptOutcomeView(o)))
    ]
    const block = this.append({ txs: txHashes, receipts: ran, gasBurnt, outcomeIds, outcomeLeaves }, timestampNs)
    for (const h of txHashes) this.txs.get(h)!.blockHash = block.hash
    for (const o of blockOutcomes) {
      o.blockHash = block.hash
      this.outcomes.set(o.id, o)
      const tx = this.txs.get(this.receiptTx.get(o.id)!)!
      tx.pending.delete(o.id)
      tx.outcomes.push(o.id)
      for (const child of o.receiptIds) tx.pending.add(child)
      if (tx.pending.size === 0) tx.doneAt = height
    }
    for (const l of this.listeners) l()
    return block
  }

  private readonly receiptTx = new Map<string, string>()

  /** Runs one receipt on `working`; its changes are kept only if it succeeds. */
  private apply (r: Receipt, working: Overlay, height: number, timestampNs: bigint): ReceiptOutcome {
    this.receiptTx.set(r.id, r.tx)
    const scratch = new Overlay(working)
    const logs: string[] = []
    const children: Receipt[] = []
    let burnt = 0n
    let used = 0n
    let value: Uint8Array | undefined
    let failure: unknown
    const block = { height, timestampNs }
    let deposits = 0n
    for (const a of r.actions) if (a.type === 'FunctionCall' || a.type === 'Transfer') deposits += a.deposit

    for (let index = 0; index < r.actions.length && failure === undefined; index++) {
      const a = r.actions[index]!
      const fail = (kind: unknown): void => { failure = { ActionError: { index, kind } } }
      const exists = scratch.get<Account>(`a:${r.receiver}`)
      if (a.type !== 'CreateAccount' && exists === undefined) { fail({ AccountDoesNotExist: { account_id: r.receiver } }); break }
      const [, exec] = actionFees(a)
      burnt += exec
      used += exec
      if (a.type === 'CreateAccount') {
        if (exists !== undefined) { fail({ AccountAlreadyExists: { account_id: r.receiver } }); break }
        const parent = r.receiver.includes('.') ? r.receiver.slice(r.receiver.indexOf('.') + 1) : undefined
        if (parent === undefined || parent !== r.predecessor) {
          fail(parent === undefined ? { CreateAccountOnlyByRegistrar: { account_id: r.receiver, registrar_account_id: 'registrar', predecessor_id: r.predecessor } } : { CreateAccountNotAllowed: { account_id: r.receiver, predecessor_id: r.predecessor } })
          break
        }
        scratch.set(`a:${r.receiver}`, { amount: 0n, locked: 0n, codeHash: EMPTY_CODE_HASH, storageUsage: ACCOUNT_BYTES } satisfies Account)
      } else if (a.type === 'DeployContract') {
        const acc = exists!
        const old = scratch.get<Uint8Array>(`c:${r.receiver}`)
        scratch.set(`c:${r.receiver}`, a.code)
        scratch.set(`a:${r.receiver}`, { ...acc, codeHash: baseEncode(sha256(a.code)), storageUsage: acc.storageUsage - BigInt(old?.length ?? 0) + BigInt(a.code.length) })
      } else if (a.type === 'Transfer') {
        scratch.set(`a:${r.receiver}`, { ...exists!, amount: exists!.amount + a.deposit })
      } else if (a.type === 'AddKey') {
        if (scratch.get(`k:${r.receiver}:${a.publicKey}`) !== undefined) { fail({ AddKeyAlreadyExists: { account_id: r.receiver, public_key: a.publicKey } }); break }
        scratch.set(`k:${r.receiver}:${a.publicKey}`, { nonce: BigInt(height - 1) * NONCE_RANGE, permission: a.accessKey.permission })
        scratch.set(`a:${r.receiver}`, { ...exists!, storageUsage: exists!.storageUsage + accessKeyBytes(a.publicKey, a.accessKey.permission) })
      } else if (a.type === 'DeleteKey') {
        const k = scratch.get<AccessKey>(`k:${r.receiver}:${a.publicKey}`)
        if (k === undefined) { fail({ DeleteKeyDoesNotExist: { account_id: r.receiver, public_key: a.publicKey } }); break }
        scratch.set(`k:${r.receiver}:${a.publicKey}`, undefined)
        scratch.set(`a:${r.receiver}`, { ...exists!, storageUsage: exists!.storageUsage - accessKeyBytes(a.publicKey, k.permission) })
      } else if (a.type === 'DeleteAccount') {
        if (r.predecessor !== r.receiver) { fail({ ActorNoPermission: { account_id: r.receiver, actor_id: r.predecessor } }); break }
        for (const k of scratch.keys(`k:${r.receiver}:`)) scratch.set(k, undefined)
        for (const k of scratch.keys(`d:${r.receiver}:`)) scratch.set(k, undefined)
        scratch.set(`c:${r.receiver}`, undefined)
        scratch.set(`a:${r.receiver}`, undefined)
        children.push(this.child(r, a.beneficiary, [{ type: 'Transfer', deposit: exists!.amount }], height, 0n))
      } else if (a.type === 'Stake') {
        fail({ TriesToStake: { account_id: r.receiver, stake: String(a.stake), locked: '0', balance: String(exists!.amount) } })
        break
      } else if (a.type === 'FunctionCall') {
        const acc = exists!
        const code = scratch.get<Uint8Array>(`c:${r.receiver}`)
        if (code === undefined) { fail({ FunctionCallError: { CompilationError: { CodeDoesNotExist: { account_id: r.receiver } } } }); break }
        const withDeposit = acc.amount + a.deposit
        const outcome = this.call(code, acc, r, a, scratch, block, withDeposit)
        logs.push(...outcome.logs)
        burnt += outcome.gasBurnt
        used += outcome.gasUsed
        if (!outcome.ok) { fail({ FunctionCallError: outcome.error as FunctionCallErrorView }); break }
        scratch.set(`a:${r.receiver}`, { ...acc, amount: outcome.balance, storageUsage: outcome.storageUsage })
        value = outcome.returnData
        // Outgoing receipts: ids in creation order; a callback waits for the receipts it names.
        const ids: string[] = []
        for (let i = 0; i < outcome.receipts.length; i++) {
          const o = outcome.receipts[i]!
          const gas = o.actions.reduce((g, x) => g + (x.type === 'FunctionCall' ? x.gas : 0n), 0n)
          const c = this.child(r, o.receiver, o.actions, height, gas, o.after.map((j) => ids[j]!), i)
          ids.push(c.id)
          children.push(c)
        }
      }
    }
    // Storage staking, once all actions ran: the account must still hold what its bytes lock.
    const after = scratch.get<Account>(`a:${r.receiver}`)
    if (failure === undefined && after !== undefined && after.amount < after.storageUsage * STORAGE_PRICE_PER_BYTE) {
      failure = { ActionError: { index: r.actions.length - 1, kind: { LackBalanceForState: { account_id: r.receiver, amount: String(after.storageUsage * STORAGE_PRICE_PER_BYTE - after.amount) } } } }
    }

    // Unused gas goes back to the signer; on failure the deposits go back to the predecessor.
    const refundGas = r.prepaidGas + r.actions.reduce((g, a) => g + actionFees(a)[1], 0n) - used
    if (failure === undefined) {
      scratch.mergeInto(working)
    } else {
      children.length = 0
      if (deposits > 0n && r.predecessor !== 'system') this.credit(working, r.predecessor, deposits)
    }
    if (refundGas > 0n && r.predecessor !== 'system') this.credit(working, r.signer, refundGas * GAS_PRICE)
    for (const c of children) this.receipts.push(c)
    const failed = failure !== undefined
    return {
      id: r.id,
      blockHash: '',
      height,
      executor: r.receiver,
      logs,
      receiptIds: children.map((c) => c.id),
      gasBurnt: burnt,
      status: failed ? { Failure: failure } : { SuccessValue: b64(value ?? new Uint8Array(0)) },
      result: { ok: !failed, data: value ?? new Uint8Array(0) }
    }
  }

  private credit (working: Overlay, account: string, amount: bigint): void {
    const a = working.get<Account>(`a:${account}`)
    if (a !== undefined) working.set(`a:${account}`, { ...a, amount: a.amount + amount })
  }

  private child (parent: Receipt, receiver: string, actions: Action[], height: number, gas: bigint, after: string[] = [], index = 0): Receipt {
    const id = baseEncode(sha256(new TextEncoder().encode(`receipt:${parent.id}:${index}:${receiver}`)))
    this.receiptTx.set(id, parent.tx)
    return { id, predecessor: parent.receiver, receiver, signer: parent.signer, signerKey: parent.signerKey, actions, after, tx: parent.tx, readyAt: height + 1, prepaidGas: gas }
  }

  private call (code: Uint8Array, acc: Account, r: Receipt, a: Extract<Action, { type: 'FunctionCall' }>, scratch: Overlay, block: { height: number, timestampNs: bigint }, balance: bigint): CallOutcome {
    const prefix = `d:${r.receiver}:`
    return runFunctionCall(code, acc.codeHash, a.method, {
      currentAccount: r.receiver,
      signerAccount: r.signer,
      signerPublicKey: borshKey(r.signerKey),
      predecessor: r.predecessor,
      input: a.args,
      blockHeight: BigInt(block.height),
      blockTimestampNs: block.timestampNs,
      epochHeight: 1n,
      balance,
      locked: acc.locked,
      storageUsage: acc.storageUsage,
      attachedDeposit: a.deposit,
      prepaidGas: a.gas,
      randomSeed: sha256(new TextEncoder().encode(`${r.id}:${block.height}`)),
      view: false,
      promiseResults: r.after.map((id) => this.outcomes.get(id)?.result ?? this.lastOutcome(id))
    }, {
      get: (k) => scratch.get<Uint8Array>(prefix + toHex(k)),
      set: (k, v) => { scratch.set(prefix + toHex(k), v) },
      delete: (k) => { scratch.set(prefix + toHex(k), undefined) }
    })
  }

  private lastOutcome (id: string): PromiseResult {
    throw new Error(`receipt ${id} has no outcome yet`)
  }

  /** A view call (`call_function`) at `height`: state-changing host functions are refused. */
  view (account: string, method: string, args: Uint8Array, height: number): CallOutcome | { missing: 'account' | 'code' } {
    const state = this.state(height)
    const acc = state.get<Account>(`a:${account}`)
    if (acc === undefined) return { missing: 'account' }
    const code = state.get<Uint8Array>(`c:${account}`)
    if (code === undefined) return { missing: 'code' }
    const block = this.blockAt(height)!
    const prefix = `d:${account}:`
    return runFunctionCall(code, acc.codeHash, method, {
      currentAccount: account, signerAccount: '', signerPublicKey: new Uint8Array(33), predecessor: '', input: args,
      blockHeight: BigInt(height), blockTimestampNs: block.timestampNs, epochHeight: 1n, balance: acc.amount, locked: acc.locked,
      storageUsage: acc.storageUsage, attachedDeposit: 0n, prepaidGas: MAX_PREPAID_GAS, randomSeed: new Uint8Array(32), view: true, promiseResults: []
    }, {
      get: (k) => state.get<Uint8Array>(prefix + toHex(k)),
      set: () => { throw new Error('a view cannot write') },
      delete: () => { throw new Error('a view cannot write') }
    })
  }
}

function borshKey (key: string): Uint8Array {
  const pk = PublicKey.fromString(key)
  return new Uint8Array([pk.keyType, ...pk.data])
}

/** Bytes an access key row costs (nearcore: the key's and the access key's borsh sizes, plus the record overhead). */
function accessKeyBytes (publicKey: string, permission: Permission): bigint {
  const pk = PublicKey.fromString(publicKey)
  let size = 1 + pk.data.length + 8 + 1
  if (permission !== 'FullAccess') {
    const fc = permission.FunctionCall
    size += (fc.allowance === null ? 1 : 17) + 4 + fc.receiver_id.length + 4 + fc.method_names.reduce((n, m) => n + 4 + m.length, 0)
  }
  return BigInt(size) + RECORD_BYTES
}

/** [send, exec] fees of an action. */
function actionFees (a: Action): [bigint, bigint] {
  switch (a.type) {
    case 'CreateAccount': return [ACTION.createAccount, ACTION.createAccount]
    case 'DeployContract': {
      const n = BigInt(a.code.length)
      return [ACTION.deployContract + ACTION.deployContractByteSend * n, ACTION.deployContract + ACTION.deployContractByteExec * n]
    }
    case 'FunctionCall': {
      const f = ACTION.functionCall + ACTION.functionCallByte * BigInt(a.method.length + a.args.length)
      return [f, f]
    }
    case 'Transfer': return [ACTION.transfer, ACTION.transfer]
    case 'AddKey': {
      if (a.accessKey.permission === 'FullAccess') return [ACTION.addFullAccessKey, ACTION.addFullAccessKey]
      const fc = a.accessKey.permission.FunctionCall
      const f = ACTION.addFunctionCallKey + ACTION.addFunctionCallKeyByte * BigInt(fc.method_names.reduce((n, m) => n + m.length, 0))
      return [f, f]
    }
    case 'DeleteKey': return [ACTION.deleteKey, ACTION.deleteKey]
    case 'DeleteAccount': return [ACTION.deleteAccount, ACTION.deleteAccount]
    case 'Stake': return [ACTION.transfer, ACTION.transfer]
  }
}

/** A borsh-decoded transaction action as the chain carries it. */
function convertAction (a: Record<string, Record<string, unknown>>, height: number): Action {
  const [kind, v] = Object.entries(a).find(([k]) => k !== 'enum')!
  const key = (pk: unknown): string => {
    const data = (pk as { ed25519Key?: { data: number[] } }).ed25519Key?.data
    if (data === undefined) throw new InvalidTxError({ InvalidTxError: { ActionsValidation: { UnsuitableStakingKey: null } } })
    return `ed25519:${baseEncode(new Uint8Array(data))}`
  }
  switch (kind) {
    case 'createAccount': return { type: 'CreateAccount' }
    case 'deployContract': return { type: 'DeployContract', code: new Uint8Array(v!.code as number[]) }
    case 'functionCall': return { type: 'FunctionCall', method: String(v!.methodName), args: new Uint8Array(v!.args as number[]), gas: BigInt(v!.gas as bigint), deposit: BigInt(v!.deposit as bigint) }
    case 'transfer': return { type: 'Transfer', deposit: BigInt(v!.deposit as bigint) }
    case 'stake': return { type: 'Stake', stake: BigInt(v!.stake as bigint), publicKey: key(v!.publicKey) }
    case 'addKey': {
      const ak = v!.accessKey as { permission: { fullAccess?: unknown, functionCall?: { allowance?: bigint | null, receiverId: string, methodNames: string[] } } }
      const fc = ak.permission.functionCall
      const permission: Permission = fc === undefined ? 'FullAccess' : { FunctionCall: { allowance: fc.allowance === undefined || fc.allowance === null ? null : BigInt(fc.allowance), receiver_id: fc.receiverId, method_names: fc.methodNames } }
      return { type: 'AddKey', publicKey: key(v!.publicKey), accessKey: { nonce: BigInt(height) * NONCE_RANGE, permission } }
    }
    case 'deleteKey': return { type: 'DeleteKey', publicKey: key(v!.publicKey) }
    case 'deleteAccount': return { type: 'DeleteAccount', beneficiary: String(v!.beneficiaryId) }
    default: throw new InvalidTxError({ InvalidTxError: { ActionsValidation: { UnsupportedProtocolFeature: { protocol_feature: kind, version: 0 } } } })
  }
}

/** An action as nearcore's RPC shows it in a transaction view. */
export function actionView (a: Action): unknown {
  switch (a.type) {
    case 'CreateAccount': return 'CreateAccount'
    case 'DeployContract': return { DeployContract: { code: baseEncode(sha256(a.code)) } }
    case 'FunctionCall': return { FunctionCall: { method_name: a.method, args: b64(a.args), gas: Number(a.gas), deposit: String(a.deposit) } }
    case 'Transfer': return { Transfer: { deposit: String(a.deposit) } }
    case 'AddKey': return { AddKey: { public_key: a.publicKey, access_key: accessKeyView(a.accessKey) } }
    case 'DeleteKey': return { DeleteKey: { public_key: a.publicKey } }
    case 'DeleteAccount': return { DeleteAccount: { beneficiary_id: a.beneficiary } }
    case 'Stake': return { Stake: { stake: String(a.stake), public_key: a.publicKey } }
  }
}

export function accessKeyView (k: AccessKey): { nonce: number, permission: unknown } {
  const p = k.permission
  return {
    nonce: Number(k.nonce),
    permission: p === 'FullAccess' ? 'FullAccess' : { FunctionCall: { allowance: p.FunctionCall.allowance === null ? null : String(p.FunctionCall.allowance), receiver_id: p.FunctionCall.receiver_id, method_names: p.FunctionCall.method_names } }
  }
}

/** A transaction's outcome (its conversion into a receipt) as nearcore's RPC shows it; what its outcome hash covers. */
export function txOutcomeView (tx: Pick<TxRecord, 'receiptId' | 'gasBurnt' | 'signer'>): ExecutionOutcomeView {
  return {
    logs: [],
    receipt_ids: [tx.receiptId],
    gas_burnt: Number(tx.gasBurnt),
    tokens_burnt: String(tx.gasBurnt * GAS_PRICE),
    executor_id: tx.signer,
    status: { SuccessReceiptId: tx.receiptId },
    metadata: { version: 1, gas_profile: null }
  }
}

/** A receipt's outcome as nearcore's RPC shows it; what its outcome hash covers. */
export function receiptOutcomeView (o: ReceiptOutcome): ExecutionOutcomeView {
  return {
    logs: o.logs,
    receipt_ids: o.receiptIds,
    gas_burnt: Number(o.gasBurnt),
    tokens_burnt: String(o.gasBurnt * GAS_PRICE),
    executor_id: o.executor,
    status: o.status,
    metadata: { version: 1, gas_profile: null }
  }
}
