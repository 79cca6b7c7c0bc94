// The offchain anchor against the conformance suite, in process on a real LMDB store.
import { silentLogger } from '../../src/log/index.ts'
import { OffchainAnchor } from '../../src/governance/offchain/index.ts'
import { decodeOp } from '../../src/governance/offchain/op.ts'
import { HybridClock } from '../../src/state/hlc.ts'
import { key, openStore } from '../../src/store/index.ts'
import { tempDir } from '../helpers/tmp.ts'
import { anchorConformance } from './suite.ts'

anchorConformance({
  name: 'offchain (in process)',
  setup: async () => {
    const dir = tempDir('moor-conf-')
    const store = openStore({ path: dir.path, noSync: true })
    let skew = 0
    const clock = new HybridClock(() => Date.now() + skew)
    const anchor = new OffchainAnchor({ store, clock, logger: silentLogger })
    return {
      anchor,
      replay: async (context, receipt) => {
        const bytes = store.db.governance.get(key(context, Uint8Array.of(0), Buffer.from(receipt.id, 'hex'))) as Uint8Array
        const op = decodeOp(bytes)
        const outcome = await store.transaction(() => anchor.ingest(op))
        if (outcome.status === 'added') anchor.adopt(outcome.ops)
      },
      advance: async (ms) => { skew += ms },
      now: async () => Date.now() + skew,
      close: async () => { await store.close(); dir.cleanup() }
    }
  }
})
