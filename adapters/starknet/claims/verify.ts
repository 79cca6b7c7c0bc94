// Verifies Starknet claims with starknet_getStorageProof: the block (hash and new_root) is
// taken from every endpoint and must agree (≥ 2 distinct endpoints), or its hash must equal
// a pinned checkpoint; each endpoint's proof is then walked here: its global roots must
// commit to that new_root (Poseidon('STARKNET_STATE_V0', contracts root, classes root)),
// the contract's leaf (Pedersen over class hash, storage root, nonce) must sit at its
// address in the contracts trie, and each storage key's value under that storage root.
// An endpoint that serves no proofs (error 42, or no such method) states the value with
// getStorageAt / getNonce / getClassHashAt; it must equal the proven value. When no
// endpoint proves anything, the value rests on their agreement alone (`quorum`).
import { shortString } from 'starknet'
import type { ClaimResult, ClaimVerifyInit, RestsOn } from '../../../src/claims/types.ts'
import { ClaimRejectedError, EndpointDisagreementError } from '../../../src/claims/errors.ts'
import { InvalidClaimError } from '../../../src/claims/statement.ts'
import { StarknetRpcError } from '../errors.ts'
import { STRK_TOKEN } from '../felts.ts'
import { P, ProofError, contractLeaf, erc20BalanceKeys, pedersen, stateCommitment, verifyPath, type MerkleNode } from '../trie.ts'
import type { StarknetStatement } from './statement.ts'

const TIMEOUT_MS = 15_000
const FELT = /^0x[0-9a-fA-F]{1,64}$/
const hx = (v: bigint): string => '0x' + v.toString(16)
const MASK128 = (1n << 128n) - 1n

type Answer = { ok: true, result: unknown } | { ok: false, code: number, message: string }

async function call (url: string, method: string, params: Record<string, unknown>): Promise<Answer> {
  let body: unknown
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(TIMEOUT_MS) })
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    body = await res.json()
  } catch (err) {
    throw new StarknetRpcError(`Starknet endpoint ${url} failed on ${method}: ${(err as Error).message}`, { cause: err })
  }
  const b = body as { result?: unknown, error?: { code?: unknown, message?: unknown } } | null
  if (b === null || typeof b !== 'object') throw new ClaimRejectedError(`${url} sent a malformed JSON-RPC answer to ${method}`)
  if (b.error !== undefined) return { ok: false, code: Number(b.error?.code), message: String(b.error?.message).slice(0, 200) }
  return { ok: true, result: b.result }
}

async function result (url: string, method: string, params: Record<string, unknown>): Promise<unknown> {
  const a = await call(url, method, params)
  if (!a.ok) throw new StarknetRpcError(`Starknet endpoint ${url} failed on ${method}: ${a.message} (${a.code})`)
  return a.result
}

/** A felt field of an endpoint's answer; ClaimRejectedError naming the endpoint and the field. */
function feltOf (url: string, v: unknown, field: string): bigint {
  if (typeof v !== 'string' || !FELT.test(v) || BigInt(v) >= P) throw new ClaimRejectedError(`${url} sent a malformed ${field}`, { details: `got ${JSON.stringify(v)?.slice(0, 80)}` })
  return BigInt(v)
}

interface BlockRef { number: number, hash: bigint, root: bigint, timestamp: number }

async function header (url: string, blockId: unknown): Promise<BlockRef> {
  const a = await call(url, 'starknet_getBlockWithTxHashes', { block_id: blockId })
  if (!a.ok && a.code === 24) throw new EndpointDisagreementError(`${url} has no block ${JSON.stringify(blockId)}`, { hint: 'the endpoints serve different chains, or one is behind' })
  if (!a.ok) throw new StarknetRpcError(`Starknet endpoint ${url} failed on starknet_getBlockWithTxHashes: ${a.message} (${a.code})`)
  const b = a.result as Record<string, unknown> | null
  if (b === null || typeof b !== 'object') throw new ClaimRejectedError(`${url} sent a malformed block header`)
  // A pre-confirmed block has no hash or root yet: that endpoint has not closed the block.
  if (b.block_hash === undefined && b.new_root === undefined && b.status === undefined) throw new EndpointDisagreementError(`${url} has not closed block ${JSON.stringify(blockId)} yet`, { hint: 'the endpoints serve different chains, or one is behind' })
  if (typeof b.block_number !== 'number' || !Number.isSafeInteger(b.block_number) || b.block_number < 0) throw new ClaimRejectedError(`${url} sent a malformed block header field block_number`)
  if (typeof b.timestamp !== 'number' || !Number.isSafeInteger(b.timestamp)) throw new ClaimRejectedError(`${url} sent a malformed block header field timestamp`)
  return { number: b.block_number, hash: feltOf(url, b.block_hash, 'block header field block_hash'), root: feltOf(url, b.new_root, 'block header field new_root'), timestamp: b.timestamp }
}

