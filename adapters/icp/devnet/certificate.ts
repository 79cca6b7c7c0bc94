// The replica's certified state as a hash tree (the interface spec's labelled / fork / leaf /
// pruned nodes, the shape agent-js's `reconstruct` and `lookup_path` read) and the
// certificates over it: the root hash signed with BLS12-381 in the IC's min-sig scheme
// (signature in G1, key in G2) by the devnet's root key. A read_state answer is the same
// tree with everything off the asked paths pruned to its hash.
import { bls12_381 as bls } from '@noble/curves/bls12-381'
import { Cbor, type HashTree } from '@dfinity/agent'
import { sha256 } from '../../../src/crypto/hash.ts'

/** A state node: a leaf value, or labelled children. */
export type StateNode = Uint8Array | Map<string, StateNode>

// Labels are bytes; the Map keys carry them as latin1 strings so that any byte sequence
// round-trips and the byte order is the string order.
export const label = (b: Uint8Array | string): string => typeof b === 'string' ? Buffer.from(b, 'utf8').toString('latin1') : Buffer.from(b).toString('latin1')
const labelBytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'))

const sep = (s: string): Uint8Array => { const b = new TextEncoder().encode(s); return new Uint8Array([b.length, ...b]) }
const EMPTY = sep('ic-hashtree-empty')
const FORK = sep('ic-hashtree-fork')
const LABELED = sep('ic-hashtree-labeled')
const LEAF = sep('ic-hashtree-leaf')
const STATE_ROOT = sep('ic-state-root')

/** The DER wrapping agent-js expects for a BLS12-381 G2 public key. */
const BLS_DER_PREFIX = Buffer.from('308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100', 'hex')

export function hashTree (t: HashTree): Uint8Array {
  switch (t[0]) {
    case 0: return sha256(EMPTY)
    case 1: return sha256(FORK, hashTree(t[1]), hashTree(t[2]))
    case 2: return sha256(LABELED, t[1], hashTree(t[2]))
    case 3: return sha256(LEAF, t[1])
    case 4: return t[1]
    default: throw new Error('not a hash tree node')
  }
}

const byLabel = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

/** Balanced forks over labelled children, in label order (lookups stop early on order). */
function forks (items: HashTree[]): HashTree {
  if (items.length === 0) return [0]
  if (items.length === 1) return items[0]!
  const mid = Math.ceil(items.length / 2)
  return [1, forks(items.slice(0, mid)), forks(items.slice(mid))] as HashTree
}

/**
 * The tree for `node`, keeping in full the subtrees at the end of `paths` and pruning what
 * no path reaches. `paths` undefined keeps everything.
 */
export function toTree (node: StateNode, paths?: string[][]): HashTree {
  if (node instanceof Uint8Array) return [3, node] as HashTree
  const items: HashTree[] = []
  for (const key of [...node.keys()].sort(byLabel)) {
    const child = node.get(key)!
    let sub: HashTree
    if (paths === undefined) sub = toTree(child)
    else {
      const under = paths.filter((p) => p[0] === key)
      if (under.length === 0) {
        items.push([4, hashTree([2, labelBytes(key), toTree(child)] as HashTree)] as HashTree)
        continue
      }
      sub = under.some((p) => p.length === 1) ? toTree(child) : toTree(child, under.map((p) => p.slice(1)))
    }
    items.push([2, labelBytes(key), sub] as HashTree)
  }
  return forks(items)
}

export interface RootKey { secret: Uint8Array, publicKey: Uint8Array, der: Uint8Array }

export function rootKeyFrom (secret: Uint8Array): RootKey {
  const publicKey = bls.getPublicKeyForShortSignatures(secret)
  return { secret, publicKey, der: new Uint8Array([...BLS_DER_PREFIX, ...publicKey]) }
}

export function newRootKey (): RootKey {
  return rootKeyFrom(bls.utils.randomPrivateKey())
}

/** A CBOR certificate {tree, signature} over `tree`. */
export function certify (tree: HashTree, key: RootKey): Uint8Array {
  const signature = bls.signShortSignature(new Uint8Array([...STATE_ROOT, ...hashTree(tree)]), key.secret)
  return Cbor.encode({ tree, signature })
}

export function leb128 (n: bigint): Uint8Array {
  const out: number[] = []
  let v = n
  do {
    let byte = Number(v & 0x7fn)
    v >>= 7n
    if (v !== 0n) byte |= 0x80
    out.push(byte)
  } while (v !== 0n)
  return new Uint8Array(out)
}
