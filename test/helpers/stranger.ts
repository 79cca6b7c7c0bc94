// What a peer in no context sends in the hostile-peer test and the flood benchmark, and
// what its flood costs the victim's disk.
import { randomBytes } from 'node:crypto'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { KeyPair } from '../../src/crypto/ed25519.ts'
import { createOp } from '../../src/governance/offchain/op.ts'

/** Governance ops signed by `stranger` with a missing parent: `n` of about 200 KB. */
export function fakeOps (context: Uint8Array, stranger: KeyPair, n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => createOp({
    context,
    author: stranger.publicKey,
    secretKey: stranger.secretKey,
    parents: [new Uint8Array(randomBytes(32))],
    nonce: BigInt(i + 1),
    hlc: { ms: Date.now(), c: i },
    action: { type: 'keys', keyId: new Uint8Array(randomBytes(32)), rotate: false, shares: [{ recipient: new Uint8Array(randomBytes(32)), wrapped: new Uint8Array(randomBytes(200_000)) }] }
  }).bytes)
}

/** Bytes a directory takes on disk. */
export function diskBytes (dir: string): number {
  let n = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    n += e.isDirectory() ? diskBytes(p) : statSync(p).blocks * 512
  }
  return n
}
