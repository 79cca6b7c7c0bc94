// The context config canister deployed as `moor deploy icp` does it (the chain module's
// deploy, through the management canister), then upgraded to the same build with
// `wasm_memory_persistence: keep`: governance state, nonces, the revision log and the
// certified tree survive (a member claim verifies across it), and the canister goes on taking requests. Also the instructions each method took (the
// devnet's count), for docs/icp.md.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { IcpAnchor } from '../../adapters/icp/anchor.ts'
import { DEVNET_SEED_HEX } from '../../adapters/icp/constants.ts'
import { upgradeIcp } from '../../adapters/icp/deploy.ts'
import { launchReplica, type Replica } from '../../adapters/icp/devnet/index.ts'
import { identityFromPem } from '../../adapters/icp/identity.ts'
import { icp } from '../../adapters/icp/index.ts'
import { ed25519Pem } from '../../adapters/icp/keys.ts'
import { toHex, utf8 } from '../../src/crypto/bytes.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { sha256 } from '../../src/crypto/hash.ts'

describe('ICP context config canister: deploy and upgrade', () => {
  let replica: Replica
  const pem = ed25519Pem(Buffer.from(DEVNET_SEED_HEX, 'hex'))
  before(async () => { replica = await launchReplica({}) })
  after(async () => { await replica.close() })

  it('deploys through the management canister; an upgrade keeps contexts, nonces and the log', async () => {
    const deployed = await icp.deploy({ rpc: replica.url, key: pem })
    const canister = deployed.record.contract
    assert.equal(deployed.record.deployer, identityFromPem(pem).getPrincipal().toText())
    const anchor = new IcpAnchor({ host: replica.url, canister, rootKey: replica.rootKey, identity: identityFromPem(pem), pollIntervalMs: 20 })
    try {
      const admin = generateKeyPair()
      const bob = generateKeyPair()
      const { context } = await anchor.createContext({ application: sha256(utf8('app-v1')), creator: admin })
      const counts = [`mutate (create) ${replica.instructions(canister, 'mutate')}`]
      await anchor.submit(context, admin, { type: 'addMember', identity: bob.publicKey, role: 'member' })
      counts.push(`mutate (addMember) ${replica.instructions(canister, 'mutate')}`)
      const before = await anchor.viewAt(context)
      const nonceBefore = await anchor.nonce(context, admin.publicKey)

      await upgradeIcp({ host: replica.url, identity: identityFromPem(pem), rootKey: replica.rootKey, canister })

      const after = await anchor.viewAt(context)
      assert.deepEqual(after.members, before.members)
      assert.equal(after.revision, before.revision)
      assert.deepEqual(after.position, before.position)
      assert.equal(await anchor.nonce(context, admin.publicKey), nonceBefore)
      const claim = async () => (await icp.claims!.verify(icp.claims!.parse({ kind: 'member', canister, context: toHex(context), identity: toHex(bob.publicKey) }), { endpoints: [replica.url, replica.url.replace('127.0.0.1', 'localhost')] })).value
      assert.equal(await claim(), JSON.stringify({ role: 'member', capabilities: [] }), 'the certified tree survives the upgrade')
      const r = await anchor.submit(context, admin, { type: 'setRole', identity: bob.publicKey, role: 'reader' })
      assert.equal(r.revision, before.revision + 1)
      assert.equal((await anchor.viewAt(context)).members.find((m) => Buffer.from(m.identity).equals(Buffer.from(bob.publicKey)))?.role, 'reader')
      assert.equal(await claim(), JSON.stringify({ role: 'reader', capabilities: [] }))
      counts.push(`mutate (setRole) ${replica.instructions(canister, 'mutate')}`, ...['view', 'nonce'].map((m) => `${m} ${replica.instructions(canister, m)}`))
      console.log(`instructions per call (last execution): ${counts.join(', ')}`)
    } finally {
      await anchor.close()
    }
  })
})
