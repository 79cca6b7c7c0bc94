// The devnet's JSON-RPC methods, in the shapes nearcore's RPC answers with (and
// near-api-js 7 parses): status, block, chunk, gas_price, query (view_account,
// view_access_key, view_access_key_list, call_function, view_state, view_code), send_tx /
// broadcast_tx_commit / broadcast_tx_async with the wait_until levels, tx,
// EXPERIMENTAL_tx_status, EXPERIMENTAL_protocol_config, the light client's
// next_light_client_block, EXPERIMENTAL_light_client_proof,
// EXPERIMENTAL_light_client_block_proof and EXPERIMENTAL_validators_ordered, and the
// sandbox's sandbox_fast_forward. Errors use nearcore's structured form (name, cause, info, data).
import { ACCOUNT_BYTES, GAS_PRICE, NONCE_RANGE, STORAGE_PRICE_PER_BYTE, TX_VALIDITY_BLOCKS } from './fees.ts'
import { EMPTY_CODE_HASH, InvalidTxError, accessKeyView, receiptOutcomeView as outcomeOf, txOutcomeView, type Block, type Chain, type ReceiptOutcome, type TxRecord } from './chain.ts'
import type { AccessKey, Account } from './store.ts'
import { hashText, merkleRoot } from '../lightclient/hashes.ts'

export const PROTOCOL_VERSION = 73
const WAIT_LEVELS = ['NONE', 'INCLUDED', 'EXECUTED_OPTIMISTIC', 'INCLUDED_FINAL', 'EXECUTED', 'FINAL'] as const
type WaitUntil = typeof WAIT_LEVELS[number]

/** An RPC error in nearcore's shape. */
export class RpcFailure extends Error {
  readonly body: { name: string, cause: { name: string, info: Record<string, unknown> }, code: number, message: string, data?: unknown }
  constructor (body: RpcFailure['body']) { super(body.cause.name); this.body = body }
}

const handlerError = (cause: string, info: Record<string, unknown>, data?: unknown): RpcFailure =>
  new RpcFailure({ name: 'HANDLER_ERROR', cause: { name: cause, info }, code: -32000, message: 'Server error', data: data ?? info })
export const parseError = (message: string): RpcFailure =>
  new RpcFailure({ name: 'REQUEST_VALIDATION_ERROR', cause: { name: 'PARSE_ERROR', info: { error_message: message } }, code: -32700, message: 'Parse error', data: message })

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')

export interface RpcHost {
  chain: Chain
  /** Resolves once a block was made after the call (the producer runs on its own). */
  nextBlock: () => Promise<void>
  /** Makes blocks now (sandbox_fast_forward). */
  fastForward: (blocks: number) => Promise<void>
  waitTimeoutMs: number
}

type Params = Record<string, unknown> | unknown[] | undefined

export async function handle (host: RpcHost, method: string, params: Params): Promise<unknown> {
  const chain = host.chain
  const p = (Array.isArray(params) ? {} : params ?? {}) as Record<string, unknown>
  switch (method) {
    case 'status': return status(chain)
    case 'block': return blockView(chain, resolveBlock(chain, p))
    case 'chunk': return chunkView(chain, resolveChunk(chain, p))
    case 'gas_price': return { gas_price: String(GAS_PRICE) }
    case 'EXPERIMENTAL_protocol_config': return protocolConfig(chain, resolveBlock(chain, p))
    case 'EXPERIMENTAL_genesis_config': return protocolConfig(chain, chain.blocks[0]!)
    case 'query': return query(chain, p)
    case 'send_tx': return await send(host, String(p.signed_tx_base64 ?? ''), waitLevel(p.wait_until, 'EXECUTED_OPTIMISTIC'), false)
    case 'broadcast_tx_commit': return await send(host, String((params as unknown[] | undefined)?.[0] ?? ''), 'EXECUTED_OPTIMISTIC', false)
    case 'broadcast_tx_async': return submitOnly(host, String((params as unknown[] | undefined)?.[0] ?? ''))
    case 'tx':
    case 'EXPERIMENTAL_tx_status': {
      const [hash, wait] = Array.isArray(params) ? [String(params[0]), 'EXECUTED_OPTIMISTIC' as WaitUntil] : [String(p.tx_hash ?? ''), waitLevel(p.wait_until, 'EXECUTED_OPTIMISTIC')]
      if (!chain.txs.has(hash)) throw handlerError('UNKNOWN_TRANSACTION', { requested_transaction_hash: hash })
      return await awaitTx(host, hash, wait, method === 'EXPERIMENTAL_tx_status')
    }
    case 'next_light_client_block': return nextLightClientBlock(chain, p)
    case 'EXPERIMENTAL_light_client_proof': return lightClientProof(chain, p)
    case 'EXPERIMENTAL_light_client_block_proof': return lightClientBlockProof(chain, p)
    case 'EXPERIMENTAL_validators_ordered': {
      const b = p.block_id === undefined || p.block_id === null ? chain.head : resolveBlock(chain, p)
      return chain.producers.of(chain.epochOf(b.height))
    }
    case 'sandbox_fast_forward': {
      const n = Number(p.delta_height)
      if (!Number.isInteger(n) || n < 1 || n > 10_000) throw parseError('delta_height must be an integer from 1 to 10000')
      await host.fastForward(n)
      return {}
    }
    default:
      throw new RpcFailure({ name: 'REQUEST_VALIDATION_ERROR', cause: { name: 'METHOD_NOT_FOUND', info: { method_name: method } }, code: -32601, message: 'Method not found', data: method })
  }
}

