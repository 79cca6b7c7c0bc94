// Verifies balance and storage claims with eth_getProof: the header is fetched from every
// configured endpoint, its hash re-computed locally (RLP + keccak), and ≥ 2 endpoints must
// agree on it; then the account and storage proofs are checked against its state root.
import { RLP } from '@ethereumjs/rlp'
import { verifyMerkleProof } from '@ethereumjs/mpt'
import { bytesToHex, hexToBytes, setLengthLeft, bigIntToUnpaddedBytes, KECCAK256_NULL, KECCAK256_RLP } from '@ethereumjs/util'
import { keccak_256 as keccak256 } from '@noble/hashes/sha3.js'
import type { ClaimResult, ClaimStatement, ClaimVerifyInit } from '../../../src/claims/types.ts'
import { ClaimRejectedError, EndpointDisagreementError } from '../../../src/claims/errors.ts'
import { Rpc, providerFor } from '../rpc.ts'

type Hex = `0x${string}`

// One client per endpoint URL: the adapter's own (retries, EthereumRpcError on failure).
const clients = new Map<string, Rpc>()
async function rpc<T> (url: string, method: string, params: unknown[]): Promise<T> {
  let client = clients.get(url)
  if (client === undefined) { client = new Rpc(providerFor(url), undefined, url); clients.set(url, client) }
  return await client.send<T>(method, params)
}

const QUANTITIES = new Set(['difficulty', 'number', 'gasLimit', 'gasUsed', 'timestamp', 'baseFeePerGas', 'blobGasUsed', 'excessBlobGas'])
const FIELDS = ['parentHash', 'sha3Uncles', 'miner', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'difficulty', 'number', 'gasLimit', 'gasUsed', 'timestamp', 'extraData', 'mixHash', 'nonce', 'baseFeePerGas', 'withdrawalsRoot', 'blobGasUsed', 'excessBlobGas', 'parentBeaconBlockRoot', 'requestsHash']

/** keccak(rlp(header fields)) of an RPC block object. */
export function headerHash (block: Record<string, string>): Hex {
  const fields: Uint8Array[] = []
  for (const f of FIELDS) {
    const v = block[f]
    if (v == null) break // later forks' fields are only present after earlier ones
    fields.push(QUANTITIES.has(f) ? bigIntToUnpaddedBytes(BigInt(v)) : hexToBytes(v as Hex))
  }
  return bytesToHex(keccak256(RLP.encode(fields))) as Hex
}

type VerifyInit = ClaimVerifyInit

/** A header whose locally computed hash is agreed by ≥ 2 endpoints, or equals the checkpoint. */
async function agreedHeader (init: VerifyInit): Promise<{ header: Record<string, string>, restsOn: ClaimResult['restsOn'], agreedBy: string[] }> {
  if (init.checkpoint != null) {
    const tag = '0x' + init.checkpoint.number.toString(16)
    const header = await rpc<Record<string, string>>(init.endpoints[0], 'eth_getBlockByNumber', [tag, false])
    if (headerHash(header) !== init.checkpoint.hash.toLowerCase()) throw new ClaimRejectedError('header does not hash to the pinned checkpoint', { details: `block ${init.checkpoint.number}` })
    return { header, restsOn: 'proof+checkpoint', agreedBy: [init.endpoints[0]] }
  }
  if (init.endpoints.length < 2) throw new ClaimRejectedError('a quorum needs at least 2 endpoints', { hint: 'configure a second independent endpoint or pin a checkpoint' })
  const first = await rpc<Record<string, string>>(init.endpoints[0], 'eth_getBlockByNumber', [init.block === undefined || init.block === 'latest' ? 'latest' : '0x' + init.block.toString(16), false])
  const tag = first.number
  const headers = [first, ...await Promise.all(init.endpoints.slice(1).map(async (u) => await rpc<Record<string, string>>(u, 'eth_getBlockByNumber', [tag, false])))]
  const hashes = headers.map((h) => {
    const local = headerHash(h)
    if (local !== h.hash.toLowerCase()) throw new ClaimRejectedError('an endpoint sent a header whose hash does not match its fields', { details: `claimed ${h.hash}, computed ${local}` })
    return local
  })
  if (new Set(hashes).size !== 1) throw new EndpointDisagreementError('endpoints disagree on the block', { details: `block ${Number(tag)}: ${hashes.join(' vs ')}` })
  return { header: first, restsOn: 'proof+quorum', agreedBy: init.endpoints }
}

interface ProofAnswer { accountProof: Hex[], balance: Hex, nonce: Hex, codeHash: Hex, storageHash: Hex, storageProof: Array<{ key: Hex, value: Hex, proof: Hex[] }> }

