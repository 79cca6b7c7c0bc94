// The Starknet chain module: felt ids and payer credentials checked without the network,
// and `finality: "l1"`: an anchor made by the module counts a change only once its block is
// ACCEPTED_ON_L1, later than ACCEPTED_ON_L2 on a devnet whose L1 acceptance lags.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { starknet } from '../../adapters/starknet/index.ts'
import { deployTo } from '../../adapters/starknet/deploy.ts'
import { serveDevnet } from '../../adapters/starknet/devnet/index.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { silentLogger } from '../../src/log/index.ts'
import { CHAIN_MODULES } from '../../src/node/chains.ts'

const P = 2n ** 251n + 17n * 2n ** 192n

describe('Starknet chain module', () => {
  it('is in the list; addresses are felts below the prime, normalised to 64 hex digits', () => {
    assert.equal(CHAIN_MODULES.get('starknet'), starknet)
    assert.equal(starknet.account.parse('0x1'), '0x' + '0'.repeat(63) + '1')
    assert.equal(starknet.account.parse('0xABC'), '0x' + '0'.repeat(61) + 'abc')
    assert.equal(starknet.contract.parse('0x' + (P - 1n).toString(16)), '0x' + (P - 1n).toString(16).padStart(64, '0'))
    for (const bad of ['0x0', '0x', '1', '0x' + P.toString(16), '0x' + 'f'.repeat(64), '0x' + '1'.repeat(65), '0xg1']) assert.equal(starknet.account.parse(bad), undefined, bad)
    assert.equal(starknet.amount.unit, 'fri')
  })

  it('payer credentials: <address>:<Stark key>, the key a scalar below the curve order', async () => {
    const order = 0x0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2fn
    const ok = starknet.payer.parse(' 0x1234:0xabc ')
    assert.equal(ok, `0x${'1234'.padStart(64, '0')}:0x${'abc'.padStart(64, '0')}`)
    assert.equal(await starknet.payer.account(ok!), '0x' + '1234'.padStart(64, '0'))
    for (const bad of ['0x1234', '0x1234:0x0', `0x1234:0x${order.toString(16)}`, '0x1234:0xabc:0x1', 'nope:0x1', '0x1234:abc']) assert.equal(starknet.payer.parse(bad), undefined, bad)
  })

  it('finality l1: createContext returns once its block is ACCEPTED_ON_L1, not before', async () => {
    const devnet = await serveDevnet({ l1DelayMs: 400 })
    try {
      const payer = devnet.accounts[0]!
      const { contract } = await deployTo({ rpc: devnet.url, payer })
      const anchor = await starknet.createAnchor({ rpc: devnet.url, contract, payerKey: starknet.payer.parse(`${payer.address}:${payer.privateKey}`)!, options: { finality: 'l1', pollIntervalMs: 20 }, logger: silentLogger })
      try {
        const started = Date.now()
        const { receipt } = await anchor.createContext({ application: new Uint8Array(randomBytes(32)), creator: generateKeyPair() })
        const tx = devnet.chain.txs.get(BigInt(receipt.id))!
        assert.equal(devnet.chain.blocks[tx.block]!.status, 'ACCEPTED_ON_L1')
        assert.ok(Date.now() - started >= 350, 'it waited for L1 acceptance')
      } finally { await anchor.close() }
      // With l2 finality the same call returns while the block is only ACCEPTED_ON_L2.
      const l2 = await starknet.createAnchor({ rpc: devnet.url, contract, payerKey: starknet.payer.parse(`${payer.address}:${payer.privateKey}`)!, options: { finality: 'l2', pollIntervalMs: 20 }, logger: silentLogger })
      try {
        const { receipt } = await l2.createContext({ application: new Uint8Array(randomBytes(32)), creator: generateKeyPair() })
        assert.equal(devnet.chain.blocks[devnet.chain.txs.get(BigInt(receipt.id))!.block]!.status, 'ACCEPTED_ON_L2')
      } finally { await l2.close() }
    } finally { await devnet.close() }
  })
})
