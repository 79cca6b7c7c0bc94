// The ICP anchor against the chain conformance suites, on the ICP devnet (the real Motoko
// context config WASM in the TypeScript replica) over HTTP, agent-js checking every
// certificate and query signature.
import { icpFixture } from '../icp/harness.ts'
import { chainAnchorConformance } from './chain-suite.ts'

chainAnchorConformance({
  name: 'icp (devnet over HTTP)',
  reorgs: false,
  setup: async () => {
    const f = await icpFixture()
    return {
      anchor: f.anchor(),
      resend: async (_context, receipt) => await f.resend(receipt.id),
      advance: f.advance,
      now: f.now,
      close: f.close
    }
  }
})
