// Felt encodings shared by the adapter and the devnet: u256 as (low, high), byte strings
// packed 31 bytes a felt behind their length, and the request / binding hashes the
// contract checks (contracts/starknet/src/lib.cairo: request_hash, binding_message).
import { hash, shortString } from 'starknet'

export const REQUEST_DOMAIN = BigInt(shortString.encodeShortString('moorage:starknet:request:v1'))
export const BIND_DOMAIN = BigInt(shortString.encodeShortString('moorage:starknet:bind:v1'))
const MASK128 = (1n << 128n) - 1n
/** The STRK fee token's address (mainnet, Sepolia, and the devnet). */
export const STRK_TOKEN = 0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938dn

export const hex = (v: bigint): string => '0x' + v.toString(16)

export function bytesToBig (b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex'))
}

export function bigToBytes (v: bigint, length = 32): Uint8Array {
  return new Uint8Array(Buffer.from(v.toString(16).padStart(length * 2, '0'), 'hex'))
}

/** A 32-byte id as the contract's u256: (low, high). */
export function u256Felts (b: Uint8Array): [bigint, bigint] {
  const v = bytesToBig(b)
  return [v & MASK128, v >> 128n]
}

export function feltsU256 (low: bigint, high: bigint): Uint8Array {
  return bigToBytes((high << 128n) | low)
}

/** Bytes as felts: the byte length, then 31-byte big-endian chunks. */
export function packBytes (b: Uint8Array): bigint[] {
  const out = [BigInt(b.length)]
  for (let i = 0; i < b.length; i += 31) out.push(bytesToBig(b.subarray(i, i + 31)))
  return out
}

/** The inverse of packBytes; undefined when the felts do not hold a byte string of at most `max` bytes. */
export function unpackBytes (f: readonly bigint[], max: number): Uint8Array | undefined {
  if (f.length === 0) return undefined
  const n = Number(f[0])
  if (!Number.isSafeInteger(n) || n < 0 || n > max || f.length !== 1 + Math.ceil(n / 31)) return undefined
  const out = new Uint8Array(n)
  for (let i = 0; i * 31 < n; i++) {
    const len = Math.min(31, n - i * 31)
    const v = f[1 + i]!
    if (v >= 1n << BigInt(8 * len)) return undefined
    out.set(bigToBytes(v, len), i * 31)
  }
  return out
}

export interface RequestFields { context: Uint8Array, identity: Uint8Array, nonce: bigint, kind: number, payload: bigint[] }

/** Poseidon(domain, chain id, contract, context, identity, nonce, kind, Poseidon(payload)): what the bound Stark key signs. */
export function requestHash (chainId: bigint, contract: bigint, r: RequestFields): bigint {
  return BigInt(hash.computePoseidonHashOnElements([
    REQUEST_DOMAIN, chainId, contract, ...u256Felts(r.context), ...u256Felts(r.identity), r.nonce, BigInt(r.kind),
    hash.computePoseidonHashOnElements(r.payload)
  ]))
}

/** binding_message(context, stark_key) as the bytes the identity signs (ed25519): each felt as 32 big-endian bytes. */
export function bindingMessage (chainId: bigint, contract: bigint, context: Uint8Array, starkKey: bigint): Uint8Array {
  const felts = [BIND_DOMAIN, chainId, contract, ...u256Felts(context), starkKey]
  return new Uint8Array(Buffer.concat(felts.map((f) => Buffer.from(bigToBytes(f)))))
}

/** An ed25519 signature (R ‖ s) as the contract's binding: (R.low, R.high, s.low, s.high). */
export function bindingFelts (sig: Uint8Array): bigint[] {
  return [...u256Felts(sig.subarray(0, 32)), ...u256Felts(sig.subarray(32, 64))]
}

export function bindingSignature (f: readonly bigint[]): Uint8Array | undefined {
  if (f.length !== 4 || f.some((x) => x >> 128n !== 0n)) return undefined
  return new Uint8Array([...feltsU256(f[0]!, f[1]!), ...feltsU256(f[2]!, f[3]!)])
}
