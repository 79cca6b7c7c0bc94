// A copy of a member's whole home taken at time T, against the traffic the context carries
// before and after (docs/encryption.md). a rotates the generation after every few messages;
// every ratcheted envelope a publishes is recorded (what a peer on the topic sees). With all
// that the copy holds — every epoch secret its identity opens in the governance log, every
// generation in its ratchet store, all under its node key — messages of generations dropped
// before T do not open, nor do those of the generations made after T; b itself, running on,
// follows every rotation and holds every write.
import assert from 'node:assert/strict'
import { cpSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { toHex } from '../../src/crypto/bytes.ts'
import { silentLogger } from '../../src/log/index.ts'
import { defaultConfig } from '../../src/node/config.ts'
import { createNode, type MoorNode } from '../../src/node/index.ts'
import { topicOf, type Replicator } from '../../src/node/replication/index.ts'
import type { Network } from '../../src/network/index.ts'
import { parseEnvelope, RATCHETED_KINDS, type Envelope } from '../../src/sync/envelope.ts'
import { openWithSecret } from '../helpers/envelopes.ts'
import { joinedContext, startTestNode, type TestNode } from '../helpers/node.ts'
import { tempDir } from '../helpers/tmp.ts'
import { until } from '../helpers/until.ts'

const partsOf = (n: MoorNode): { network: Network, replicator: Replicator } => (n as unknown as { p: { network: Network, replicator: Replicator } }).p
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

describe('a stolen copy of a member\'s home', { timeout: 180_000 }, () => {
  let a: TestNode, b: TestNode, c: TestNode
  let ctx: string
  const copyDir = tempDir('moor-stolen-')
  let copy: MoorNode | undefined
  before(async () => {
    a = await startTestNode({ encryption: { rotateAfterMessages: 3 } })
    ;[b, c] = await Promise.all([startTestNode(), startTestNode()])
    ctx = await joinedContext(a, [b, c])
  })
  after(async () => {
    await copy?.stop()
    await Promise.all([a.close(), b.close(), c.close()])
    copyDir.cleanup()
  })

  it('opens neither what was sent under generations dropped before the copy nor what is sent after the next rotation', async () => {
    const c32 = hex(ctx)
    const net = partsOf(a.node).network
    const realPublish = net.publish.bind(net)
    const topic = topicOf(c32)
    const sent: Envelope[] = []
    net.publish = async (t: string, data: Uint8Array) => {
      if (t === topic) {
        const env = parseEnvelope(data)
        if (RATCHETED_KINDS.has(env.kind)) sent.push(env)
      }
      return await realPublish(t, data)
    }
    const bKeys = partsOf(b.node).replicator.keys
    const generationOnB = (): number => bKeys.ratchets.current(c32, bKeys.keyring(c32).current!).n
    const write = async (key: string): Promise<void> => {
      await a.call(ctx, 'set', { key, value: key })
      await until(`b to have ${key}`, async () => await b.query(ctx, 'get', { key }) === key)
    }
    try {
      let i = 0
      // Before T: enough writes for b to have moved through several generations since the
      // recording began (joining already moved it through some).
      const genAtStart = generationOnB()
      while (generationOnB() < genAtStart + 3) await write(`before${i++}`)
      const atT = new Set(sent.map((e) => toHex(e.gen)))
      await partsOf(b.node).replicator.c.store.flushed()
      cpSync(b.home, copyDir.path, { recursive: true, filter: (src) => !src.endsWith('-lock') })
      const genAtT = generationOnB()
      // After T: the context runs on past the next rotations.
      while (generationOnB() < genAtT + 2) await write(`after${i++}`)
      const last = `after${i - 1}`
      await until('c to have every write too', async () => await c.query(ctx, 'get', { key: last }) === last)
      const afterT = sent.filter((e) => !atT.has(toHex(e.gen)))

      // The thief: a node started on the copy (offline), and everything it can unseal.
      copy = await createNode({ home: copyDir.path, config: defaultConfig(copyDir.path), logger: silentLogger })
      const stolen = partsOf(copy).replicator.keys
      const epochs = stolen.epochs(c32)
      assert.ok(epochs.length > 0, 'the copy opens its epoch secrets from the governance log')
      const opens = (env: Envelope): boolean => {
        const epoch = epochs.find((e) => toHex(e.id) === toHex(env.keyId))
        if (epoch === undefined) return false
        const gen = env.gen.byteLength === 0 ? undefined : stolen.ratchets.generation(c32, epoch, env.gen)
        try {
          openWithSecret(env, epoch.key, gen?.secret)
          return true
        } catch {
          return false
        }
      }
      const beforeT = sent.filter((e) => atT.has(toHex(e.gen)))
      const held = (e: Envelope): boolean => stolen.ratchets.generation(c32, epochs.find((k) => toHex(k.id) === toHex(e.keyId))!, e.gen) !== undefined
      const heldAtT = beforeT.filter((e) => e.gen.byteLength > 0 && held(e))
      const droppedBeforeT = beforeT.filter((e) => e.gen.byteLength > 0 && !held(e))
      assert.ok(droppedBeforeT.length > 0, 'messages were sent under generations dropped before T')
      assert.ok(afterT.length > 0, 'messages were sent under generations made after T')
      assert.deepEqual(droppedBeforeT.filter(opens), [], 'no message of a generation dropped before T opens')
      assert.deepEqual(afterT.filter(opens), [], 'no message of a generation made after T opens')
      // What the retention rule leaves readable: the generations kept at T.
      assert.ok(heldAtT.length > 0 && heldAtT.every(opens), 'messages of the generations kept at T do open')
      // The dropped generations left nothing in the ratchet store's file either.
      const file = readFileSync(join(copyDir.path, 'ratchet', 'keys.mdb'))
      for (const e of droppedBeforeT) assert.ok(!file.includes(Buffer.from(`${ctx}/${toHex(e.keyId)}/${toHex(e.gen)}`)), 'no stale record of a dropped generation')
    } finally {
      net.publish = realPublish
    }
  })
})
