// Group commit: the calls of a batch write into one overlay, each undoable until it ends.
// Whatever mix of successes and failures a batch holds, the stored state must be exactly
// what the batch's deltas produce, and every stored hash must verify.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { fromUtf8, parseHex, toHex, utf8 } from '../../src/crypto/bytes.ts'
import { silentLogger } from '../../src/log/index.ts'
import { defaultConfig } from '../../src/node/config.ts'
import { createNode } from '../../src/node/index.ts'
import { openStore, prefixRange } from '../../src/store/index.ts'
import { decodeDelta } from '../../src/sync/delta.ts'
import { exportSnapshot, SnapshotImport } from '../../src/sync/snapshot.ts'
import { fixtureWasm, appWasm } from '../helpers/node.ts'
import { Replica } from '../helpers/replica.ts'
import { tempDir } from '../helpers/tmp.ts'

const dir = tempDir('moor-group-')
after(() => { dir.cleanup() })

describe('group commit', () => {
  it('failed calls in a batch leave no trace: the state is a replay of the deltas, and verifies', async () => {
    const home = `${dir.path}/node`
    const node = await createNode({ home, config: defaultConfig(home), logger: silentLogger })
    let infos: Array<{ id: string, rootHash: string, deltaCount: number }>
    try {
      const trap = (await node.installApplication({ wasm: fixtureWasm('trap') })).id
      const kv = (await node.installApplication({ wasm: appWasm('kv-store') })).id
      const ctx = await node.createContext({ applicationId: trap })
      const other = await node.createContext({ applicationId: kv })
      const call = async (method: string, key: string): Promise<string> => {
        const r = await node.execute({ contextId: ctx.id, method, args: utf8(JSON.stringify({ key })) })
        return fromUtf8(r.output!)
      }
      await call('write_ok', 'a')
      await call('write_ok', 'b')
      // Successes and failures interleaved in the same batches, rewriting keys written by
      // earlier calls of the batch, by earlier batches, and new keys that a failure creates.
      for (let round = 0; round < 3; round++) {
        const results = await Promise.allSettled([
          call('write_then_panic', 'a'),
          call('write_ok', `n${round}`),
          call('write_then_panic', `n${round}`),
          call('write_then_abort', `lost${round}`),
          call('write_ok', 'b'),
          call('write_then_unreachable', `lost${round}`),
          node.execute({ contextId: other.id, method: 'set', args: utf8(JSON.stringify({ key: `k${round}`, value: 'v' })) }),
          call('write_then_throw', 'b'),
          call('write_ok', `m${round}`)
        ])
        assert.deepEqual(results.map((r) => r.status), ['rejected', 'fulfilled', 'rejected', 'rejected', 'fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'])
      }
      for (const k of ['lost0', 'lost1', 'lost2']) {
        const r = await node.execute({ contextId: ctx.id, method: 'read', args: utf8(JSON.stringify({ key: k })), readOnly: true })
        assert.equal(fromUtf8(r.output!), 'null', `${k} leaked`)
      }
      infos = [node.getContext(ctx.id), node.getContext(other.id)]
    } finally {
      await node.stop()
    }

    const store = openStore({ path: `${home}/data`, noSync: true })
    try {
      for (const info of infos) {
        const context = parseHex(info.id, 32)!
        // Every entity hash and accumulator, and the children index, verify against the root hash.
        const snapshot = new SnapshotImport(context)
        for (const page of exportSnapshot(store, context)) snapshot.add(page)
        snapshot.verify()
        // A replica that applies only the stored deltas reaches the same root hash.
        const replica = await Replica.open(`${dir.path}/replica-${info.id.slice(0, 8)}`, context)
        const deltas = [...store.db.deltas.getRange(prefixRange(context))].map(({ value }) => value as Uint8Array)
        assert.equal(deltas.length, info.deltaCount)
        for (const bytes of deltas) await replica.receive(bytes)
        assert.equal(replica.rootHash(), info.rootHash)
        assert.equal(toHex(decodeDelta(deltas[0]!).context), info.id)
        await replica.close()
      }
    } finally {
      await store.close()
    }
  })
})
