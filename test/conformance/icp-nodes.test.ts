// ICP against the chain node conformance suite: nodes on the ICP devnet over HTTP, each
// sending its requests as its own identity (any principal may relay).
import { IcpAnchor } from '../../adapters/icp/anchor.ts'
import { identityFromPem } from '../../adapters/icp/identity.ts'
import { icpFixture } from '../icp/harness.ts'
import { chainNodeConformance } from './chain-node-suite.ts'

chainNodeConformance({
  name: 'icp (devnet over HTTP)',
  reorgs: false,
  setup: async () => {
    const f = await icpFixture(4)
    return {
      anchor: { kind: 'icp', rpc: f.replica.url, contract: f.canister },
      nodeInit: (i) => ({ chains: { icp: { relayerKey: f.relayers[i + 1]!, pollIntervalMs: 50 } } }),
      client: async () => new IcpAnchor({ host: f.replica.url, canister: f.canister, rootKey: f.replica.rootKey, identity: identityFromPem(f.relayers[0]!), pollIntervalMs: 50 }),
      close: f.close
    }
  }
})
