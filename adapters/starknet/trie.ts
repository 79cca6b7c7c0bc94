// Starknet's binary Merkle-Patricia tries (height 251), as the state commitment uses them:
// a leaf is its value; a binary node hashes H(left, right); an edge node (a run of `length`
// key bits with no branching, `path` those bits) hashes H(child, path) + length. An empty
// trie's root is 0. Contracts and storage tries use Pedersen, the classes trie Poseidon.
// Shared by the devnet (building tries, answering starknet_getStorageProof) and the claim
// verifier (walking a proof from a root); the hash functions are starknet.js's.
import { hash, shortString } from 'starknet'

export const HEIGHT = 251
/** The Stark field prime. */
export const P = 2n ** 251n + 17n * 2n ** 192n

export type Hash2 = (a: bigint, b: bigint) => bigint
export const pedersen: Hash2 = (a, b) => BigInt(hash.computePedersenHash(a, b))
export const poseidon: Hash2 = (a, b) => BigInt(hash.computePoseidonHash(a, b))

export type MerkleNode = { left: bigint, right: bigint } | { path: bigint, length: number, child: bigint }

export function nodeHash (h: Hash2, n: MerkleNode): bigint {
  return 'left' in n ? h(n.left, n.right) : (h(n.child, n.path) + BigInt(n.length)) % P
}

const bit = (key: bigint, depth: number): number => Number((key >> BigInt(HEIGHT - 1 - depth)) & 1n)
/** Bits [depth, depth + length) of a key, as a number. */
const bits = (key: bigint, depth: number, length: number): bigint => (key >> BigInt(HEIGHT - depth - length)) & ((1n << BigInt(length)) - 1n)

export interface Trie {
  root: bigint
  /** Every inner node by its hash. */
  nodes: Map<bigint, MerkleNode>
}

/** The trie of `entries` (key → value; zero values are absent). */
export function buildTrie (h: Hash2, entries: ReadonlyMap<bigint, bigint>): Trie {
  const nodes = new Map<bigint, MerkleNode>()
  const keys = [...entries.keys()].filter((k) => entries.get(k) !== 0n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const add = (n: MerkleNode): bigint => { const x = nodeHash(h, n); nodes.set(x, n); return x }
  // The hash of the subtree at `depth` holding keys[from, to).
  const build = (from: number, to: number, depth: number): bigint => {
    if (depth === HEIGHT) return entries.get(keys[from]!)!
    // The bits all keys share from `depth` on: an edge over them.
    let common = HEIGHT - depth
    if (to - from > 1) {
      const first = keys[from]!
      const last = keys[to - 1]!
      common = 0
      while (common < HEIGHT - depth && bit(first, depth + common) === bit(last, depth + common)) common++
    }
    if (common > 0) return add({ path: bits(keys[from]!, depth, common), length: common, child: build(from, to, depth + common) })
    let mid = from
    while (mid < to && bit(keys[mid]!, depth) === 0) mid++
    return add({ left: build(from, mid, depth + 1), right: build(mid, to, depth + 1) })
  }
  return { root: keys.length === 0 ? 0n : build(0, keys.length, 0), nodes }
}

/** The nodes on the path from the root towards `key` (to its leaf, or to where it is proven absent). */
export function proofOf (trie: Trie, key: bigint): Array<{ hash: bigint, node: MerkleNode }> {
  const out: Array<{ hash: bigint, node: MerkleNode }> = []
  let cur = trie.root
  let depth = 0
  while (depth < HEIGHT && cur !== 0n) {
    const node = trie.nodes.get(cur)!
    out.push({ hash: cur, node })
    if ('left' in node) { cur = bit(key, depth) === 0 ? node.left : node.right; depth++; continue }
    if (bits(key, depth, node.length) !== node.path) break
    cur = node.child
    depth += node.length
  }
  return out
}

/** Why a proof does not hold (the verifier names the endpoint). */
export class ProofError extends Error {}

/**
 * The value at `key` under `root`, walking `nodes` (hash → node, each re-hashed here): 0 when
 * the proof shows the key absent. Throws ProofError when a node is missing or does not hash
 * to what its parent names.
 */
export function verifyPath (h: Hash2, root: bigint, key: bigint, nodes: ReadonlyMap<bigint, MerkleNode>): bigint {
  if (key < 0n || key >= 2n ** BigInt(HEIGHT)) throw new ProofError(`key ${key.toString(16)} is not below 2^251`)
  let cur = root
  let depth = 0
  while (depth < HEIGHT) {
    if (cur === 0n) return 0n
    const node = nodes.get(cur)
    if (node === undefined) throw new ProofError(`the proof has no node ${'0x' + cur.toString(16)} (depth ${depth})`)
    if (Object.values(node).some((v) => typeof v === 'bigint' && (v < 0n || v >= P))) throw new ProofError(`node ${'0x' + cur.toString(16)} holds a value that is not a felt`)
    if (nodeHash(h, node) !== cur) throw new ProofError(`node ${'0x' + cur.toString(16)} does not hash to its name`)
    if ('left' in node) { cur = bit(key, depth) === 0 ? node.left : node.right; depth++; continue }
    if (!Number.isInteger(node.length) || node.length < 1 || node.length > HEIGHT - depth || node.path < 0n || node.path >= (1n << BigInt(node.length))) throw new ProofError(`edge node ${'0x' + cur.toString(16)} has an impossible path`)
    // An edge that leaves the key's path proves the key absent.
    if (bits(key, depth, node.length) !== node.path) return 0n
    cur = node.child
    depth += node.length
  }
  return cur
}

const STATE_V0 = BigInt(shortString.encodeShortString('STARKNET_STATE_V0'))
const CLASS_LEAF_V0 = BigInt(shortString.encodeShortString('CONTRACT_CLASS_LEAF_V0'))

/** The global state commitment of a block (its `new_root`). */
export function stateCommitment (contractsRoot: bigint, classesRoot: bigint): bigint {
  if (contractsRoot === 0n && classesRoot === 0n) return 0n
  if (classesRoot === 0n) return contractsRoot
  return BigInt(hash.computePoseidonHashOnElements([STATE_V0, contractsRoot, classesRoot]))
}

/** A contract's leaf in the contracts trie: H(H(H(class_hash, storage_root), nonce), 0), Pedersen. */
export function contractLeaf (classHash: bigint, storageRoot: bigint, nonce: bigint, h: Hash2 = pedersen): bigint {
  return h(h(h(classHash, storageRoot), nonce), 0n)
}

/** A class's leaf in the classes trie: Poseidon('CONTRACT_CLASS_LEAF_V0', compiled_class_hash). */
export function classLeaf (compiledClassHash: bigint): bigint {
  return poseidon(CLASS_LEAF_V0, compiledClassHash)
}

/** The storage address of an OpenZeppelin Cairo `ERC20_balances` entry: (low, high) of the holder's u256. */
export function erc20BalanceKeys (holder: bigint): [bigint, bigint] {
  // A map entry: H(sn_keccak(name), key), reduced below 2^251 - 256 as Cairo storage addresses are.
  const low = pedersen(BigInt(hash.starknetKeccak('ERC20_balances')), holder) % (2n ** 251n - 256n)
  return [low, low + 1n]
}
