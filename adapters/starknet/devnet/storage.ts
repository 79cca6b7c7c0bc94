// The context config contract's storage as Cairo lays it out (contracts/starknet/src/lib.cairo,
// `struct Storage`): felt slots addressed as Starknet addresses them, so getStorageAt and a
// storage proof read the slots a compiled contract would have.
//  - a plain variable: sn_keccak(name);
//  - a Map entry: Pedersen chained over the key's felts (a u256 is (low, high), a tuple its
//    elements in order), starting from sn_keccak(name), then reduced below 2^251 - 256;
//  - a value wider than one felt (u256, a struct) takes consecutive slots from there, a
//    struct's members in declaration order.
import { hash } from 'starknet'

const ADDRESS_BOUND = 2n ** 251n - 256n
const MASK128 = (1n << 128n) - 1n
const bases = new Map<string, bigint>()

/** sn_keccak(name): a storage variable's base address. */
export function varBase (name: string): bigint {
  let b = bases.get(name)
  if (b === undefined) { b = BigInt(hash.starknetKeccak(name)); bases.set(name, b) }
  return b
}

const addresses = new Map<string, bigint>()

/** The address of Map entry `name[key]`, where `key` is the key's Serde felts (remembered: Pedersen is slow in JavaScript). */
export function mapAddress (name: string, key: readonly bigint[]): bigint {
  const memo = `${name}:${key.map((k) => k.toString(36)).join(':')}`
  let a = addresses.get(memo)
  if (a === undefined) {
    let h = varBase(name)
    for (const k of key) h = BigInt(hash.computePedersenHash(h, k))
    a = h % ADDRESS_BOUND
    if (addresses.size >= 200_000) addresses.clear()
    addresses.set(memo, a)
  }
  return a
}

/** A u256 key or value as Cairo serialises it: (low, high). */
export const u256 = (v: bigint): [bigint, bigint] => [v & MASK128, v >> 128n]

/** The member types of lib.cairo's stored structs, in declaration order: how many slots each takes. */
export const LAYOUT = {
  Member: ['role', 'caps', 'index'],
  Invitation: ['kind', 'role', 'revoked', 'max_uses', 'uses', 'expires_at', 'target', 'created_by'],
  Proposal: ['author', 'created_at', 'index', 'approvals', 'actions_len']
} as const
const WIDE = new Set(['target', 'created_by', 'author'])
export type StructName = keyof typeof LAYOUT
export type StructValue<S extends StructName> = Record<typeof LAYOUT[S][number], bigint>

/** The contract's felt storage: address → value; a slot never written reads 0. */
export class FeltStore {
  private readonly slots: Map<bigint, bigint>
  constructor (slots: Map<bigint, bigint> = new Map()) { this.slots = slots }

  clone (): FeltStore { return new FeltStore(new Map(this.slots)) }
  storageAt (address: bigint): bigint { return this.slots.get(address) ?? 0n }
  /** Every non-zero slot (what the storage trie holds: a zero leaf is no leaf). */
  storageEntries (): Iterable<[bigint, bigint]> { return this.slots.entries() }

  private put (address: bigint, value: bigint): void {
    if (value === 0n) this.slots.delete(address); else this.slots.set(address, value)
  }

  /** A one-felt variable or Map entry. */
  read (name: string, key: readonly bigint[] = []): bigint {
    return this.storageAt(key.length === 0 ? varBase(name) : mapAddress(name, key))
  }

  write (name: string, key: readonly bigint[], value: bigint): void {
    this.put(key.length === 0 ? varBase(name) : mapAddress(name, key), value)
  }

  /** A u256 entry: low at the address, high at the next slot. */
  readU256 (name: string, key: readonly bigint[]): bigint {
    const a = mapAddress(name, key)
    return this.storageAt(a) | (this.storageAt(a + 1n) << 128n)
  }

  writeU256 (name: string, key: readonly bigint[], value: bigint): void {
    const a = mapAddress(name, key); const [low, high] = u256(value)
    this.put(a, low); this.put(a + 1n, high)
  }

  /** A struct entry: its members in consecutive slots, a u256 member taking two. */
  readStruct<S extends StructName> (s: S, name: string, key: readonly bigint[]): StructValue<S> {
    let a = mapAddress(name, key)
    const out: Record<string, bigint> = {}
    for (const m of LAYOUT[s]) {
      if (WIDE.has(m)) { out[m] = this.storageAt(a) | (this.storageAt(a + 1n) << 128n); a += 2n } else { out[m] = this.storageAt(a); a += 1n }
    }
    return out as StructValue<S>
  }

  writeStruct<S extends StructName> (s: S, name: string, key: readonly bigint[], value: StructValue<S>): void {
    let a = mapAddress(name, key)
    for (const m of LAYOUT[s]) {
      const v = (value as Record<string, bigint>)[m]!
      if (WIDE.has(m)) { const [low, high] = u256(v); this.put(a, low); this.put(a + 1n, high); a += 2n } else { this.put(a, v); a += 1n }
    }
  }
}
