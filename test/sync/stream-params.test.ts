// Every catch-up protocol validates its params: requests signed by a real member of the
// context (from a bare libp2p peer acting as that member's node) with fuzzed params get
// an error answer naming the params, the node keeps serving, and nothing changes.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { encode } from 'cborg'
import fc from 'fast-check'
import { toHex } from '../../src/crypto/bytes.ts'
import type { KeyPair } from '../../src/crypto/ed25519.ts'
import { createNetwork, type Network } from '../../src/network/index.ts'
import type { Identities } from '../../src/node/identities.ts'
import { PARAMS } from '../../src/sync/params.ts'
import { describeProtocol, encodeRequest, PROTOCOLS, type ProtocolName } from '../../src/sync/wire.ts'
import { appWasm, startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

/** CBOR-encodable values of every shape, and near misses of each protocol's params. */
const leaf = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.constantFrom(-Infinity, Infinity, -1, -0.5, 2 ** 53, 1e12),
  fc.string({ maxLength: 8 }), fc.uint8Array({ maxLength: 70 }), fc.constantFrom(new Uint8Array(31), new Uint8Array(32), new Uint8Array(64))
)
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 3 }))
}))
const ids = fc.array(fc.oneof(fc.constant(new Uint8Array(32)), leaf), { maxLength: 3 })
const nearMiss: Record<ProtocolName, fc.Arbitrary<unknown>> = {
  gov: fc.tuple(leaf, leaf),
  heads: leaf,
  deltas: fc.tuple(ids, ids, leaf),
  snapshot: fc.record({ phase: fc.oneof(fc.constantFrom('state', 'children', 'ids', 'end', 'other'), leaf), after: leaf }),
  app: fc.tuple(fc.constant(new Uint8Array(32)), leaf),
  push: fc.tuple(fc.array(leaf, { maxLength: 3 }), leaf),
  generation: fc.tuple(fc.constant(new Uint8Array(32)), fc.constant(new Uint8Array(32)), leaf)
}

describe('stream params, fuzzed, from a real member', { timeout: 240_000 }, () => {
  let t: TestNode
  let ctx: string
  let me: KeyPair
  const peers: Network[] = []

  const state = (): unknown => {
    const info = t.node.getContext(ctx)
    return { root: info.rootHash, deltas: info.deltaCount, members: t.node.members(ctx), gov: JSON.stringify(t.node.governance(ctx)) }
  }

  /**
   * A fresh bare peer connected to the node (a peer is banned after ten forged requests, by
   * design). The node dials it: inbound connections from new peers are budgeted, and this
   * test needs more of them than a flooder would be let in.
   */
  const freshPeer = async (): Promise<Network> => {
    const net = createNetwork({ seed: randomBytes(32) })
    peers.push(net)
    await net.start()
    await (t.node as unknown as { p: { network: Network } }).p.network.dial(net.addresses()[0]!)
    await until('the peer to see the node', () => net.peers().includes(t.node.status().p2p.peerId))
    return net
  }

  const ask = async (net: Network, protocol: ProtocolName, params: unknown): Promise<{ ok: true, frames: number } | { ok: false, message: string }> => {
    const name = PROTOCOLS[protocol]
    const req = encodeRequest(name, Buffer.from(ctx, 'hex'), me, net.peerId, params)
    try {
      let frames = 0
      for await (const _ of net.request(t.node.status().p2p.peerId, name, req)) frames++
      return { ok: true, frames }
    } catch (err) {
      return { ok: false, message: (err as Error).message }
    }
  }

  before(async () => {
    t = await startTestNode()
    const app = await t.node.installApplication({ wasm: appWasm('kv-store') })
    const info = await t.node.createContext({ applicationId: app.id })
    ctx = info.id
    me = ((t.node as unknown as { p: { identities: Identities } }).p.identities).get(Buffer.from(ctx, 'hex'), Buffer.from(info.identity, 'hex'))!
    await t.call(ctx, 'set', { key: 'k', value: 'v' })
    // The context's first group key, rotated in by the node's key duty, is in place.
    await until('the group key', () => !t.node.syncStatus(ctx).awaitingKey)
  })
  after(async () => {
    await Promise.all(peers.map(async (p) => { await p.stop() }))
    await t.close()
  })

  for (const protocol of Object.keys(PROTOCOLS) as ProtocolName[]) {
    it(`${protocol}: a malformed param gets an error answer, nothing changes`, async () => {
      const before = state()
      let net = await freshPeer()
      let sent = 0
      await fc.assert(fc.asyncProperty(fc.oneof(value, nearMiss[protocol]), async (params) => {
        let encodable = true
        try { encode(params) } catch { encodable = false }
        fc.pre(encodable)
        let valid = true
        try { PARAMS[protocol](params) } catch { valid = false }
        // Below the ban score: at most nine forged requests per peer.
        if (++sent % 9 === 0) net = await freshPeer()
        const answer = await ask(net, protocol, params)
        if (!valid) {
          assert.equal(answer.ok, false, `${protocol} ${JSON.stringify(params, (_k, v) => v instanceof Uint8Array ? toHex(v) : v)} was served`)
          // Named for what it asks, not by its internal protocol id.
          assert.match((answer as { message: string }).message, new RegExp(`^${describeProtocol(protocol)} request: `))
        }
      }), { numRuns: 40 })
      assert.deepEqual(state(), before)
      // The node still serves a well-formed request of a member.
      const heads = await ask(await freshPeer(), 'heads', null)
      assert.deepEqual(heads, { ok: true, frames: 1 })
    })
  }
})
