// The NEAR chain module: what only it knows (account ids, payer credentials, amounts), and
// `moor devnet near`'s launcher: the devnet up, the contract deployed from the dev account,
// an anchor made by the module creating a context through it.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { near } from '../../adapters/near/index.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { silentLogger } from '../../src/log/index.ts'
import { CHAIN_MODULES } from '../../src/node/chains.ts'

describe('NEAR chain module', () => {
  it('is in the list; checks account ids and payer credentials without the network', async () => {
    assert.equal(CHAIN_MODULES.get('near'), near)
    for (const ok of ['alice.near', 'a-b_c.testnet', 'ab', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef']) assert.equal(near.account.parse(ok), ok)
    for (const bad of ['A.near', 'a', '.near', 'a..near', 'a-.near', 'near.', 'a'.repeat(65), 'ä.near']) assert.equal(near.account.parse(bad), undefined, bad)
    assert.equal(near.amount.decimals, 24)
    const key = near.devnet!.devKey!
    assert.equal(near.payer.parse(key), key)
    assert.equal(await near.payer.account(key), 'test.near')
    assert.equal(near.payer.parse('test.near:ed25519:notakey'), undefined)
    // A key whose public half does not match its seed is refused.
    assert.equal(near.payer.parse(key.slice(0, -3) + (key.endsWith('111') ? '222' : '111')), undefined)
  })

  it('CAIP-10 ids of NEAR accounts with _ are taken; the module\'s account rule decides, not CAIP-10\'s character set', async () => {
    const { parseAccountId } = await import('../../src/chain/caip.ts')
    const { normalizeAccount } = await import('../../src/wallets/account.ts')
    assert.deepEqual(parseAccountId('near:testnet:alice_bob.testnet'), { namespace: 'near', reference: 'testnet', address: 'alice_bob.testnet' })
    assert.equal(normalizeAccount(CHAIN_MODULES, 'near:testnet:alice_bob.testnet'), 'near:testnet:alice_bob.testnet')
    // The module refuses what is not one of its ids, whatever CAIP-10's envelope allows.
    for (const bad of ['near:testnet:Alice.testnet', 'near:testnet:a__b.testnet', 'eip155:1:0xab_cd']) {
      assert.throws(() => normalizeAccount(CHAIN_MODULES, bad), { name: 'WalletLinkRefusedError' }, bad)
    }
    for (const bad of ['near:testnet:a b', 'near:testnet:', 'near:testnet:' + 'a'.repeat(129), 'near:testnet:ä']) assert.equal(parseAccountId(bad), undefined, bad)
  })

  it('launches the devnet with the contract deployed; the module\'s anchor creates a context on it', async () => {
    const launched = await near.devnet!.launch({ host: '127.0.0.1', port: 0, deploy: true })
    try {
      assert.equal(launched.network, 'moorage-devnet')
      const contract = launched.deployment!.record.contract
      assert.equal(contract, 'config.test.near')
      const anchor = await near.createAnchor({ rpc: launched.rpc, contract, payerKey: launched.key, options: { pollIntervalMs: 20 }, logger: silentLogger })
      try {
        const admin = generateKeyPair()
        const { context } = await anchor.createContext({ application: new Uint8Array(randomBytes(32)), creator: admin })
        assert.equal((await anchor.view(context)).members.length, 1)
        assert.equal(await anchor.network(), 'moorage-devnet')
      } finally {
        await anchor.close()
      }
    } finally {
      await launched.close()
    }
  })
})
