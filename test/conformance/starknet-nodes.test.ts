// Starknet against the chain node conformance suite: nodes on the devnet over JSON-RPC.
import { starknetFixture } from '../starknet/harness.ts'
import { chainNodeConformance } from './chain-node-suite.ts'

chainNodeConformance({
  name: 'starknet (devnet over JSON-RPC)',
  reorgs: false,
  setup: async () => {
    const f = await starknetFixture()
    const key = (i: number): string => `${f.payers[i]!.address}:${f.payers[i]!.privateKey}`
    return {
      anchor: { kind: 'starknet', rpc: f.devnet.url, contract: f.contract },
      nodeInit: (i) => ({ chains: { starknet: { relayerKey: key(i + 1), pollIntervalMs: 50 } } }),
      client: async () => f.anchor(0),
      close: f.close
    }
  }
})
