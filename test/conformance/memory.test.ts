// The in-memory chain (test/helpers/memory-chain.ts) against the chain conformance
// suites, with past-state reads and without (as on ICP).
import { MemoryAnchor, MemoryChain } from '../helpers/memory-chain.ts'
import { chainAnchorConformance } from './chain-suite.ts'

for (const pastState of [true, false]) {
  chainAnchorConformance({
    name: `memory chain (${pastState ? 'with' : 'without'} past-state reads)`,
    reorgs: true,
    setup: async () => {
      const chain = new MemoryChain({ pastState })
      const anchor = new MemoryAnchor(chain)
      return {
        anchor,
        resend: async (_context, receipt) => chain.resend(receipt.id),
        fork: { mark: async () => chain.head(), reorg: async (at) => { chain.fork(at, 3) } },
        advance: async (ms) => { chain.advance(ms) },
        now: async () => chain.now(),
        close: async () => { await anchor.close() }
      }
    }
  })
}
