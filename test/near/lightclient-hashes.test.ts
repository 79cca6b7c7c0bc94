// The Merkle trees of the NEAR light client: the devnet's block Merkle root (kept as peaks,
// block by block) and the paths it serves (computed from all leaves) must describe the same
// tree, whose every path leads to its root; and a path leads nowhere else.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MerkleAccumulator, merklePath, merkleRoot, rootFromPath } from '../../adapters/near/lightclient/hashes.ts'
import { sha256 } from '../../src/crypto/hash.ts'

test('every leaf\'s path leads to the root the block tree keeps, for trees of 1 to 70 leaves', () => {
  const tree = new MerkleAccumulator()
  const leaves: Uint8Array[] = []
  assert.deepEqual(tree.root(), new Uint8Array(32), 'the empty tree: zeros')
  for (let n = 1; n <= 70; n++) {
    const leaf = sha256(new Uint8Array([n, n >> 8]))
    leaves.push(leaf)
    tree.push(leaf)
    const root = merkleRoot(leaves)
    assert.deepEqual(tree.root(), root, `${n} leaves`)
    for (let i = 0; i < n; i++) {
      const path = merklePath(leaves, i)
      assert.deepEqual(rootFromPath(leaves[i]!, path), root, `leaf ${i} of ${n}`)
      if (n > 1) assert.notDeepEqual(rootFromPath(leaves[(i + 1) % n]!, path), root, `leaf ${i}'s path does not fit its neighbour`)
    }
  }
})
