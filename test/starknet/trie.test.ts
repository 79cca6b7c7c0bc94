// Starknet's state tries (adapters/starknet/trie.ts) against a storage proof from a Starknet
// node (a contract with key 0x1 = 0x9911 under a real state root), and built tries proving
// every key they hold and the absence of others.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { buildTrie, contractLeaf, nodeHash, pedersen, poseidon, proofOf, stateCommitment, verifyPath, ProofError, type MerkleNode } from '../../adapters/starknet/trie.ts'

const B = (left: string, right: string): MerkleNode => ({ left: BigInt(left), right: BigInt(right) })
const E = (path: string, length: number, child: string): MerkleNode => ({ path: BigInt(path), length, child: BigInt(child) })

// A proof as a Starknet node served it: global roots, the contracts-trie path, the leaf data and a storage path.
const STATE_ROOT = 0x2bba45af2d71e57b1f82f1668bc53184762e6212c22e69f9949e3a607022fd2n
const CONTRACTS_ROOT = 0x368991d64cd97e90a9da1fd9f3d676875d5d29b7136a6ecf77ddc35704f4c27n
const CLASSES_ROOT = 0x50c234027c744bb8baf77f2229f0433804e8fb9ceb30ad21fde94698832edd1n
const CONTRACT = 0x4017d0ad6ddbc7e97208e2639fc5bbf9856b4ede9a66a5995aec87b0d45837cn
const CLASS_HASH = 0x45ba727abaff9ae3a4311d7a30196e09d1f30aeeb3a8e157277793740d20f61n
const STORAGE_ROOT = 0x4592da9795f9fd7a042eb0cb0d4dae7b6894bd90ccb3e6ff360185db24301f7n
const CONTRACT_NODES = new Map<bigint, MerkleNode>([
  [0x2ed240ee95949cd56bb6d1feb5974abd931b844fd090f6738c1166ab129f256n, E('0x0', 1, '0x69caa1781f8cd2bd601d17d668e4268a609430ada713cbfd97c4f1a7b79a37e')],
  [0x3fb08aa8d7ae250618a5eded665e72102624aca7988f30c1abf93478c918624n, E('0x17d0ad6ddbc7e97208e2639fc5bbf9856b4ede9a66a5995aec87b0d45837c', 244, '0x5cea18c46bb31c421e40f94efd51a83ec4882ae72473bb41edd2652137b938e')],
  [CONTRACTS_ROOT, B('0x136287afa5c7e9d96deba14d1080672eef35240cc4940076d378e84ef6b7c26', '0xbe9a5b8558021942adf479733d2e345c5147b18d6c0aee40e5ee9fb85bc32')],
  [0xe1081c844581366e4e04cd3523b382a40865746a8cd035e41c9806327852a0n, B('0x5dc3360ed7d92cfc8acfc3d5eb35ce9402a2e6e0754ed82487f78630ee63e1d', '0x54cb87a02896d50c9822961eb21c41326a3730e03beebb4273e9f53ecb1aa10')],
  [0x3d72d82b1e3e3eeda9fe96221dc8a2131f22e243382d0f16883568f927589efn, B('0xe1081c844581366e4e04cd3523b382a40865746a8cd035e41c9806327852a0', '0x7f5c3d3f9a27468b74d8d9352d6104a12e51257bb9bd2b775bcef738eba3d88')],
  [0xbe9a5b8558021942adf479733d2e345c5147b18d6c0aee40e5ee9fb85bc32n, B('0x3d72d82b1e3e3eeda9fe96221dc8a2131f22e243382d0f16883568f927589ef', '0x50b7568824156bac7669bda45c4db7c579f6b799bd3fd3142332ecd083cceb6')],
  [0x5dc3360ed7d92cfc8acfc3d5eb35ce9402a2e6e0754ed82487f78630ee63e1dn, B('0x2ed240ee95949cd56bb6d1feb5974abd931b844fd090f6738c1166ab129f256', '0x4e50fb911906759c79313749ede30a1888a29e85e297f128cd9df6ee3a4cabb')],
  [0x69caa1781f8cd2bd601d17d668e4268a609430ada713cbfd97c4f1a7b79a37en, B('0x3fb08aa8d7ae250618a5eded665e72102624aca7988f30c1abf93478c918624', '0x3781d4c7ddb1f323275a2640bb37924c979225308808987b3b16b7dd7893f1a')]
])
const STORAGE_NODES = new Map<bigint, MerkleNode>([
  [STORAGE_ROOT, B('0x4a73c78eb32a0614903b17bbc06bd8a7a28ca707981aa36bbe6cd18c2cbb92b', '0x4352b8ed6f017cb4cb7084f64af3f1858db935ed9bf734ba5078e774f8a9097')],
  [0x4a73c78eb32a0614903b17bbc06bd8a7a28ca707981aa36bbe6cd18c2cbb92bn, E('0x1', 250, '0x9911')]
])

test('a Starknet node\'s proof verifies: state commitment, contract leaf, storage value', () => {
  assert.equal(stateCommitment(CONTRACTS_ROOT, CLASSES_ROOT), STATE_ROOT)
  assert.equal(verifyPath(pedersen, CONTRACTS_ROOT, CONTRACT, CONTRACT_NODES), contractLeaf(CLASS_HASH, STORAGE_ROOT, 0n))
  assert.equal(verifyPath(pedersen, STORAGE_ROOT, 1n, STORAGE_NODES), 0x9911n)
  // Key 0x3 leaves the edge's path: proven absent.
  assert.equal(verifyPath(pedersen, STORAGE_ROOT, 3n, STORAGE_NODES), 0n)
  // One altered node breaks the walk, and the walk says where.
  const altered = new Map(CONTRACT_NODES)
  altered.set(0x69caa1781f8cd2bd601d17d668e4268a609430ada713cbfd97c4f1a7b79a37en, B('0xaaaaaaaad7ae250618a5eded665e72102624aca7988f30c1abf93478c918624', '0x3781d4c7ddb1f323275a2640bb37924c979225308808987b3b16b7dd7893f1a'))
  assert.throws(() => verifyPath(pedersen, CONTRACTS_ROOT, CONTRACT, altered), ProofError)
  assert.throws(() => verifyPath(pedersen, STORAGE_ROOT, 1n, new Map([...STORAGE_NODES].slice(0, 1))), /has no node/)
})

test('a built trie proves each key it holds and the absence of others (Pedersen and Poseidon)', () => {
  for (const h of [pedersen, poseidon]) {
    const entries = new Map<bigint, bigint>()
    for (let i = 0; i < 12; i++) entries.set(BigInt('0x' + randomBytes(32).toString('hex')) >> 5n, BigInt(i + 1))
    entries.set(4n, 7n); entries.set(5n, 8n)
    const trie = buildTrie(h, entries)
    for (const n of trie.nodes.keys()) assert.equal(nodeHash(h, trie.nodes.get(n)!), n)
    for (const [k, v] of entries) assert.equal(verifyPath(h, trie.root, k, new Map(proofOf(trie, k).map((x) => [x.hash, x.node]))), v)
    for (const k of [6n, 2n ** 250n + 3n]) assert.equal(verifyPath(h, trie.root, k, new Map(proofOf(trie, k).map((x) => [x.hash, x.node]))), 0n)
  }
  assert.equal(buildTrie(pedersen, new Map()).root, 0n)
})