function waitLevel (v: unknown, fallback: WaitUntil): WaitUntil {
  if (v === undefined || v === null) return fallback
  if (!WAIT_LEVELS.includes(v as WaitUntil)) throw parseError(`unknown wait_until ${String(v)}`)
  return v as WaitUntil
}

function status (chain: Chain): unknown {
  const head = chain.head
  return {
    chain_id: chain.init.chainId,
    genesis_hash: chain.blocks[0]!.hash,
    latest_protocol_version: PROTOCOL_VERSION,
    protocol_version: PROTOCOL_VERSION,
    node_key: null,
    node_public_key: chain.init.genesisKey,
    rpc_addr: null,
    validator_account_id: null,
    validator_public_key: null,
    validators: chain.producers.of(chain.epochOf(head.height)).map((v) => ({ account_id: v.account_id, is_slashed: false })),
    version: { version: 'moorage-near-devnet', build: 'typescript', rustc_version: 'none' },
    sync_info: {
      latest_block_hash: head.hash,
      latest_block_height: head.height,
      latest_block_time: new Date(Number(head.timestampNs / 1_000_000n)).toISOString(),
      latest_state_root: head.hash,
      earliest_block_hash: chain.blocks[0]!.hash,
      earliest_block_height: chain.blocks[0]!.height,
      earliest_block_time: new Date(Number(chain.blocks[0]!.timestampNs / 1_000_000n)).toISOString(),
      syncing: false,
      epoch_id: head.lite.epoch_id,
      epoch_start_height: chain.blocks[0]!.height + chain.epochOf(head.height) * chain.epochLength
    },
    uptime_sec: 0
  }
}

function resolveBlock (chain: Chain, p: Record<string, unknown>): Block {
  const finality = p.finality
  if (finality !== undefined && finality !== null) {
    if (finality === 'optimistic') return chain.head
    if (finality === 'near-final') return chain.blockAt(Math.max(chain.blocks[0]!.height, chain.head.height - 1))!
    if (finality === 'final') return chain.final
    throw parseError(`unknown finality ${String(finality)}`)
  }
  const id = p.block_id ?? (p.blockId as unknown)
  if (id === undefined || id === null) {
    if ('sync_checkpoint' in p) return p.sync_checkpoint === 'genesis' ? chain.blocks[0]! : chain.head
    throw parseError('give finality or block_id')
  }
  const block = typeof id === 'number' ? chain.blockAt(id) : chain.blockByHash(String(id))
  if (block === undefined) throw handlerError('UNKNOWN_BLOCK', { block_reference: { block_id: id } })
  return block
}

const chunkHash = (b: Block): string => b.hash

