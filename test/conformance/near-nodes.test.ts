// NEAR against the chain node conformance suite: nodes on the NEAR devnet over HTTP, each
// paying from its own devnet account.
import { NearAnchor } from '../../adapters/near/anchor.ts'
import { nearFixture } from '../near/harness.ts'
import { chainNodeConformance } from './chain-node-suite.ts'

chainNodeConformance({
  name: 'near (devnet over HTTP)',
  reorgs: false,
  setup: async () => {
    const f = await nearFixture(4)
    const payer = (i: number): string => `${f.relayers[i]!.account}:${f.relayers[i]!.key}`
    return {
      anchor: { kind: 'near', rpc: f.devnet.url, contract: f.contract },
      nodeInit: (i) => ({ chains: { near: { relayerKey: payer(i + 1), pollIntervalMs: 50 } } }),
      client: async () => new NearAnchor({ rpc: f.devnet.url, contract: f.contract, relayer: f.relayers[0]!, pollIntervalMs: 50 }),
      close: f.close
    }
  }
})
