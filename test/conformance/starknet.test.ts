// The Starknet anchor against the chain conformance suites, on the devnet over HTTP
// (starknet.js unmodified). Starknet does not reorganise: no fork.
import { starknetFixture } from '../starknet/harness.ts'
import { chainAnchorConformance } from './chain-suite.ts'

chainAnchorConformance({
  name: 'starknet (devnet over JSON-RPC)',
  reorgs: false,
  setup: async () => {
    const f = await starknetFixture()
    return {
      anchor: f.anchor(),
      resend: async (_context, receipt) => await f.resend(receipt.id),
      advance: async (ms) => { f.devnet.chain.advance(ms) },
      now: async () => f.devnet.chain.nowMs(),
      close: f.close
    }
  }
})
