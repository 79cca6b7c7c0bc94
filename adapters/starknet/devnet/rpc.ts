// Starknet JSON-RPC (spec 0.9) over HTTP on 127.0.0.1 for the devnet chain: what
// starknet.js 10's RpcProvider and Account use, with the spec's error codes. Bodies are
// bounded (1 MiB, 64 requests a batch).
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { proofOf, type MerkleNode, type Trie } from '../trie.ts'
import { CHAIN_ID, GAS_PRICES, RpcFailure, usageOf, type Block, type DevnetChain, type InvokeV3, type Resources, type Tx } from './chain.ts'
import { hash } from 'starknet'

export const SPEC_VERSION = '0.9.0'
const MAX_BODY = 1 << 20
const MAX_BATCH = 64
const MAX_CHUNK = 1024

const hx = (v: bigint | number): string => '0x' + v.toString(16)
const felt = (v: unknown, what: string): bigint => {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(v)) throw new RpcFailure(-32602, `Invalid params: ${what} is not a felt`)
  return BigInt(v)
}
const felts = (v: unknown, what: string): bigint[] => {
  if (!Array.isArray(v)) throw new RpcFailure(-32602, `Invalid params: ${what} is not an array`)
  return v.map((x, i) => felt(x, `${what}[${i}]`))
}

function invokeOf (raw: unknown): InvokeV3 {
  const t = raw as Record<string, unknown>
  if (t === null || typeof t !== 'object' || t.type !== 'INVOKE') throw new RpcFailure(-32602, 'Invalid params: only INVOKE transactions')
  if (t.version !== '0x3' && t.version !== '0x100000000000000000000000000000003') throw new RpcFailure(61, 'The transaction version is not supported')
  const rb = t.resource_bounds as Record<string, { max_amount: string, max_price_per_unit: string }> | undefined
  const res = (name: string): Resources => {
    const r = rb?.[name]
    if (r === undefined) throw new RpcFailure(-32602, `Invalid params: resource_bounds.${name} is missing`)
    return { max_amount: felt(r.max_amount, `${name}.max_amount`), max_price_per_unit: felt(r.max_price_per_unit, `${name}.max_price_per_unit`) }
  }
  const mode = (m: unknown): 'L1' | 'L2' => (m === 'L2' ? 'L2' : 'L1')
  return {
    sender_address: felt(t.sender_address, 'sender_address'),
    calldata: felts(t.calldata, 'calldata'),
    signature: felts(t.signature ?? [], 'signature'),
    nonce: felt(t.nonce, 'nonce'),
    resource_bounds: { l1_gas: res('l1_gas'), l2_gas: res('l2_gas'), l1_data_gas: res('l1_data_gas') },
    tip: felt(t.tip ?? '0x0', 'tip'),
    paymaster_data: felts(t.paymaster_data ?? [], 'paymaster_data'),
    account_deployment_data: felts(t.account_deployment_data ?? [], 'account_deployment_data'),
    nonce_data_availability_mode: mode(t.nonce_data_availability_mode),
    fee_data_availability_mode: mode(t.fee_data_availability_mode)
  }
}

const prices = { l1_gas_price: { price_in_fri: hx(GAS_PRICES.l1), price_in_wei: hx(GAS_PRICES.l1 / 1000n) }, l2_gas_price: { price_in_fri: hx(GAS_PRICES.l2), price_in_wei: hx(GAS_PRICES.l2 / 1000n) }, l1_data_gas_price: { price_in_fri: hx(GAS_PRICES.l1Data), price_in_wei: hx(GAS_PRICES.l1Data / 1000n) } }

function blockHeader (chain: DevnetChain, b: Block): Record<string, unknown> {
  const head = { block_number: b.number, timestamp: b.timestamp, sequencer_address: '0x1', ...prices, l1_da_mode: 'BLOB', starknet_version: '0.14.0' }
  return b.status === 'PRE_CONFIRMED'
    ? head
    : { status: b.status, block_hash: hx(b.hash), parent_hash: hx(b.parent), new_root: hx(chain.tries(b).root), ...head }
}