/** The block every endpoint agrees on (hash and state root), or the one that hashes to the checkpoint. */
async function agreedBlock (init: ClaimVerifyInit): Promise<{ block: BlockRef, restsOn: RestsOn }> {
  if (init.checkpoint !== undefined) {
    const c = init.checkpoint
    if (!FELT.test(c.hash)) throw new InvalidClaimError('claim options: a Starknet checkpoint hash is a felt (0x and up to 64 hex digits)')
    const all = await Promise.all(init.endpoints.map(async (u) => await header(u, { block_number: c.number })))
    const off = all.findIndex((b) => b.hash !== BigInt(c.hash))
    if (off >= 0) throw new ClaimRejectedError(`${init.endpoints[off]} gives block ${c.number} another hash than the pinned checkpoint`, { details: `pinned ${c.hash}, got ${hx(all[off]!.hash)}` })
    if (new Set(all.map((b) => b.root)).size !== 1) throw new ClaimRejectedError('endpoints give the pinned block different state roots', { details: all.map((b, i) => `${init.endpoints[i]} ${hx(b.root)}`).join(' vs ') })
    return { block: all[0]!, restsOn: 'proof+checkpoint' }
  }
  if (init.endpoints.length < 2) throw new ClaimRejectedError('a quorum needs at least 2 endpoints', { hint: 'configure a second independent endpoint or pin a checkpoint' })
  const first = await header(init.endpoints[0]!, init.block === undefined || init.block === 'latest' ? 'latest' : { block_number: init.block })
  const all = [first, ...await Promise.all(init.endpoints.slice(1).map(async (u) => await header(u, { block_number: first.number })))]
  if (new Set(all.map((b) => `${b.hash}:${b.root}`)).size !== 1) {
    throw new EndpointDisagreementError('endpoints disagree on the block', { details: `block ${first.number}: ${all.map((b, i) => `${init.endpoints[i]} ${hx(b.hash)} root ${hx(b.root)}`).join(' vs ')}` })
  }
  return { block: first, restsOn: 'proof+quorum' }
}

async function checkNetwork (init: ClaimVerifyInit): Promise<void> {
  if (init.network === undefined) return
  await Promise.all(init.endpoints.map(async (url) => {
    const id = feltOf(url, await result(url, 'starknet_chainId', {}), 'chain id')
    const name = shortString.decodeShortString(hx(id))
    if (name !== init.network) throw new ClaimRejectedError(`${url} serves chain ${name}, the claim is about chain ${init.network}`, { hint: 'claims.<chain>.rpc must name endpoints of the network the claim is about' })
  }))
}

/** The contract and storage keys a statement reads, and how the read felts make its value. */
function plan (s: StarknetStatement): { contract: bigint, keys: bigint[], value: (read: { nonce: bigint, classHash: bigint, words: bigint[] }) => bigint, assumes?: string } {
  switch (s.kind) {
    case 'storage': return { contract: BigInt(s.contract), keys: [BigInt(s.key)], value: (r) => r.words[0]! }
    case 'nonce': return { contract: BigInt(s.contract), keys: [], value: (r) => r.nonce }
    case 'class-hash': return { contract: BigInt(s.contract), keys: [], value: (r) => r.classHash }
    case 'token-balance':
    case 'balance': {
      const token = s.kind === 'balance' ? STRK_TOKEN : BigInt(s.token)
      const holder = BigInt(s.kind === 'balance' ? s.account : s.holder)
      return {
        contract: BigInt(token),
        keys: erc20BalanceKeys(holder),
        value: (r) => {
          if (r.words[0]! > MASK128 || r.words[1]! > MASK128) throw new ClaimRejectedError('the proven balance words are not a u256 (low, high)', { hint: 'the token may not use the OpenZeppelin Cairo storage layout' })
          return r.words[0]! | (r.words[1]! << 128n)
        },
        assumes: 'balances in ERC20_balances (OpenZeppelin Cairo storage layout)'
      }
    }
  }
}

