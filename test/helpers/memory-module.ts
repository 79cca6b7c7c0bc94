// The in-memory chain (memory-chain.ts) as a chain module, so real nodes in the test
// process can anchor contexts on it through the node's own paths (the registry, config,
// invitations) — registered through NodeInit.chainModules, with no file under src/ changed.
// The chain lives in this process: the endpoint only names it and is never dialled.
import { randomBytes } from 'node:crypto'
import type { ChainModule } from '../../src/chain/module.ts'
import { MemoryAnchor, type MemoryChain } from './memory-chain.ts'

const NAME = /^[a-z0-9-]{1,64}$/

export function memoryModule (chain: MemoryChain): ChainModule {
  const name = { description: '1 to 64 of [a-z0-9-]', maxLength: 64, parse: (t: string) => NAME.test(t) ? t : undefined }
  return {
    kind: 'memory',
    title: 'In-memory test chain',
    namespace: 'memory',
    settings: { options: {} },
    contract: name,
    account: name,
    amount: { unit: 'unit', symbol: 'UNIT', decimals: 0, max: 2n ** 64n - 1n },
    payer: {
      env: 'MOOR_MEMORY_RELAYER_KEY',
      inputEnv: 'MOOR_MEMORY_KEY',
      description: 'a test payer name',
      hint: 'any name of [a-z0-9-]',
      parse: (t) => NAME.test(t) ? t : undefined,
      account: async (key) => `payer-${key}`
    },
    createAnchor: async (init) => new MemoryAnchor(chain, { pollIntervalMs: 20, logger: init.logger }),
    deploy: async () => { throw new Error('the in-memory chain has no contracts to deploy') }
  }
}

/** An endpoint that names `chain` (never dialled: the chain is in this process). */
export function memoryEndpoint (chain: MemoryChain): string {
  return `http://127.0.0.1:9/memory-${chain.id}-${randomBytes(2).toString('hex')}`
}
