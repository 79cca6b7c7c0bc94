// The Ethereum anchor against the chain conformance suites, on Hardhat's EDR in this process.
import type { RefusalCode } from '../../src/governance/refusals.ts'
import { evmFixture } from '../ethereum/harness.ts'
import { chainAnchorConformance } from './chain-suite.ts'

chainAnchorConformance({
  name: 'ethereum (EDR in process)',
  reorgs: true,
  setup: async () => {
    const evm = await evmFixture()
    return {
      anchor: evm.anchor(),
      // Another relayer sends the very same calldata again.
      resend: async (_context, receipt) => (await evm.resend(receipt.id)).verdict as RefusalCode | 'accepted',
      fork: { mark: evm.mark, reorg: evm.reorg },
      advance: evm.advance,
      now: evm.now,
      close: evm.close
    }
  }
})