function nodeMap (url: string, v: unknown, what: string): Map<bigint, MerkleNode> {
  if (!Array.isArray(v) || v.length > 10_000) throw new ClaimRejectedError(`${url} sent a malformed ${what} node list`)
  const out = new Map<bigint, MerkleNode>()
  for (const e of v as Array<{ node_hash?: unknown, node?: Record<string, unknown> }>) {
    const n = e?.node
    if (n === null || typeof n !== 'object') throw new ClaimRejectedError(`${url} sent a malformed ${what} node`)
    const node: MerkleNode = 'left' in n
      ? { left: feltOf(url, n.left, `${what} node left`), right: feltOf(url, n.right, `${what} node right`) }
      : { path: feltOf(url, n.path, `${what} node path`), length: typeof n.length === 'number' ? n.length : -1, child: feltOf(url, n.child, `${what} node child`) }
    out.set(feltOf(url, e.node_hash, `${what} node_hash`), node)
  }
  return out
}

/** The value one endpoint proves at `block`, or undefined when it serves no storage proofs. */
async function proven (url: string, s: StarknetStatement, block: BlockRef): Promise<bigint | undefined> {
  const p = plan(s)
  const a = await call(url, 'starknet_getStorageProof', {
    block_id: { block_hash: hx(block.hash) },
    contract_addresses: [hx(p.contract)],
    contracts_storage_keys: p.keys.length === 0 ? [] : [{ contract_address: hx(p.contract), storage_keys: p.keys.map(hx) }]
  })
  if (!a.ok && (a.code === 42 || a.code === -32601)) return undefined
  if (!a.ok) throw new StarknetRpcError(`Starknet endpoint ${url} failed on starknet_getStorageProof: ${a.message} (${a.code})`)
  const r = a.result as Record<string, any> | null
  if (r === null || typeof r !== 'object' || r.global_roots === null || typeof r.global_roots !== 'object' || r.contracts_proof === null || typeof r.contracts_proof !== 'object') throw new ClaimRejectedError(`${url} sent a malformed storage proof`)
  const g = r.global_roots
  if (feltOf(url, g.block_hash, 'global_roots.block_hash') !== block.hash) throw new ClaimRejectedError(`${url} sent a proof for another block than the agreed one`)
  const contractsRoot = feltOf(url, g.contracts_tree_root, 'global_roots.contracts_tree_root')
  const classesRoot = feltOf(url, g.classes_tree_root, 'global_roots.classes_tree_root')
  if (stateCommitment(contractsRoot, classesRoot) !== block.root) throw new ClaimRejectedError(`${url} sent global roots that do not commit to the block's state root`, { details: `new_root ${hx(block.root)}` })
  const walk = (root: bigint, key: bigint, nodes: Map<bigint, MerkleNode>, what: string): bigint => {
    try { return verifyPath(pedersen, root, key, nodes) } catch (err) {
      if (err instanceof ProofError) throw new ClaimRejectedError(`${url} sent a ${what} proof that does not verify against the root`, { details: err.message })
      throw err
    }
  }
  const leaf = walk(contractsRoot, p.contract, nodeMap(url, r.contracts_proof.nodes, 'contracts'), 'contract')
  // No leaf: no contract there (nonce, class and every slot 0).
  if (leaf === 0n) return p.value({ nonce: 0n, classHash: 0n, words: p.keys.map(() => 0n) })
  const data = r.contracts_proof.contract_leaves_data
  if (!Array.isArray(data) || data.length !== 1 || data[0] === null || typeof data[0] !== 'object') throw new ClaimRejectedError(`${url} sent malformed contract_leaves_data`)
  const nonce = feltOf(url, data[0].nonce, 'contract nonce')
  const classHash = feltOf(url, data[0].class_hash, 'contract class_hash')
  const storageRoot = feltOf(url, data[0].storage_root, 'contract storage_root')
  if (contractLeaf(classHash, storageRoot, nonce) !== leaf) throw new ClaimRejectedError(`${url} sent contract leaf data that does not hash to the proven leaf`)
  let words: bigint[] = []
  if (p.keys.length > 0) {
    const proofs = r.contracts_storage_proofs
    if (!Array.isArray(proofs) || proofs.length !== 1) throw new ClaimRejectedError(`${url} sent malformed contracts_storage_proofs`)
    const nodes = nodeMap(url, proofs[0], 'storage')
    words = p.keys.map((k) => walk(storageRoot, k, nodes, 'storage'))
  }
  return p.value({ nonce, classHash, words })
}