function blockView (chain: Chain, b: Block): unknown {
  // Block h carries the approvals of h - 1 for height h (those a light client reads as h - 2's approvals after next).
  const before = chain.blockAt(b.height - 2)
  const approvals = before === undefined ? [] : chain.approvalsAfterNext(before) ?? []
  return {
    author: chain.init.genesisAccount,
    header: {
      height: b.height,
      prev_height: b.height > chain.blocks[0]!.height ? b.height - 1 : null,
      hash: b.hash,
      prev_hash: b.prevHash,
      timestamp: Number(b.timestampNs),
      timestamp_nanosec: String(b.timestampNs),
      epoch_id: b.lite.epoch_id,
      next_epoch_id: b.lite.next_epoch_id,
      prev_state_root: b.lite.prev_state_root,
      outcome_root: b.lite.outcome_root,
      chunks_included: 1,
      gas_price: String(GAS_PRICE),
      total_supply: String(chain.init.genesisBalance),
      last_final_block: chain.blockAt(Math.max(chain.blocks[0]!.height, b.height - chain.init.finalityLag))!.hash,
      last_ds_final_block: chain.blockAt(Math.max(chain.blocks[0]!.height, b.height - 1))!.hash,
      next_bp_hash: b.lite.next_bp_hash,
      block_merkle_root: b.lite.block_merkle_root,
      approvals,
      signature: 'ed25519:1111111111111111111111111111111111111111111111111111111111111111',
      latest_protocol_version: PROTOCOL_VERSION
    },
    chunks: [{
      chunk_hash: chunkHash(b),
      prev_block_hash: b.prevHash,
      height_created: b.height,
      height_included: b.height,
      shard_id: 0,
      gas_used: Number(b.gasBurnt),
      gas_limit: 1_000_000_000_000_000,
      balance_burnt: String(b.gasBurnt * GAS_PRICE),
      tx_root: EMPTY_CODE_HASH,
      // The shard's outcome root (the block's is sha256 of it).
      outcome_root: hashText(merkleRoot(b.outcomeLeaves)),
      prev_state_root: EMPTY_CODE_HASH,
      encoded_length: 0,
      signature: 'ed25519:1111111111111111111111111111111111111111111111111111111111111111'
    }]
  }
}

function resolveChunk (chain: Chain, p: Record<string, unknown>): Block {
  if (p.chunk_id !== undefined) {
    const b = chain.blockByHash(String(p.chunk_id))
    if (b === undefined) throw handlerError('UNKNOWN_CHUNK', { chunk_hash: p.chunk_id })
    return b
  }
  return resolveBlock(chain, p)
}

function chunkView (chain: Chain, b: Block): unknown {
  const view = blockView(chain, b) as { author: string, chunks: unknown[] }
  return {
    author: view.author,
    header: view.chunks[0],
    transactions: b.txs.map((h) => txView(chain.txs.get(h)!)),
    receipts: b.receipts.map((id) => {
      const o = chain.outcomes.get(id)
      return { receipt_id: id, receiver_id: o?.executor ?? '', predecessor_id: '', receipt: {} }
    })
  }
}

function protocolConfig (chain: Chain, b: Block): unknown {
  return {
    protocol_version: PROTOCOL_VERSION,
    chain_id: chain.init.chainId,
    genesis_height: chain.blocks[0]!.height,
    genesis_time: new Date(Number(chain.blocks[0]!.timestampNs / 1_000_000n)).toISOString(),
    block_height: b.height,
    epoch_length: chain.epochLength,
    min_gas_price: String(GAS_PRICE),
    max_gas_price: String(GAS_PRICE),
    transaction_validity_period: TX_VALIDITY_BLOCKS,
    num_block_producer_seats: chain.producers.init.count,
    runtime_config: {
      storage_amount_per_byte: String(STORAGE_PRICE_PER_BYTE),
      account_creation_config: { min_allowed_top_level_account_length: 65, registrar_account_id: 'registrar' },
      transaction_costs: { storage_usage_config: { num_bytes_account: Number(ACCOUNT_BYTES), num_extra_bytes_record: 40 } },
      wasm_config: { limit_config: { max_gas_burnt: 300_000_000_000_000, max_total_prepaid_gas: 300_000_000_000_000 } }
    },
    access_key_nonce_range_multiplier: Number(NONCE_RANGE)
  }
}

