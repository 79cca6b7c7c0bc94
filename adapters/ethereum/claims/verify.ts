// Verifies claims with eth_getProof: the header is fetched from every configured endpoint,
// its hash re-computed locally (RLP + keccak), and ≥ 2 endpoints must agree on it (or it
// must hash to a pinned checkpoint); then every endpoint's account and storage proofs are
// checked against its state root, so each endpoint is held to the same proven value.
import { RLP } from '@ethereumjs/rlp'
import { verifyMerkleProof } from '@ethereumjs/mpt'
import { bytesToHex, hexToBytes, setLengthLeft, bigIntToUnpaddedBytes, KECCAK256_NULL, KECCAK256_RLP } from '@ethereumjs/util'
import { keccak_256 as keccak256 } from '@noble/hashes/sha3.js'
import type { ClaimResult, ClaimVerifyInit } from '../../../src/claims/types.ts'
import type { EthereumStatement } from './statement.ts'
import { ClaimRejectedError, EndpointDisagreementError } from '../../../src/claims/errors.ts'
import { InvalidClaimError } from '../../../src/claims/statement.ts'
import { Rpc, providerFor } from '../rpc.ts'
import { checkHeader, checkProofAnswer, HEADER_FIELDS, type Header, type Hex, type ProofAnswer } from './shapes.ts'

// One client per endpoint URL: the adapter's own (retries, EthereumRpcError on failure).
const clients = new Map<string, Rpc>()
async function rpc (url: string, method: string, params: unknown[]): Promise<unknown> {
  let client = clients.get(url)
  if (client === undefined) { client = new Rpc(providerFor(url), undefined, url); clients.set(url, client) }
  return await client.send<unknown>(method, params)
}

const tag = (n: number): string => '0x' + n.toString(16)

/** keccak(rlp(header fields)) of a checked header. */
export function headerHash (header: Header): Hex {
  const fields = header.fields.map(([name, v]) => QUANTITIES.has(name) ? bigIntToUnpaddedBytes(BigInt(v)) : hexToBytes(v))
  return bytesToHex(keccak256(RLP.encode(fields))) as Hex
}
const QUANTITIES = new Set(HEADER_FIELDS.filter(([, shape]) => shape === 'quantity').map(([name]) => name))

async function fetchHeader (url: string, block: string): Promise<Header> {
  const header = checkHeader(url, await rpc(url, 'eth_getBlockByNumber', [block, false]))
  const local = headerHash(header)
  if (local !== header.hash) throw new ClaimRejectedError(`${url} sent a header whose hash does not match its fields`, { details: `claimed ${header.hash}, computed ${local}` })
  return header
}

/** A header whose locally computed hash is agreed by ≥ 2 endpoints, or equals the checkpoint. */
async function agreedHeader (init: ClaimVerifyInit): Promise<{ header: Header, restsOn: ClaimResult['restsOn'] }> {
  if (init.checkpoint != null) {
    if (!/^0x[0-9a-f]{64}$/.test(init.checkpoint.hash.toLowerCase())) throw new InvalidClaimError('claim options: a checkpoint hash is 0x and 64 hex digits')
    const headers = await Promise.all(init.endpoints.map(async (u) => await fetchHeader(u, tag(init.checkpoint!.number))))
    const off = headers.find((h) => h.hash !== init.checkpoint!.hash.toLowerCase())
    if (off !== undefined) throw new ClaimRejectedError('header does not hash to the pinned checkpoint', { details: `block ${init.checkpoint.number}: pinned ${init.checkpoint.hash}, got ${off.hash}` })
    return { header: headers[0]!, restsOn: 'proof+checkpoint' }
  }
  if (init.endpoints.length < 2) throw new ClaimRejectedError('a quorum needs at least 2 endpoints', { hint: 'configure a second independent endpoint or pin a checkpoint' })
  const first = await fetchHeader(init.endpoints[0]!, init.block === undefined || init.block === 'latest' ? 'latest' : tag(init.block))
  const headers = [first, ...await Promise.all(init.endpoints.slice(1).map(async (u) => await fetchHeader(u, tag(first.number))))]
  if (new Set(headers.map((h) => h.hash)).size !== 1) throw new EndpointDisagreementError('endpoints disagree on the block', { details: `block ${first.number}: ${headers.map((h) => h.hash).join(' vs ')}` })
  return { header: first, restsOn: 'proof+quorum' }
}

async function checked (url: string, what: string, run: () => Promise<Uint8Array | null>): Promise<Uint8Array | null> {
  try { return await run() } catch (err) { throw new ClaimRejectedError(`${url} sent a ${what} proof that does not verify against the root`, { cause: err, details: (err as Error).message }) }
}

/** The Solidity slot of mapping[key] for a mapping at slot `index`: keccak(pad32(key) . pad32(index)). */
export function mappingSlot (key: string, index: number): Hex {
  const buf = new Uint8Array(64)
  buf.set(setLengthLeft(hexToBytes(key as Hex), 32), 0)
  buf.set(setLengthLeft(bigIntToUnpaddedBytes(BigInt(index)), 32), 32)
  return bytesToHex(keccak256(buf)) as Hex
}