/** The value an endpoint without proofs states, by the plain reads. */
async function stated (url: string, s: StarknetStatement, block: BlockRef): Promise<bigint> {
  const p = plan(s)
  const at = { block_hash: hx(block.hash) }
  const read = async (method: string, params: Record<string, unknown>): Promise<bigint> => {
    const a = await call(url, method, params)
    // No contract at that address: nothing stored, nonce and class 0 (as a proof would show).
    if (!a.ok && a.code === 20) return 0n
    if (!a.ok) throw new StarknetRpcError(`Starknet endpoint ${url} failed on ${method}: ${a.message} (${a.code})`)
    return feltOf(url, a.result, `${method} answer`)
  }
  if (s.kind === 'nonce') return p.value({ nonce: await read('starknet_getNonce', { block_id: at, contract_address: hx(p.contract) }), classHash: 0n, words: [] })
  if (s.kind === 'class-hash') return p.value({ nonce: 0n, classHash: await read('starknet_getClassHashAt', { block_id: at, contract_address: hx(p.contract) }), words: [] })
  const words = await Promise.all(p.keys.map(async (k) => await read('starknet_getStorageAt', { contract_address: hx(p.contract), key: hx(k), block_id: at })))
  return p.value({ nonce: 0n, classHash: 0n, words })
}

export async function verifyStarknetClaim (statement: StarknetStatement, init: ClaimVerifyInit): Promise<ClaimResult> {
  if (new Set(init.endpoints).size !== init.endpoints.length) throw new InvalidClaimError('claim options: an endpoint is named twice; the same endpoint twice is not a quorum', { hint: 'give ≥ 2 independent endpoints' })
  await checkNetwork(init)
  const { block, restsOn } = await agreedBlock(init)
  const answers = await Promise.all(init.endpoints.map(async (u) => {
    const p = await proven(u, statement, block)
    return p !== undefined ? { url: u, proof: true, value: p } : { url: u, proof: false, value: await stated(u, statement, block) }
  }))
  const proofs = answers.filter((a) => a.proof)
  const assumes = plan(statement).assumes
  const base = { statement, block: { number: block.number, hash: hx(block.hash), timestamp: block.timestamp }, agreedBy: init.endpoints, ...(assumes !== undefined ? { assumes } : {}) }
  if (proofs.length > 0) {
    // Proven against the agreed root: an endpoint stating otherwise is wrong, and named.
    const value = proofs[0]!.value
    const liar = answers.find((a) => a.value !== value)
    if (liar !== undefined) throw new ClaimRejectedError(`${liar.url} stated a value the proofs do not support`, { details: `stated ${hx(liar.value)}, proven ${hx(value)}` })
    return { ...base, value: hx(value), restsOn }
  }
  // No endpoint serves proofs: agreement only, and a checkpoint would leave one endpoint's word.
  if (restsOn === 'proof+checkpoint') throw new ClaimRejectedError('no endpoint serves storage proofs: with a checkpoint the value would rest on one endpoint\'s word', { hint: 'give ≥ 2 independent endpoints instead' })
  if (new Set(answers.map((a) => a.value)).size !== 1) {
    throw new EndpointDisagreementError(`endpoints disagree on the ${statement.kind} at block ${block.number}`, { details: answers.map((a) => `${a.url}: ${hx(a.value)}`).join('; '), hint: 'at least one endpoint is wrong or lying; which one cannot be told without a proof' })
  }
  return { ...base, value: hx(answers[0]!.value), restsOn: 'quorum' }
}
