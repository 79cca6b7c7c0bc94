// The NEAR anchor against the chain conformance suites, on the NEAR devnet (the real
// context config WASM in the TypeScript host) over HTTP.
import { nearFixture } from '../near/harness.ts'
import { chainAnchorConformance } from './chain-suite.ts'

chainAnchorConformance({
  name: 'near (devnet over HTTP)',
  reorgs: false,
  setup: async () => {
    const f = await nearFixture()
    return {
      anchor: f.anchor(),
      resend: async (_context, receipt) => await f.resend(receipt.id),
      advance: f.advance,
      now: f.now,
      close: f.close
    }
  }
})
