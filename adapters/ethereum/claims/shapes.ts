// The shapes of what an endpoint answers (a block header, an eth_getProof answer), checked
// field by field before anything is hashed or walked: junk from a lying or broken endpoint
// is a ClaimRejectedError saying which field, never a TypeError.
import { ClaimRejectedError } from '../../../src/claims/errors.ts'

export type Hex = `0x${string}`

/** Most nodes of one Merkle-Patricia proof (a path is at most 64 nibbles deep, plus extensions). */
export const MAX_PROOF_NODES = 80
/** Largest proof node: a branch of 16 hashes and a value (RLP). */
export const MAX_PROOF_NODE_BYTES = 4096

const HEX = /^0x([0-9a-fA-F]{2})*$/
const QUANTITY = /^0x(0|[1-9a-fA-F][0-9a-fA-F]{0,63})$/

function reject (endpoint: string, what: string, v: unknown): never {
  const s = JSON.stringify(v) ?? String(v)
  throw new ClaimRejectedError(`${endpoint} sent a malformed ${what}`, { details: `got ${s.length > 80 ? s.slice(0, 77) + '…' : s}` })
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Hex data of `bytes` bytes (any length when undefined). */
function data (endpoint: string, what: string, v: unknown, bytes?: number): Hex {
  if (typeof v !== 'string' || !HEX.test(v) || (bytes !== undefined && v.length !== 2 + 2 * bytes)) return reject(endpoint, what, v)
  return v.toLowerCase() as Hex
}

function quantity (endpoint: string, what: string, v: unknown): Hex {
  // Some endpoints pad quantities with zeros; the value is what counts.
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(v)) return reject(endpoint, what, v)
  const q = ('0x' + BigInt(v).toString(16)) as Hex
  return QUANTITY.test(q) ? q : reject(endpoint, what, v)
}

/** Header fields (in RLP order) and their shapes: 32-byte hashes, quantities or data. */
export const HEADER_FIELDS: ReadonlyArray<[string, 'hash' | 'address' | 'bloom' | 'quantity' | 'data' | 'nonce']> = [
  ['parentHash', 'hash'], ['sha3Uncles', 'hash'], ['miner', 'address'], ['stateRoot', 'hash'], ['transactionsRoot', 'hash'],
  ['receiptsRoot', 'hash'], ['logsBloom', 'bloom'], ['difficulty', 'quantity'], ['number', 'quantity'], ['gasLimit', 'quantity'],
  ['gasUsed', 'quantity'], ['timestamp', 'quantity'], ['extraData', 'data'], ['mixHash', 'hash'], ['nonce', 'nonce'],
  ['baseFeePerGas', 'quantity'], ['withdrawalsRoot', 'hash'], ['blobGasUsed', 'quantity'], ['excessBlobGas', 'quantity'],
  ['parentBeaconBlockRoot', 'hash'], ['requestsHash', 'hash']
]
const SIZES = { hash: 32, address: 20, bloom: 256, nonce: 8 } as const

/** A block header as eth_getBlockByNumber gives it: the fields that are hashed, and its hash. */
export interface Header {
  fields: Array<[string, Hex]>
  number: number
  hash: Hex
  stateRoot: Hex
  timestamp: number
}

export function checkHeader (endpoint: string, v: unknown): Header {
  if (v === null) throw new ClaimRejectedError(`${endpoint} has no such block`)
  if (!isRecord(v)) return reject(endpoint, 'block header', v)
  const fields: Array<[string, Hex]> = []
  for (const [name, shape] of HEADER_FIELDS) {
    const x = v[name]
    if (x == null) break // later forks' fields are only present after earlier ones
    const what = `block header field ${name}`
    fields.push([name, shape === 'quantity' ? quantity(endpoint, what, x) : data(endpoint, what, x, shape === 'data' ? undefined : SIZES[shape])])
  }
  if (fields.length < 15) return reject(endpoint, 'block header (fields missing)', Object.keys(v))
  const get = (name: string): Hex => fields.find(([n]) => n === name)![1]
  const number = Number(get('number'))
  const timestamp = Number(get('timestamp'))
  if (!Number.isSafeInteger(number) || !Number.isSafeInteger(timestamp)) return reject(endpoint, 'block number or timestamp', v.number)
  return { fields, number, hash: data(endpoint, 'block hash', v.hash, 32), stateRoot: get('stateRoot'), timestamp }
}

export interface ProofAnswer {
  accountProof: Hex[]
  balance: Hex
  codeHash: Hex
  storageHash: Hex
  storageProof: Array<{ key: Hex, value: Hex, proof: Hex[] }>
}

function proof (endpoint: string, what: string, v: unknown): Hex[] {
  if (!Array.isArray(v) || v.length > MAX_PROOF_NODES) return reject(endpoint, what, v)
  return v.map((n) => {
    const node = data(endpoint, `${what} node`, n)
    return node.length > 2 + 2 * MAX_PROOF_NODE_BYTES ? reject(endpoint, `${what} node (too large)`, node.slice(0, 20)) : node
  })
}

/** An eth_getProof answer for `slots` storage slots. */
export function checkProofAnswer (endpoint: string, v: unknown, slots: number): ProofAnswer {
  if (!isRecord(v)) return reject(endpoint, 'eth_getProof answer', v)
  const sp = v.storageProof
  if (!Array.isArray(sp) || sp.length !== slots) return reject(endpoint, `storage proof list (${slots} expected)`, sp)
  return {
    accountProof: proof(endpoint, 'account proof', v.accountProof),
    balance: quantity(endpoint, 'balance', v.balance),
    codeHash: data(endpoint, 'code hash', v.codeHash, 32),
    storageHash: data(endpoint, 'storage hash', v.storageHash, 32),
    storageProof: sp.map((s: unknown) => {
      if (!isRecord(s)) return reject(endpoint, 'storage proof entry', s)
      return { key: quantity(endpoint, 'storage key', s.key), value: quantity(endpoint, 'storage value', s.value), proof: proof(endpoint, 'storage proof', s.proof) }
    })
  }
}