/** Most keys (classes, contracts and storage keys together) one storage proof answers. */
const MAX_PROOF_KEYS = 100

type ProofNodes = Array<{ node_hash: string, node: Record<string, unknown> }>
function nodesOf (trie: Trie, keys: bigint[]): ProofNodes {
  const seen = new Map<bigint, MerkleNode>()
  for (const k of keys) for (const { hash: h, node } of proofOf(trie, k)) seen.set(h, node)
  return [...seen].map(([h, n]) => ({ node_hash: hx(h), node: 'left' in n ? { left: hx(n.left), right: hx(n.right) } : { path: hx(n.path), length: n.length, child: hx(n.child) } }))
}

/** starknet_getStorageProof: the paths to the asked leaves in the block's classes, contracts and storage tries. */
function storageProof (chain: DevnetChain, p: Params): unknown {
  const b = chain.block(param(p, 'block_id', 0))
  if (b.status === 'PRE_CONFIRMED') throw new RpcFailure(-32602, 'Invalid params: a pre_confirmed block has no state root yet')
  const classHashes = felts(param(p, 'class_hashes', 1) ?? [], 'class_hashes')
  const addresses = felts(param(p, 'contract_addresses', 2) ?? [], 'contract_addresses')
  const rawKeys = (param(p, 'contracts_storage_keys', 3) ?? []) as unknown
  if (!Array.isArray(rawKeys)) throw new RpcFailure(-32602, 'Invalid params: contracts_storage_keys is not an array')
  const storageKeys = rawKeys.map((x: unknown, i) => ({ address: felt((x as Record<string, unknown>)?.contract_address, `contracts_storage_keys[${i}].contract_address`), keys: felts((x as Record<string, unknown>)?.storage_keys, `contracts_storage_keys[${i}].storage_keys`) }))
  if (classHashes.length + addresses.length + storageKeys.reduce((n, s) => n + s.keys.length, 0) > MAX_PROOF_KEYS) throw new RpcFailure(-32602, `Invalid params: at most ${MAX_PROOF_KEYS} keys`)
  const t = chain.tries(b)
  return {
    classes_proof: nodesOf(t.classes, classHashes),
    contracts_proof: {
      nodes: nodesOf(t.contracts, addresses),
      contract_leaves_data: addresses.map((a) => {
        const c = t.state.get(a)
        return { nonce: hx(c?.nonce ?? 0n), class_hash: hx(c?.classHash ?? 0n), storage_root: hx(t.storage.get(a)?.root ?? 0n) }
      })
    },
    contracts_storage_proofs: storageKeys.map((s) => nodesOf(t.storage.get(s.address) ?? { root: 0n, nodes: new Map() }, s.keys)),
    global_roots: { contracts_tree_root: hx(t.contracts.root), classes_tree_root: hx(t.classes.root), block_hash: hx(b.hash) }
  }
}

function feeEstimate (usage: ReturnType<typeof usageOf>): Record<string, unknown> {
  return {
    l1_gas_consumed: hx(usage.l1), l1_gas_price: hx(GAS_PRICES.l1),
    l2_gas_consumed: hx(usage.l2), l2_gas_price: hx(GAS_PRICES.l2),
    l1_data_gas_consumed: hx(usage.l1Data), l1_data_gas_price: hx(GAS_PRICES.l1Data),
    overall_fee: hx(usage.fee), unit: 'FRI'
  }
}

function txFinality (chain: DevnetChain, t: Tx): string { return chain.blocks[t.block]!.status }

function receipt (chain: DevnetChain, t: Tx): Record<string, unknown> {
  const b = chain.blocks[t.block]!
  return {
    type: 'INVOKE',
    transaction_hash: hx(t.hash),
    actual_fee: { amount: hx(t.usage.fee), unit: 'FRI' },
    execution_status: t.reverted === undefined ? 'SUCCEEDED' : 'REVERTED',
    ...(t.reverted !== undefined ? { revert_reason: t.reverted } : {}),
    finality_status: b.status,
    ...(b.status === 'PRE_CONFIRMED' ? {} : { block_hash: hx(b.hash) }),
    block_number: b.number,
    messages_sent: [],
    events: t.events.map((e) => ({ from_address: hx(e.from), keys: e.keys.map(hx), data: e.data.map(hx) })),
    execution_resources: { l1_gas: Number(t.usage.l1), l1_data_gas: Number(t.usage.l1Data), l2_gas: Number(t.usage.l2) }
  }
}