async function checked (what: string, run: () => Promise<Uint8Array | null>): Promise<Uint8Array | null> {
  try { return await run() } catch (err) { throw new ClaimRejectedError(`${what} proof does not verify against the root`, { cause: err, details: (err as Error).message }) }
}

/** The Solidity slot of mapping[key] for a mapping at slot `index`: keccak(pad32(key) . pad32(index)). */
export function mappingSlot (key: string, index: number): Hex {
  const buf = new Uint8Array(64)
  buf.set(setLengthLeft(hexToBytes(key as Hex), 32), 0)
  buf.set(setLengthLeft(bigIntToUnpaddedBytes(BigInt(index)), 32), 32)
  return bytesToHex(keccak256(buf)) as Hex
}

export async function verifyClaim (statement: ClaimStatement, init: VerifyInit): Promise<ClaimResult> {
  if (statement.kind === 'token-balance') {
    const r = await verifyStorage({ kind: 'storage', account: statement.token, slot: mappingSlot(statement.holder, statement.slotIndex) }, init)
    return { ...r, statement, assumes: `balances at slot ${statement.slotIndex}` }
  }
  if (statement.kind === 'nft-owner') {
    const key = '0x' + BigInt(statement.tokenId).toString(16).padStart(64, '0')
    const r = await verifyStorage({ kind: 'storage', account: statement.token, slot: mappingSlot(key, statement.slotIndex) }, init)
    return { ...r, statement, value: '0x' + BigInt(r.value).toString(16).padStart(40, '0'), assumes: `owners at slot ${statement.slotIndex}` }
  }
  return await verifyStorage(statement, init)
}

async function verifyStorage (statement: Exclude<ClaimStatement, { kind: 'token-balance' | 'nft-owner' }>, init: VerifyInit): Promise<ClaimResult> {
  const { header, restsOn, agreedBy } = await agreedHeader(init)
  const slot = statement.kind === 'storage' ? ('0x' + BigInt(statement.slot).toString(16).padStart(64, '0')) as Hex : undefined
  const slots = slot === undefined ? [] : [slot]
  const p = await rpc<ProofAnswer>(init.endpoints[0], 'eth_getProof', [statement.account, slots, header.number])
  const stateRoot = hexToBytes(header.stateRoot as Hex)
  const leaf = await checked('account', async () => await verifyMerkleProof(keccak256(hexToBytes(statement.account as Hex)), p.accountProof.map(hexToBytes), { root: stateRoot, useKeyHashing: false }))
  // An absent account: balance 0, empty storage.
  const [, balance, storageRoot, codeHash] = leaf === null ? [new Uint8Array(), new Uint8Array(), KECCAK256_RLP, KECCAK256_NULL] : RLP.decode(leaf) as Uint8Array[]
  let value: bigint
  if (statement.kind === 'balance') {
    value = balance.length === 0 ? 0n : BigInt(bytesToHex(balance))
  } else if (statement.kind === 'code-hash') {
    const proven = bytesToHex(codeHash)
    if (p.codeHash.toLowerCase() !== proven) throw new ClaimRejectedError('the endpoint stated a value its proof does not support', { details: `stated ${p.codeHash}, proven ${proven}` })
    return { statement, value: proven, restsOn, block: { number: Number(header.number), hash: header.hash }, agreedBy }
  } else {
    const sp = p.storageProof[0]
    if (sp == null) throw new ClaimRejectedError('no storage proof in the answer')
    const key = keccak256(setLengthLeft(hexToBytes(slot as Hex), 32))
    // An empty storage trie holds nothing: every slot is 0 without a proof to walk.
    const empty = bytesToHex(storageRoot) === bytesToHex(KECCAK256_RLP)
    const raw = empty ? null : await checked('storage', async () => await verifyMerkleProof(key, sp.proof.map(hexToBytes), { root: storageRoot, useKeyHashing: false }))
    const word = raw === null ? new Uint8Array() : RLP.decode(raw) as Uint8Array
    value = word.length === 0 ? 0n : BigInt(bytesToHex(word))
  }
  // The endpoint's plain-text value must agree with the proof (a lie there is reported too).
  const stated = statement.kind === 'balance' ? BigInt(p.balance) : BigInt(p.storageProof[0].value)
  if (stated !== value) throw new ClaimRejectedError('the endpoint stated a value its proof does not support', { details: `stated ${stated}, proven ${value}` })
  return { statement, value: '0x' + value.toString(16), restsOn, block: { number: Number(header.number), hash: header.hash }, agreedBy }
}
