// NEAR outcome claims checked by the light client on the devnet, with the real contract
// WASM: from a pinned checkpoint, through next_light_client_block across epochs (> 2/3 of
// the producers' stake approving each block, each epoch's producers hashing to the
// previous block's next_bp_hash), to an outcome proof against the head's block Merkle
// root. A lying endpoint in front of the same devnet alters one answer at a time: a
// tampered outcome, a wrong Merkle path, too few approvals, a forged producer set; each is
// rejected saying which check failed, and no value is given.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { JsonRpcProvider } from 'near-api-js'
import { near } from '../../adapters/near/index.ts'
import { startNearDevnet } from '../../adapters/near/devnet/index.ts'
import { call } from '../../adapters/near/claims/rpc.ts'
import { followFromCheckpoint, type LightClientRpc } from '../../adapters/near/lightclient/follow.ts'
import { blockHash, blockProducersHash, hashText, outcomeLeaf, rootFromPath } from '../../adapters/near/lightclient/hashes.ts'
import type { LightClientBlockView, LightClientProofView, ValidatorStakeView } from '../../adapters/near/lightclient/views.ts'
import { base58Encode } from '../../adapters/near/base58.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import type { ClaimVerifyInit } from '../../src/claims/types.ts'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createApiServer } from '../../src/api/index.ts'
import { silentLogger } from '../../src/log/index.ts'
import { initHome, loadConfig, readToken } from '../../src/node/config.ts'
import { createNode } from '../../src/node/index.ts'
import { moor } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'
import { lyingProxy, type LyingProxy } from '../claims/proxy.ts'
import { nearFixture, type NearFixture } from './harness.ts'

const EPOCH = 6
let f: NearFixture
let liar: LyingProxy
let checkpoint: { number: number, hash: string }
let tx: string
let relayer: string

before(async () => {
  f = await nearFixture(2, { epochLength: EPOCH })
  const final = f.devnet.chain.final
  checkpoint = { number: final.height, hash: final.hash }
  const { receipt } = await f.anchor().createContext({ application: new Uint8Array(randomBytes(32)), creator: generateKeyPair() })
  tx = receipt.id
  relayer = f.relayers[0]!.account
  // Two epochs on: the light client has to follow the producer sets from the checkpoint's.
  await f.devnet.fastForward(2 * EPOCH + 2)
  liar = await lyingProxy(f.devnet.url)
})
after(async () => { await liar.close(); await f.close() })

const outcome = (type: 'transaction' | 'receipt', id: string, account: string): Record<string, string> => ({ kind: 'outcome', type, id, account })
const verify = async (statement: unknown, init: ClaimVerifyInit): ReturnType<NonNullable<typeof near.claims>['verify']> => await near.claims!.verify(near.claims!.parse(statement), init)
const rpcOf = (url: string, counts?: Map<string, number>): LightClientRpc => async (method, params) => {
  counts?.set(method, (counts.get(method) ?? 0) + 1)
  const a = await call(url, method, params)
  if (!a.ok) throw new Error(a.cause)
  return a.result
}
const rejected = (message: RegExp) => (err: Error): boolean => {
  assert.equal(err.name, 'LightClientError', err.message)
  assert.match(err.message, message)
  return true
}