export async function verifyClaim (statement: EthereumStatement, init: ClaimVerifyInit): Promise<ClaimResult> {
  if (statement.kind === 'token-balance') {
    const r = await verifyStorage({ kind: 'storage', account: statement.token, slot: mappingSlot(statement.holder, statement.slotIndex) }, init)
    return { ...r, statement, assumes: `balances at slot ${statement.slotIndex}` }
  }
  if (statement.kind === 'nft-owner') {
    const key = '0x' + BigInt(statement.tokenId).toString(16).padStart(64, '0')
    const r = await verifyStorage({ kind: 'storage', account: statement.token, slot: mappingSlot(key, statement.slotIndex) }, init)
    // The owner is the word's low 20 bytes (packed variables may share the word's high bytes).
    const owner = '0x' + (BigInt(r.value) & ((1n << 160n) - 1n)).toString(16).padStart(40, '0')
    return { ...r, statement, value: owner, assumes: `owners at slot ${statement.slotIndex}` }
  }
  return await verifyStorage(statement, init)
}

type PlainStatement = Exclude<EthereumStatement, { kind: 'token-balance' | 'nft-owner' }>

/** Every endpoint must serve the claim's network (a token address on another chain is another token). */
async function checkNetwork (init: ClaimVerifyInit): Promise<void> {
  if (init.network === undefined) return
  await Promise.all(init.endpoints.map(async (url) => {
    const id = await rpc(url, 'eth_chainId', [])
    if (typeof id !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(id)) throw new ClaimRejectedError(`${url} sent a malformed chain id`, { details: `got ${JSON.stringify(id)?.slice(0, 40)}` })
    if (String(BigInt(id)) !== init.network) throw new ClaimRejectedError(`${url} serves chain ${BigInt(id)}, the claim is about chain ${init.network}`, { hint: 'claims.<chain>.rpc must name endpoints of the network the claim is about' })
  }))
}

async function verifyStorage (statement: PlainStatement, init: ClaimVerifyInit): Promise<ClaimResult> {
  await checkNetwork(init)
  const { header, restsOn } = await agreedHeader(init)
  const slot = statement.kind === 'storage' ? ('0x' + BigInt(statement.slot).toString(16).padStart(64, '0')) as Hex : undefined
  // Every endpoint proves the value against the agreed root: none is taken on its word.
  const values = await Promise.all(init.endpoints.map(async (url) => {
    const answer = checkProofAnswer(url, await rpc(url, 'eth_getProof', [statement.account, slot === undefined ? [] : [slot], tag(header.number)]), slot === undefined ? 0 : 1)
    return await provenValue(url, statement, slot, answer, hexToBytes(header.stateRoot))
  }))
  return { statement, value: values[0]!, restsOn, block: { number: header.number, hash: header.hash, timestamp: header.timestamp }, agreedBy: init.endpoints }
}

async function provenValue (url: string, statement: PlainStatement, slot: Hex | undefined, p: ProofAnswer, stateRoot: Uint8Array): Promise<string> {
  const leaf = await checked(url, 'account', async () => await verifyMerkleProof(keccak256(hexToBytes(statement.account as Hex)), p.accountProof.map(hexToBytes), { root: stateRoot, useKeyHashing: false }))
  // An absent account: balance 0, empty storage.
  let fields: Uint8Array[] = [new Uint8Array(), new Uint8Array(), KECCAK256_RLP, KECCAK256_NULL]
  if (leaf !== null) {
    const decoded = RLP.decode(leaf)
    if (!Array.isArray(decoded) || decoded.length !== 4 || !decoded.every((f) => f instanceof Uint8Array)) throw new ClaimRejectedError(`${url} proved an account leaf that is not [nonce, balance, storageRoot, codeHash]`)
    fields = decoded as Uint8Array[]
  }
  const [, balance, storageRoot, codeHash] = fields as [Uint8Array, Uint8Array, Uint8Array, Uint8Array]
  const lie = (stated: string, proven: string): never => { throw new ClaimRejectedError(`${url} stated a value its proof does not support`, { details: `stated ${stated}, proven ${proven}` }) }
  if (statement.kind === 'code-hash') {
    const proven = bytesToHex(codeHash)
    if (p.codeHash !== proven) lie(p.codeHash, proven)
    return proven
  }
  let value: bigint
  if (statement.kind === 'balance') {
    value = balance.length === 0 ? 0n : BigInt(bytesToHex(balance))
    if (BigInt(p.balance) !== value) lie(String(BigInt(p.balance)), String(value))
  } else {
    const sp = p.storageProof[0]!
    const key = keccak256(setLengthLeft(hexToBytes(slot!), 32))
    // An empty storage trie holds nothing: every slot is 0 without a proof to walk.
    const empty = bytesToHex(storageRoot) === bytesToHex(KECCAK256_RLP)
    const raw = empty ? null : await checked(url, 'storage', async () => await verifyMerkleProof(key, sp.proof.map(hexToBytes), { root: storageRoot, useKeyHashing: false }))
    const word = raw === null ? new Uint8Array() : RLP.decode(raw)
    if (!(word instanceof Uint8Array) || word.length > 32) throw new ClaimRejectedError(`${url} proved a storage leaf that is not a word`)
    value = word.length === 0 ? 0n : BigInt(bytesToHex(word))
    if (BigInt(sp.value) !== value) lie(String(BigInt(sp.value)), String(value))
  }
  return '0x' + value.toString(16)
}