type Params = Record<string, unknown> | unknown[]
const param = (p: Params, name: string, index: number): unknown => (Array.isArray(p) ? p[index] : p[name])

/** One method call; throws RpcFailure for the spec's errors. */
export function handle (chain: DevnetChain, method: string, p: Params): unknown {
  switch (method) {
    case 'starknet_specVersion': return SPEC_VERSION
    case 'starknet_chainId': return hx(CHAIN_ID)
    case 'starknet_blockNumber': return chain.latest.number
    case 'starknet_blockHashAndNumber': return { block_hash: hx(chain.latest.hash), block_number: chain.latest.number }
    case 'starknet_syncing': return false
    case 'starknet_getBlockWithTxHashes': {
      const b = chain.block(param(p, 'block_id', 0))
      return { ...blockHeader(chain, b), transactions: b.txs.map((t) => hx(t.hash)) }
    }
    case 'starknet_getBlockWithTxs': {
      const b = chain.block(param(p, 'block_id', 0))
      return { ...blockHeader(chain, b), transactions: b.txs.map((t) => ({ transaction_hash: hx(t.hash), type: 'INVOKE', version: '0x3', ...jsonTx(t.body) })) }
    }
    case 'starknet_getNonce': {
      const b = chain.block(param(p, 'block_id', 0))
      const a = chain.accounts.get(felt(param(p, 'contract_address', 1), 'contract_address'))
      if (a === undefined) throw new RpcFailure(20, 'Contract not found')
      // Nonces are kept at the head only: a past block's nonce counts the transactions up to it.
      const later = [...chain.txs.values()].filter((t) => t.body.sender_address === a.address && t.block > b.number).length
      return hx(a.nonce - BigInt(later))
    }
    case 'starknet_getClassHashAt': {
      const b = chain.block(param(p, 'block_id', 0))
      const at = felt(param(p, 'contract_address', 1), 'contract_address')
      const cls = chain.classOf(b, at)
      if (cls === undefined) throw new RpcFailure(20, 'Contract not found')
      return hx(cls)
    }
    case 'starknet_getStorageAt': {
      const at = felt(param(p, 'contract_address', 0), 'contract_address')
      const key = felt(param(p, 'key', 1), 'key')
      const b = chain.block(param(p, 'block_id', 2))
      const c = chain.feltState(b).get(at)
      if (c === undefined) throw new RpcFailure(20, 'Contract not found')
      return hx(c.storage.get(key) ?? 0n)
    }
    case 'starknet_getStorageProof': return storageProof(chain, p)
    case 'starknet_call': {
      const req = param(p, 'request', 0) as Record<string, unknown>
      const b = chain.block(param(p, 'block_id', 1))
      return chain.call(b, felt(req?.contract_address, 'contract_address'), felt(req?.entry_point_selector, 'entry_point_selector'), felts(req?.calldata, 'calldata')).map(hx)
    }
    case 'starknet_estimateFee':
    case 'starknet_simulateTransactions': {
      const txs = param(p, method === 'starknet_estimateFee' ? 'request' : 'transactions', 0)
      const flags = (param(p, 'simulation_flags', 1) ?? []) as string[]
      const b = chain.block(param(p, 'block_id', 2))
      if (!Array.isArray(txs) || txs.length === 0 || txs.length > 16) throw new RpcFailure(-32602, 'Invalid params: 1 to 16 transactions')
      return txs.map((raw, i) => {
        const tx = invokeOf(raw)
        const skipValidate = flags.includes('SKIP_VALIDATE') || tx.signature.length === 0
        let usage
        try {
          usage = chain.validate(tx, { skipValidate, skipFeeCharge: method === 'starknet_estimateFee' || flags.includes('SKIP_FEE_CHARGE') }).usage
        } catch (err) {
          if (err instanceof RpcFailure) throw new RpcFailure(41, 'Transaction execution error', { transaction_index: i, execution_error: err.message + (err.data === undefined ? '' : `: ${String(err.data)}`) })
          throw err
        }
        const out = chain.run(tx, chain.pending.number === b.number ? b : chain.pending)
        if (method === 'starknet_estimateFee') {
          if (out.reverted !== undefined) throw new RpcFailure(41, 'Transaction execution error', { transaction_index: i, execution_error: out.reverted })
          return feeEstimate(usage)
        }
        const invocation = out.reverted !== undefined
          ? { revert_reason: out.reverted }
          : { contract_address: hx(tx.sender_address), entry_point_selector: hx(BigInt(hash.getSelectorFromName('__execute__'))), calldata: tx.calldata.map(hx), caller_address: '0x0', class_hash: hx(chain.classOf(b, tx.sender_address)!), entry_point_type: 'EXTERNAL', call_type: 'CALL', result: [], calls: [], events: out.events.map((e, order) => ({ order, keys: e.keys.map(hx), data: e.data.map(hx) })), messages: [], execution_resources: { l1_gas: 0, l2_gas: Number(usage.l2) }, is_reverted: false }
        return {
          transaction_trace: { type: 'INVOKE', execute_invocation: invocation, execution_resources: { l1_gas: Number(usage.l1), l1_data_gas: Number(usage.l1Data), l2_gas: Number(usage.l2) } },
          fee_estimation: feeEstimate(usage)
        }
      })
    }
    case 'starknet_addInvokeTransaction': {
      const t = chain.submit(invokeOf(param(p, 'invoke_transaction', 0)))
      return { transaction_hash: hx(t.hash) }
    }
    case 'starknet_getTransactionReceipt': {
      return receipt(chain, txOf(chain, param(p, 'transaction_hash', 0)))
    }
    case 'starknet_getTransactionStatus': {
      const t = txOf(chain, param(p, 'transaction_hash', 0))
      return { finality_status: txFinality(chain, t), execution_status: t.reverted === undefined ? 'SUCCEEDED' : 'REVERTED' }
    }
    case 'starknet_getTransactionByHash': {
      const t = txOf(chain, param(p, 'transaction_hash', 0))
      return { transaction_hash: hx(t.hash), type: 'INVOKE', version: '0x3', ...jsonTx(t.body) }
    }
    case 'starknet_getEvents': return events(chain, param(p, 'filter', 0) as Record<string, unknown>)
    case 'devnet_increaseTime': {
      const secs = Number(param(p, 'time', 0))
      if (!Number.isSafeInteger(secs) || secs < 0) throw new RpcFailure(-32602, 'Invalid params: time is whole seconds')
      chain.advance(secs * 1000)
      return { timestamp_increased_by: secs, block_number: chain.latest.number }
    }
    default: throw new RpcFailure(-32601, `Method not found: ${method}`)
  }
}

