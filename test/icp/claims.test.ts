// ICP claims through the chain module: a canister's certified data and module hash, read
// with read_state and checked against the root key by agent-js; the context config
// canister's certified data is the root hash of its tree (whose "head" leaf is the revision
// log's head; test/icp/witness-claims.test.ts covers the tree's own claims). A tampered certificate, a stale one
// and a canister that does not exist are refused, never answered.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { readFileSync } from 'node:fs'
import { Actor, Cbor, HttpAgent, lookup_path, reconstruct, type HashTree } from '@dfinity/agent'
import { Ed25519KeyIdentity } from '@dfinity/identity'
import { launchReplica, type Replica } from '../../adapters/icp/devnet/index.ts'
import { idlFactory, type ContextConfigService } from '../../adapters/icp/idl.ts'
import { icp } from '../../adapters/icp/index.ts'
import { IcpAnchor } from '../../adapters/icp/anchor.ts'
import { toHex, utf8 } from '../../src/crypto/bytes.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { ICP_CANISTER_WASM } from '../../scripts/build-icp.ts'

describe('ICP claims by certificate', () => {
  let replica: Replica
  let canister: string
  let endpoints: string[]
  const wasm = new Uint8Array(readFileSync(ICP_CANISTER_WASM))
  before(async () => {
    replica = await launchReplica({})
    canister = await replica.installCanister(wasm)
    endpoints = [replica.url, replica.url.replace('127.0.0.1', 'localhost')]
  })
  after(async () => { await replica.close() })
  const verify = async (statement: unknown) => await icp.claims!.verify(icp.claims!.parse(statement), { endpoints, network: 'local' })

  it('certifies the module hash and the tree root the canister set as certified data', async () => {
    const mod = await verify({ kind: 'module-hash', canister })
    assert.equal(mod.value, toHex(sha256(wasm)))
    assert.equal(mod.restsOn, 'certificate')
    assert.deepEqual(mod.agreedBy, endpoints)
    assert.ok(Math.abs(mod.block.timestamp * 1000 - Date.now()) < 60_000)

    const anchor = new IcpAnchor({ host: replica.url, canister, rootKey: replica.rootKey, identity: Ed25519KeyIdentity.generate() })
    try {
      await anchor.createContext({ application: sha256(utf8('app')), creator: generateKeyPair() })
    } finally { await anchor.close() }
    const service = Actor.createActor<ContextConfigService>(idlFactory, { agent: await HttpAgent.create({ host: replica.url, rootKey: replica.rootKey }), canisterId: canister })
    const head = await service.tip()
    const data = await verify({ kind: 'certified-data', canister })
    const witness = Cbor.decode((await service.certified([utf8('head')])).witness) as HashTree
    assert.equal(data.value, toHex(await reconstruct(witness)))
    assert.deepEqual(lookup_path(['head'], witness), { status: 'Found', value: head.hash })
  })

  it('refuses a tampered certificate, a stale one, an unknown canister and a bad statement', async () => {
    replica.tamper.certificates(true)
    try {
      await assert.rejects(verify({ kind: 'certified-data', canister }), { name: 'IcpEndpointError' })
    } finally { replica.tamper.certificates(false) }
    replica.tamper.clockSkew(-10 * 60_000)
    try {
      await assert.rejects(verify({ kind: 'certified-data', canister }), (e: Error) => e.name === 'IcpEndpointError' && /certificate/i.test(e.message))
    } finally { replica.tamper.clockSkew(0) }
    await assert.rejects(verify({ kind: 'certified-data', canister: 'qoctq-giaaa-aaaaa-aaaea-cai' }), /no valid certificate|does not hold/)
    assert.throws(() => icp.claims!.parse({ kind: 'certified-data', canister: 'not-a-canister' }), { name: 'InvalidClaimError' })
    assert.throws(() => icp.claims!.parse({ kind: 'balance', canister }), { name: 'InvalidClaimError' })
  })
})