function query (chain: Chain, p: Record<string, unknown>): unknown {
  const block = resolveBlock(chain, p)
  const at = { block_height: block.height, block_hash: block.hash }
  const state = chain.state(block.height)
  const accountId = String(p.account_id ?? '')
  const account = state.get<Account>(`a:${accountId}`)
  const unknownAccount = (): RpcFailure => handlerError('UNKNOWN_ACCOUNT', { requested_account_id: accountId, ...at })
  switch (p.request_type) {
    case 'view_account':
      if (account === undefined) throw unknownAccount()
      return { amount: String(account.amount), locked: String(account.locked), code_hash: account.codeHash, storage_usage: Number(account.storageUsage), storage_paid_at: 0, ...at }
    case 'view_code': {
      const code = state.get<Uint8Array>(`c:${accountId}`)
      if (account === undefined) throw unknownAccount()
      if (code === undefined) throw handlerError('NO_CONTRACT_CODE', { contract_account_id: accountId, ...at })
      return { code_base64: b64(code), hash: account.codeHash, ...at }
    }
    case 'view_access_key': {
      if (account === undefined) throw unknownAccount()
      const pk = String(p.public_key ?? '')
      const key = state.get<AccessKey>(`k:${accountId}:${pk}`)
      if (key === undefined) throw handlerError('UNKNOWN_ACCESS_KEY', { public_key: pk, ...at })
      return { ...accessKeyView(key), ...at }
    }
    case 'view_access_key_list': {
      if (account === undefined) throw unknownAccount()
      const prefix = `k:${accountId}:`
      return { keys: state.keys(prefix).map((k) => ({ public_key: k.slice(prefix.length), access_key: accessKeyView(state.get<AccessKey>(k)!) })), ...at }
    }
    case 'view_state': {
      if (account === undefined) throw unknownAccount()
      const prefixBytes = Buffer.from(String(p.prefix_base64 ?? ''), 'base64')
      const prefix = `d:${accountId}:${prefixBytes.toString('hex')}`
      const values = state.keys(prefix).map((k) => ({ key: b64(Buffer.from(k.slice(accountId.length + 3), 'hex')), value: b64(state.get<Uint8Array>(k)!) }))
      return { values, ...at }
    }
    case 'call_function': {
      const method = String(p.method_name ?? '')
      const args = Buffer.from(String(p.args_base64 ?? ''), 'base64')
      const out = chain.view(accountId, method, new Uint8Array(args), block.height)
      if ('missing' in out) {
        if (out.missing === 'account') throw unknownAccount()
        throw handlerError('NO_CONTRACT_CODE', { contract_account_id: accountId, ...at })
      }
      if (!out.ok) {
        const vm = out.error !== undefined && 'ExecutionError' in out.error && out.error.ExecutionError.startsWith('Smart contract panicked: ')
          ? { HostError: { GuestPanic: { panic_msg: out.message } } }
          : out.error
        throw handlerError('CONTRACT_EXECUTION_ERROR', { vm_error: vm, ...at })
      }
      return { result: [...(out.returnData ?? new Uint8Array(0))], logs: out.logs, ...at }
    }
    default:
      throw parseError(`unknown request_type ${String(p.request_type)}`)
  }
}

function submitOnly (host: RpcHost, base64: string): string {
  try {
    return host.chain.submit(new Uint8Array(Buffer.from(base64, 'base64')))
  } catch (e) {
    if (e instanceof InvalidTxError) throw invalidTx(e)
    throw e
  }
}

function invalidTx (e: InvalidTxError): RpcFailure {
  return new RpcFailure({ name: 'HANDLER_ERROR', cause: { name: 'INVALID_TRANSACTION', info: {} }, code: -32000, message: 'Server error', data: { TxExecutionError: e.view } })
}

async function send (host: RpcHost, base64: string, wait: WaitUntil, withReceipts: boolean): Promise<unknown> {
  if (base64.length === 0) throw parseError('signed_tx_base64 is missing')
  const hash = submitOnly(host, base64)
  if (wait === 'NONE') return { final_execution_status: 'NONE' }
  return await awaitTx(host, hash, wait, withReceipts)
}

/** Whether the transaction reached `wait`. */
function reached (chain: Chain, tx: TxRecord | undefined, wait: WaitUntil): boolean {
  if (tx === undefined || tx.blockHash === '') return wait === 'NONE'
  const final = chain.final.height
  switch (wait) {
    case 'NONE':
    case 'INCLUDED': return true
    case 'INCLUDED_FINAL': return tx.height <= final
    case 'EXECUTED_OPTIMISTIC': return tx.doneAt !== undefined
    case 'EXECUTED': return tx.doneAt !== undefined && tx.height <= final
    case 'FINAL': return tx.doneAt !== undefined && tx.doneAt <= final
  }
}

function statusOf (chain: Chain, tx: TxRecord): WaitUntil {
  for (const level of ['FINAL', 'EXECUTED', 'EXECUTED_OPTIMISTIC', 'INCLUDED_FINAL', 'INCLUDED'] as const) if (reached(chain, tx, level)) return level
  return 'NONE'
}

async function awaitTx (host: RpcHost, hash: string, wait: WaitUntil, withReceipts: boolean): Promise<unknown> {
  const deadline = Date.now() + host.waitTimeoutMs
  while (!reached(host.chain, host.chain.txs.get(hash), wait)) {
    if (Date.now() > deadline) throw handlerError('TIMEOUT_ERROR', {})
    await host.nextBlock()
  }
  return outcomeView(host.chain, host.chain.txs.get(hash)!, withReceipts)
}

function txView (tx: TxRecord): unknown {
  return { signer_id: tx.signer, public_key: tx.publicKey, nonce: Number(tx.nonce), receiver_id: tx.receiver, actions: tx.actionsView, signature: tx.signature, hash: tx.hash, priority_fee: 0 }
}

