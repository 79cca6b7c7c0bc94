// An Ethereum-anchored context across node processes (each node its own OS process, on
// loopback) and a real EVM (EDR behind JSON-RPC on 127.0.0.1): members join by claiming
// on the chain; a removal made on the chain by a client outside every node is enforced by
// every member node within about one poll interval (the removed member's forged delta is
// rejected by all, the group key rotates through the contract); a node that was down
// during a removal learns of it from the chain when it starts again.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { JsonRpcProvider, Wallet } from 'ethers'
import { EthereumAnchor } from '../../adapters/ethereum/anchor.ts'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { deployContracts } from '../../adapters/ethereum/deploy.ts'
import { serveDevnet, type DevnetServer } from '../../adapters/ethereum/devnet/index.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { decodeTicket } from '../../src/node/invitation.ts'
import { converged, fullMesh, NodeProcess, until } from '../helpers/node-process.ts'
import { RELAYER_B_KEY, RELAYER_C_KEY } from './harness.ts'

/** Hardhat's default account #3 (funded on every devnet). */
const RELAYER_D_KEY = '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6'
const POLL_MS = 250

describe('an Ethereum-anchored context across node processes', { timeout: 240_000 }, () => {
  let devnet: DevnetServer
  let contract: string
  let client: EthereumAnchor
  let a: NodeProcess, b: NodeProcess, c: NodeProcess
  let ctx: string
  const ids = new Map<NodeProcess, string>()
  const outsider = generateKeyPair()
  // Invitations name no endpoint: each node has its own.
  const chains = (relayerKey: string) => ({ ethereum: { relayerKey, pollIntervalMs: POLL_MS, rpc: devnet.url } })
  const isMember = async (n: NodeProcess, id: string): Promise<boolean> => (await n.call('members', { ctx })).some((m: { identity: string }) => m.identity === id)

  before(async () => {
    devnet = await serveDevnet()
    const provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true })
    contract = (await deployContracts(new Wallet(DEVNET_RELAYER_KEY, provider))).contextConfig
    provider.destroy()
    ;[a, b, c] = await Promise.all([['a', RELAYER_B_KEY], ['b', RELAYER_C_KEY], ['c', RELAYER_D_KEY]].map(async ([name, key]) => await NodeProcess.start({ name: name!, chains: chains(key!) })))
    const created = await a.call('create', { app: 'kv-store', anchor: { kind: 'ethereum', rpc: devnet.url, contract } })
    ctx = created.id
    ids.set(a, created.identity)
    for (const n of [b, c]) {
      const id = await n.call('identity')
      ids.set(n, id)
      await n.call('join', { invitation: await a.call('invite', { ctx, identity: id }) })
    }
    await fullMesh([a, b, c])
    // An identity held by no node, acting through its own client, with ManageMembers.
    client = new EthereumAnchor({ rpc: devnet.url, contract, relayer: DEVNET_RELAYER_KEY, pollIntervalMs: POLL_MS })
    const inv = await a.call('inviteAs', { ctx, identity: toHex(outsider.publicKey) })
    await client.submit(Buffer.from(ctx, 'hex'), outsider, { type: 'claim', invitation: decodeTicket(inv).invitation })
    await until('a sees the outsider', async () => await isMember(a, toHex(outsider.publicKey)))
    await a.call('grant', { ctx, identity: toHex(outsider.publicKey), capability: 'ManageMembers' })
  })
  after(async () => {
    await Promise.all([a, b, c].map(async (p) => { await p?.cleanup() }))
    await client?.close()
    await devnet?.close()
  })

  it('members that joined on the chain write and converge', async () => {
    await a.call('set', { ctx, key: 'from', value: 'a' })
    await b.call('set', { ctx, key: 'from-b', value: 'b' })
    await c.call('set', { ctx, key: 'from-c', value: 'c' })
    await converged([a, b, c], ctx)
    assert.equal(await c.call('get', { ctx, key: 'from-b' }), 'b')
  })

  it('a removal on the chain is enforced by every member node within about one poll interval', async (t) => {
    const idC = ids.get(c)!
    const keysBefore: string[] = await a.call('keys', { ctx })
    await client.submit(Buffer.from(ctx, 'hex'), outsider, { type: 'removeMember', identity: Buffer.from(idC, 'hex') })
    // The receipt is in: the removal is in a block now.
    const mined = Date.now()
    const enforced = new Map<string, number>()
    await until('every node drops c', async () => {
      for (const n of [a, b, c]) if (!enforced.has(n.name) && !await isMember(n, idC)) enforced.set(n.name, Date.now() - mined)
      return enforced.size === 3
    }, 10 * POLL_MS + 5_000, 10)
    const worst = Math.max(...enforced.values())
    t.diagnostic(`removal → enforcement: ${[...enforced].map(([n, ms]) => `${n} ${ms} ms`).join(', ')} (poll interval ${POLL_MS} ms)`)
    // One poll interval, plus the reads of that poll and of the block's membership, plus
    // this test's own polling of three processes.
    assert.ok(worst <= POLL_MS + 1_000, `enforced on every node after ${worst} ms`)
    // c's node knows it is out and refuses to write; a delta c forges anyway, at its
    // post-removal point, is rejected by both members with the reason.
    await assert.rejects(c.call('set', { ctx, key: 'late', value: 'c' }), { name: 'ForbiddenError' })
    const forged = await c.call('forge', { ctx, mode: 'self', key: 'written-after-removal', value: 'by c' })
    await until('a and b reject the forged delta', () => [a, b].every((m) =>
      m.grep(new RegExp(`rejected delta.*${forged.deltaId}.*is not a member at the delta's governance point`)).length === 1), 10_000)
    assert.equal(await a.call('get', { ctx, key: 'written-after-removal' }), null)
    // The group key rotates through the contract; c never gets the new one.
    await until('a rotates the key', async () => (await a.call('keys', { ctx })).length > keysBefore.length, 15_000)
    const keysAfter: string[] = await a.call('keys', { ctx })
    const fresh = keysAfter.filter((k) => !keysBefore.includes(k))
    await until('b holds the new key', async () => (await b.call('keys', { ctx })).some((k: string) => fresh.includes(k)), 15_000)
    assert.ok(!(await c.call('keys', { ctx })).some((k: string) => fresh.includes(k)), 'c holds a key made after its removal')
    await a.call('set', { ctx, key: 'after-removal', value: 'secret' })
    await until('b sees the write', async () => await b.call('get', { ctx, key: 'after-removal' }) === 'secret')
    // c's node no longer serves the context's state to its user either.
    await assert.rejects(c.call('get', { ctx, key: 'after-removal' }), { name: 'ForbiddenError' })
  })

  it('a node that was down during a removal learns of it from the chain when it starts again', async () => {
    const idB = ids.get(b)!
    await b.stop()
    // Removed while its node is down: only the chain can tell it.
    await client.submit(Buffer.from(ctx, 'hex'), outsider, { type: 'removeMember', identity: Buffer.from(idB, 'hex') })
    await until('a drops b', async () => !await isMember(a, idB))
    b = await b.restart({ chains: chains(RELAYER_C_KEY) })
    await until('b, restarted, knows it was removed', async () => !await isMember(b, idB), 10_000)
    await assert.rejects(b.call('set', { ctx, key: 'after-restart', value: 'b' }), { name: 'ForbiddenError' })
  })
})
