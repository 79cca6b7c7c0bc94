// The in-memory chain against the chain node conformance suite: real nodes anchored on it
// through a test-only chain module, with past-state reads and without (as on ICP).
import { ChainModules } from '../../src/chain/modules.ts'
import { MemoryAnchor, MemoryChain } from '../helpers/memory-chain.ts'
import { memoryEndpoint, memoryModule } from '../helpers/memory-module.ts'
import { chainNodeConformance } from './chain-node-suite.ts'

for (const pastState of [true, false]) {
  chainNodeConformance({
    name: `memory chain (${pastState ? 'with' : 'without'} past-state reads)`,
    reorgs: true,
    setup: async () => {
      const chain = new MemoryChain({ pastState })
      const modules = new ChainModules([memoryModule(chain)])
      return {
        anchor: { kind: 'memory', rpc: memoryEndpoint(chain), contract: 'context-config' },
        nodeInit: (i) => ({ chainModules: modules, chains: { memory: { relayerKey: `node-${i}` } } }),
        client: async () => new MemoryAnchor(chain),
        fork: { mark: async () => chain.head(), reorg: async (at) => { chain.fork(at, 3) } },
        close: async () => {}
      }
    }
  })
}