function receiptOutcomeView (chain: Chain, o: ReceiptOutcome): unknown {
  return { id: o.id, block_hash: o.blockHash, proof: chain.outcomeProof(o.id)?.proof ?? [], outcome: outcomeOf(o) }
}

function outcomeView (chain: Chain, tx: TxRecord, withReceipts: boolean): unknown {
  const outcomes = tx.outcomes.map((id) => chain.outcomes.get(id)!)
  // The transaction's status is that of its first receipt (nearcore follows the returned promise chain).
  const first = chain.outcomes.get(tx.receiptId)
  const status = first === undefined ? { SuccessReceiptId: tx.receiptId } : first.status
  return {
    final_execution_status: statusOf(chain, tx),
    status,
    transaction: txView(tx),
    transaction_outcome: {
      id: tx.hash,
      block_hash: tx.blockHash,
      proof: chain.outcomeProof(tx.hash)?.proof ?? [],
      outcome: txOutcomeView(tx)
    },
    receipts_outcome: outcomes.map((o) => receiptOutcomeView(chain, o)),
    ...(withReceipts ? { receipts: outcomes.map((o) => ({ receipt_id: o.id, receiver_id: o.executor, predecessor_id: '', receipt: {} })) } : {})
  }
}

/**
 * The light-client block after `last_block_hash`: the final block, or, when that is more
 * than an epoch ahead, the last block of the epoch after the known one (a light client
 * cannot skip an epoch); `{}` when there is nothing newer.
 */
function nextLightClientBlock (chain: Chain, p: Record<string, unknown>): unknown {
  const last = chain.blockByHash(String(p.last_block_hash ?? ''))
  if (last === undefined) throw handlerError('UNKNOWN_BLOCK', { block_reference: { block_id: p.last_block_hash } })
  const genesis = chain.blocks[0]!.height
  // A light-client block needs its next two blocks (the approvals after next).
  const final = chain.blockAt(Math.min(chain.final.height, chain.head.height - 2))
  if (final === undefined || final.height <= last.height) return {}
  const known = chain.epochOf(last.height)
  const target = chain.epochOf(final.height) > known + 1 ? chain.blockAt(genesis + (known + 2) * chain.epochLength - 1)! : final
  return chain.lightClientBlock(target)
}

function lightClientHead (chain: Chain, p: Record<string, unknown>): Block {
  const head = chain.blockByHash(String(p.light_client_head ?? ''))
  if (head === undefined) throw handlerError('UNKNOWN_BLOCK', { block_reference: { block_id: p.light_client_head } })
  return head
}

function lightClientProof (chain: Chain, p: Record<string, unknown>): unknown {
  const head = lightClientHead(chain, p)
  let id: string
  let outcome: unknown
  if (p.type === 'transaction') {
    id = String(p.transaction_hash ?? '')
    const tx = chain.txs.get(id)
    if (tx === undefined || tx.signer !== p.sender_id || tx.blockHash === '') throw handlerError('UNKNOWN_TRANSACTION_OR_RECEIPT', { transaction_or_receipt_id: id })
    outcome = txOutcomeView(tx)
  } else if (p.type === 'receipt') {
    id = String(p.receipt_id ?? '')
    const o = chain.outcomes.get(id)
    if (o === undefined || o.executor !== p.receiver_id) throw handlerError('UNKNOWN_TRANSACTION_OR_RECEIPT', { transaction_or_receipt_id: id })
    outcome = outcomeOf(o)
  } else {
    throw parseError('type must be "transaction" or "receipt"')
  }
  const where = chain.outcomeProof(id)!
  if (where.block.height >= head.height) throw handlerError('NOT_CONFIRMED', { transaction_or_receipt_id: id })
  return {
    outcome_proof: { proof: where.proof, block_hash: where.block.hash, id, outcome },
    // One shard: the block's outcome tree is that shard's leaf alone.
    outcome_root_proof: [],
    block_header_lite: chain.liteView(where.block),
    block_proof: chain.blockProof(where.block, head)
  }
}

function lightClientBlockProof (chain: Chain, p: Record<string, unknown>): unknown {
  const head = lightClientHead(chain, p)
  const block = chain.blockByHash(String(p.block_hash ?? ''))
  if (block === undefined || block.height >= head.height) throw handlerError('UNKNOWN_BLOCK', { block_reference: { block_id: p.block_hash } })
  return { block_header_lite: chain.liteView(block), block_proof: chain.blockProof(block, head) }
}
