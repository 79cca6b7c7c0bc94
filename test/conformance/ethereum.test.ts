// The Ethereum anchor against the conformance suite, on Hardhat's EDR in this process.
import assert from 'node:assert/strict'
import { evmFixture } from '../ethereum/harness.ts'
import { anchorConformance } from './suite.ts'

anchorConformance({
  name: 'ethereum (EDR in process)',
  setup: async () => {
    const evm = await evmFixture()
    return {
      anchor: evm.anchor(),
      // Another relayer sends the very same calldata again: the contract refuses it.
      replay: async (_context, receipt) => {
        const again = await evm.resend(receipt.id)
        assert.deepEqual(again, { verdict: 'StaleNonce', status: 0 })
      },
      advance: evm.advance,
      now: evm.now,
      close: evm.close
    }
  }
})