function txOf (chain: DevnetChain, h: unknown): Tx {
  const t = chain.txs.get(felt(h, 'transaction_hash'))
  if (t === undefined) throw new RpcFailure(29, 'Transaction hash not found')
  return t
}

function jsonTx (t: InvokeV3): Record<string, unknown> {
  const r = (x: Resources): Record<string, string> => ({ max_amount: hx(x.max_amount), max_price_per_unit: hx(x.max_price_per_unit) })
  return {
    sender_address: hx(t.sender_address), calldata: t.calldata.map(hx), signature: t.signature.map(hx), nonce: hx(t.nonce),
    resource_bounds: { l1_gas: r(t.resource_bounds.l1_gas), l2_gas: r(t.resource_bounds.l2_gas), l1_data_gas: r(t.resource_bounds.l1_data_gas) },
    tip: hx(t.tip), paymaster_data: t.paymaster_data.map(hx), account_deployment_data: t.account_deployment_data.map(hx),
    nonce_data_availability_mode: t.nonce_data_availability_mode, fee_data_availability_mode: t.fee_data_availability_mode
  }
}

/** starknet_getEvents: closed blocks in [from, to] (pre_confirmed too when asked), key filter per position, pages by continuation token. */
function events (chain: DevnetChain, f: Record<string, unknown>): unknown {
  if (f === null || typeof f !== 'object') throw new RpcFailure(-32602, 'Invalid params: filter')
  const chunk = Number(f.chunk_size)
  if (!Number.isSafeInteger(chunk) || chunk < 1) throw new RpcFailure(-32602, 'Invalid params: chunk_size')
  if (chunk > MAX_CHUNK) throw new RpcFailure(31, 'Requested page size is too big')
  const from = f.from_block === undefined ? 0 : chain.block(f.from_block).number
  const to = f.to_block === undefined ? chain.latest.number : chain.block(f.to_block).number
  const address = f.address === undefined ? undefined : felt(f.address, 'address')
  const keys = f.keys === undefined ? [] : (f.keys as unknown[]).map((k, i) => felts(k, `keys[${i}]`))
  if (keys.length > 16) throw new RpcFailure(34, 'Too many keys provided in a filter')
  let start = 0
  if (f.continuation_token !== undefined) {
    start = Number(f.continuation_token)
    if (typeof f.continuation_token !== 'string' || !/^\d+$/.test(f.continuation_token)) throw new RpcFailure(33, 'The supplied continuation token is invalid or unknown')
  }
  const out: unknown[] = []
  let seen = 0
  for (const b of chain.blocks.slice(from, to + 1)) {
    for (const t of b.txs) {
      for (const e of t.events) {
        if (address !== undefined && e.from !== address) continue
        if (!keys.every((ks, i) => ks.length === 0 || (e.keys[i] !== undefined && ks.includes(e.keys[i]!)))) continue
        if (seen++ < start) continue
        if (out.length === chunk) return { events: out, continuation_token: String(start + chunk) }
        out.push({
          from_address: hx(e.from), keys: e.keys.map(hx), data: e.data.map(hx),
          ...(b.status === 'PRE_CONFIRMED' ? {} : { block_hash: hx(b.hash) }), block_number: b.number, transaction_hash: hx(t.hash)
        })
      }
    }
  }
  return { events: out }
}