test('a transaction\'s and a receipt\'s outcome are proven from the checkpoint, across epochs', async () => {
  const record = f.devnet.chain.txs.get(tx)!
  const r = await verify(outcome('transaction', tx, relayer), { endpoints: [f.devnet.url], checkpoint })
  assert.equal(r.restsOn, 'light-client')
  assert.deepEqual(r.block, { number: record.height, hash: record.blockHash, timestamp: r.block.timestamp })
  const value = JSON.parse(r.value) as { executor: string, status: unknown, receiptIds: string[] }
  assert.equal(value.executor, relayer)
  assert.deepEqual(value.status, { SuccessReceiptId: record.receiptId })

  // The contract's receipt: its event log and its return value are what the proof covers.
  const ran = f.devnet.chain.outcomes.get(record.receiptId)!
  const receipt = await verify(outcome('receipt', record.receiptId, f.contract), { endpoints: [f.devnet.url], checkpoint })
  const proven = JSON.parse(receipt.value) as { logs: string[], status: unknown }
  assert.match(proven.logs[0]!, /^EVENT_JSON:\{"standard":"moorage".*"event":"context_created"/)
  assert.deepEqual(proven.status, ran.status)
  assert.equal(receipt.block.hash, ran.blockHash)

  // It could not skip an epoch: one light-client block per epoch at least.
  const counts = new Map<string, number>()
  const head = await followFromCheckpoint(rpcOf(f.devnet.url, counts), checkpoint)
  const epochs = f.devnet.chain.epochOf(head.block.inner_lite.height) - f.devnet.chain.epochOf(checkpoint.number)
  assert.ok(epochs >= 2, `the head is ${epochs} epochs after the checkpoint`)
  assert.ok(counts.get('next_light_client_block')! > epochs, 'one step per epoch, then the empty answer')
  assert.equal(head.hash, f.devnet.chain.blockAt(head.block.inner_lite.height)!.hash)

  // near-api-js reads the same answers unmodified.
  const provider = new JsonRpcProvider({ url: f.devnet.url })
  const first = await provider.nextLightClientBlock({ last_block_hash: checkpoint.hash }) as unknown as LightClientBlockView
  assert.equal(first.inner_lite.epoch_id, f.devnet.chain.blockAt(first.inner_lite.height)!.lite.epoch_id)
  const proof = await provider.lightClientProof({ type: 'transaction', transaction_hash: tx, sender_id: relayer, light_client_head: head.hash } as never) as unknown as LightClientProofView
  assert.equal(proof.outcome_proof.block_hash, record.blockHash)

  // Another signer's transaction of that hash does not exist.
  await assert.rejects(verify(outcome('transaction', tx, f.relayers[1]!.account), { endpoints: [f.devnet.url], checkpoint }), { name: 'ClaimRejectedError', message: /knows no transaction/ })
})

test('a tampered outcome or a wrong Merkle path is rejected', async () => {
  const init = { endpoints: [liar.url], checkpoint }
  const receiptId = f.devnet.chain.txs.get(tx)!.receiptId
  const claim = outcome('receipt', receiptId, f.contract)
  const alter = (change: (p: LightClientProofView) => LightClientProofView): void => {
    liar.lie = { method: 'EXPERIMENTAL_light_client_proof', alter: (p: LightClientProofView) => change(structuredClone(p)) }
  }
  try {
    // Another return value, another log.
    alter((p) => { p.outcome_proof.outcome.status = { SuccessValue: Buffer.from('"forged"').toString('base64') }; return p })
    await assert.rejects(verify(claim, init), rejected(/outcome .* does not lead to the outcome root of block \d+: the outcome or its Merkle path was altered/))
    alter((p) => { p.outcome_proof.outcome.logs = ['EVENT_JSON:{"forged":true}']; return p })
    await assert.rejects(verify(claim, init), rejected(/does not lead to the outcome root/))
    // A Merkle path with a step too many, or a block path turned the other way.
    alter((p) => { p.outcome_proof.proof.push({ hash: base58Encode(sha256(Buffer.from('x'))), direction: 'Right' }); return p })
    await assert.rejects(verify(claim, init), rejected(/does not lead to the outcome root/))
    alter((p) => { p.block_proof[0]!.direction = p.block_proof[0]!.direction === 'Left' ? 'Right' : 'Left'; return p })
    await assert.rejects(verify(claim, init), rejected(/block \d+ does not lead to the head's block_merkle_root/))
    // A forged outcome with an outcome root made to fit: the header no longer hashes to the block.
    alter((p) => {
      p.outcome_proof.outcome.status = { SuccessValue: Buffer.from('"forged"').toString('base64') }
      const shard = rootFromPath(outcomeLeaf(p.outcome_proof.id, p.outcome_proof.outcome), p.outcome_proof.proof)
      p.block_header_lite.inner_lite.outcome_root = hashText(sha256(shard))
      return p
    })
    await assert.rejects(verify(claim, init), rejected(/the proof's header hashes to \w+, not to the outcome's block/))
    // … and naming that header's hash as the block: it is not in the head's block Merkle tree.
    alter((p) => {
      p.outcome_proof.outcome.status = { SuccessValue: Buffer.from('"forged"').toString('base64') }
      const shard = rootFromPath(outcomeLeaf(p.outcome_proof.id, p.outcome_proof.outcome), p.outcome_proof.proof)
      p.block_header_lite.inner_lite.outcome_root = hashText(sha256(shard))
      p.outcome_proof.block_hash = hashText(blockHash(p.block_header_lite))
      return p
    })
    await assert.rejects(verify(claim, init), rejected(/does not lead to the head's block_merkle_root/))
    alter(() => ({ outcome_proof: 'junk' }) as never)
    await assert.rejects(verify(claim, init), rejected(/malformed light-client proof/))
    // Honest again: the same claim holds through the same endpoint.
    liar.lie = undefined
    assert.equal((await verify(claim, init)).restsOn, 'light-client')
  } finally { liar.lie = undefined }
})

test('approvals of 2/3 of the stake or less, or a forged approval, are rejected', async () => {
  const rpc = rpcOf(liar.url)
  try {
    // Only the first producer's approval is left.
    liar.lie = { method: 'next_light_client_block', alter: (b: LightClientBlockView) => ({ ...b, approvals_after_next: b.approvals_after_next.map((a, i) => i === 0 ? a : null) }) }
    await assert.rejects(followFromCheckpoint(rpc, checkpoint), rejected(/block \d+ is approved by \d+ of \d+ stake, not more than 2\/3/))
    liar.lie = { method: 'next_light_client_block', alter: (b: LightClientBlockView) => ({ ...b, approvals_after_next: b.approvals_after_next.map((a, i) => i === 1 ? `ed25519:${base58Encode(new Uint8Array(64).fill(7))}` : a) }) }
    await assert.rejects(followFromCheckpoint(rpc, checkpoint), rejected(/the approval of producer-1\.devnet on block \d+ does not verify/))
  } finally { liar.lie = undefined }

  // A devnet where half the producers (by count) never sign: their blocks lack 2/3 of the stake.
  for (const [offline, holds] of [[[0], true], [[0, 1], false]] as const) {
    const devnet = await startNearDevnet({ port: 0, epochLength: 4, offlineProducers: offline })
    try {
      await devnet.fastForward(3)
      const start = devnet.chain.final
      await devnet.fastForward(12)
      const follow = followFromCheckpoint(rpcOf(devnet.url), { number: start.height, hash: start.hash })
      if (holds) assert.ok((await follow).block.inner_lite.height > start.height, `${offline.length} of 4 offline: still > 2/3`)
      else await assert.rejects(follow, rejected(/not more than 2\/3/))
    } finally { await devnet.close() }
  }
})

test('a forged set of next block producers is rejected', async () => {
  const rpc = rpcOf(liar.url)
  const forged: ValidatorStakeView[] = [0, 1, 2, 3].map((i) => ({ validator_stake_struct_version: 'V1', account_id: `forger-${i}.devnet`, public_key: `ed25519:${base58Encode(generateKeyPair().publicKey)}`, stake: '1000' }))
  try {
    // Other producers for the next epoch, under the block's own next_bp_hash.
    liar.lie = { method: 'next_light_client_block', alter: (b: LightClientBlockView) => ({ ...b, next_bps: forged }) }
    await assert.rejects(followFromCheckpoint(rpc, checkpoint), rejected(/the next block producers of block \d+ hash to \w+, not to its next_bp_hash/))
    // With a next_bp_hash made to fit (from the second step, once the producers are known): the
    // block is no longer the one its producers approved.
    let step = 0
    liar.lie = { method: 'next_light_client_block', alter: (b: LightClientBlockView) => ++step === 1 ? b : ({ ...b, next_bps: forged, inner_lite: { ...b.inner_lite, next_bp_hash: hashText(blockProducersHash(forged)) } }) }
    await assert.rejects(followFromCheckpoint(rpc, checkpoint), rejected(/the approval of producer-0\.devnet on block \d+ does not verify/))
    // The producers of the epoch after the checkpoint, as an endpoint serves them at the start.
    liar.lie = { method: 'EXPERIMENTAL_validators_ordered', alter: () => forged }
    await assert.rejects(followFromCheckpoint(rpc, checkpoint), rejected(/the block producers served for epoch \w+ hash to \w+, not to the head's next_bp_hash/))
  } finally { liar.lie = undefined }
})

test('the checkpoint: needed, its header must hash to it, and the chain must have left its epoch', async () => {
  await assert.rejects(verify(outcome('transaction', tx, relayer), { endpoints: [f.devnet.url] }), { name: 'InvalidClaimError', message: /light client, which starts from a pinned checkpoint/ })
  await assert.rejects(verify(outcome('transaction', tx, relayer), { endpoints: [f.devnet.url], checkpoint: { number: checkpoint.number, hash: f.devnet.chain.blockAt(checkpoint.number + 1)!.hash } }), rejected(/is at height \d+, not \d+/))
  const genesis = f.devnet.chain.blocks[0]!
  await assert.rejects(verify(outcome('transaction', tx, relayer), { endpoints: [f.devnet.url], checkpoint: { number: genesis.height, hash: genesis.hash } }), rejected(/names no next epoch \(a genesis block\)/))
  // A new endpoint (the heads followed are kept per endpoint and checkpoint).
  const fresh = await lyingProxy(f.devnet.url)
  try {
    fresh.lie = { method: 'EXPERIMENTAL_light_client_block_proof', alter: (r: { block_header_lite: LightClientBlockView }) => ({ ...r, block_header_lite: { ...r.block_header_lite, inner_lite: { ...r.block_header_lite.inner_lite, next_bp_hash: hashText(sha256(Buffer.from('x'))) } } }) }
    await assert.rejects(verify(outcome('transaction', tx, relayer), { endpoints: [fresh.url], checkpoint }), rejected(/the header served for the checkpoint hashes to \w+, not to the pinned/))
    fresh.lie = undefined
    assert.equal((await verify(outcome('transaction', tx, relayer), { endpoints: [fresh.url], checkpoint })).restsOn, 'light-client')
    // The next claim goes on from the head followed: the checkpoint's header is not asked again.
    fresh.lie = { method: 'EXPERIMENTAL_light_client_block_proof', alter: () => 'junk' }
    await f.devnet.fastForward(EPOCH)
    assert.equal((await verify(outcome('transaction', tx, relayer), { endpoints: [fresh.url], checkpoint })).restsOn, 'light-client')
    // An endpoint without the checkpoint's block (not archival) gives way to the next one.
    fresh.lie = { method: 'EXPERIMENTAL_light_client_block_proof', alter: (r) => r, error: { name: 'HANDLER_ERROR', cause: { name: 'UNKNOWN_BLOCK', info: {} }, code: -32000, message: 'Server error' } }
    const pruned = { number: checkpoint.number + 1, hash: f.devnet.chain.blockAt(checkpoint.number + 1)!.hash }
    await assert.rejects(verify(outcome('transaction', tx, relayer), { endpoints: [fresh.url], checkpoint: pruned }), { name: 'NearRpcError', message: /has no block asked for by EXPERIMENTAL_light_client_block_proof/ })
    const served = await verify(outcome('transaction', tx, relayer), { endpoints: [fresh.url, f.devnet.url], checkpoint: pruned })
    assert.deepEqual(served.agreedBy, [f.devnet.url])
  } finally { await fresh.close() }
  // A checkpoint in the final block's epoch: the producers of that epoch are not trusted.
  const chain = f.devnet.chain
  while (chain.epochOf(chain.final.height - 1) !== chain.epochOf(chain.final.height) || chain.epochOf(chain.final.height - 1) !== chain.epochOf(chain.head.height - 2)) await f.devnet.fastForward(1)
  const same = chain.blockAt(chain.final.height - 1)!
  await assert.rejects(followFromCheckpoint(rpcOf(f.devnet.url), { number: same.height, hash: same.hash }), rejected(/block producers of epoch \w+ \(block \d+\) are not known to the light client/))
})

test('through a node (claims.near with a checkpoint) and the CLI: an outcome rests on the light client, a balance still on agreement', async () => {
  const home = tempDir('moor-near-lightclient-')
  try {
    await initHome(home.path, { apiPort: 0, p2pPort: 0 })
    const file = join(home.path, 'config.json')
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), claims: { near: { rpc: [f.devnet.url, liar.url], checkpoint } } }))
    const token = await readToken(home.path)
    const node = await createNode({ home: home.path, config: await loadConfig(home.path, { logger: silentLogger }), logger: silentLogger })
    const server = createApiServer({ node, host: '127.0.0.1', port: 0, token, logger: silentLogger })
    const url = (await server.listen()).url
    try {
      const ask = async (statement: unknown): Promise<{ status: number, json: any }> => {
        const res = await fetch(`${url}/admin/claims/verify`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ chain: 'near', statement }) })
        return { status: res.status, json: await res.json() }
      }
      const ok = await ask(outcome('transaction', tx, relayer))
      assert.equal(ok.status, 200, JSON.stringify(ok.json))
      assert.equal(ok.json.restsOn, 'light-client')
      assert.equal(ok.json.block.hash, f.devnet.chain.txs.get(tx)!.blockHash)
      assert.equal((await ask({ kind: 'balance', account: relayer })).json.restsOn, 'quorum')
      try {
        liar.lie = { method: 'EXPERIMENTAL_light_client_proof', alter: (p: LightClientProofView) => ({ ...p, block_proof: [] }) }
        // The first endpoint answers; the second (lying) one is not needed, so the claim holds.
        assert.equal((await ask(outcome('transaction', tx, relayer))).status, 200)
      } finally { liar.lie = undefined }
    } finally {
      await server.close()
      await node.stop()
    }
    const cli = await moor(['claim', 'verify', 'near', JSON.stringify(outcome('transaction', tx, relayer)), '--rpc', liar.url, '--checkpoint', `${checkpoint.number}:${checkpoint.hash}`])
    assert.equal(cli.code, 0, cli.stderr)
    assert.match(cli.stdout, /rests on:\s+light-client \(a proof against headers signed by > 2\/3 of the block producers' stake, followed from the checkpoint\)/)
    liar.lie = { method: 'EXPERIMENTAL_light_client_proof', alter: (p: LightClientProofView) => ({ ...p, block_proof: [] }) }
    try {
      const lie = await moor(['claim', 'verify', 'near', JSON.stringify(outcome('transaction', tx, relayer)), '--rpc', liar.url, '--checkpoint', `${checkpoint.number}:${checkpoint.hash}`])
      assert.notEqual(lie.code, 0)
      assert.match(lie.stderr, /does not lead to the head's block_merkle_root/)
    } finally { liar.lie = undefined }
  } finally { home.cleanup() }
})