async function body (req: IncomingMessage): Promise<string> {
  let size = 0
  const parts: Buffer[] = []
  for await (const c of req) {
    size += (c as Buffer).length
    if (size > MAX_BODY) throw new RpcFailure(-32600, 'request too large')
    parts.push(c as Buffer)
  }
  return Buffer.concat(parts).toString('utf8')
}

function answer (chain: DevnetChain, msg: unknown): unknown {
  const m = msg as { id?: unknown, method?: unknown, params?: unknown }
  const id = m?.id ?? null
  try {
    if (typeof m?.method !== 'string') throw new RpcFailure(-32600, 'Invalid request')
    const params = (m.params ?? {}) as Params
    return { jsonrpc: '2.0', id, result: handle(chain, m.method, params) }
  } catch (err) {
    const e = err instanceof RpcFailure ? err : new RpcFailure(-32603, `Internal error: ${(err as Error).message}`)
    return { jsonrpc: '2.0', id, error: { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) } }
  }
}

export async function serveRpc (chain: DevnetChain, host = '127.0.0.1', port = 0): Promise<{ server: Server, url: string }> {
  const server = createServer((req, res) => {
    if (req.method !== 'POST') { res.writeHead(405).end(); return }
    body(req).then((text) => {
      let msg: unknown
      try { msg = JSON.parse(text) } catch { msg = undefined }
      const out = msg === undefined
        ? { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }
        : Array.isArray(msg)
          ? (msg.length > MAX_BATCH ? { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch too large' } } : msg.map((x) => answer(chain, x)))
          : answer(chain, msg)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out))
    }, () => { res.writeHead(413).end() })
  })
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => { resolve() }) })
  const addr = server.address() as AddressInfo
  return { server, url: `http://${host}:${addr.port}` }
}
