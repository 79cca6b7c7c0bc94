// The ICP chain module: what only it knows (canister ids, principals, identity PEMs as payer
// credentials, amounts), and `moor devnet icp`'s launcher: the devnet up, the canister
// installed from the dev identity, an anchor made by the module creating a context through
// it (the root key fetched from the loopback endpoint, every reply checked).
import assert from 'node:assert/strict'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { icp } from '../../adapters/icp/index.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { silentLogger } from '../../src/log/index.ts'
import { CHAIN_MODULES } from '../../src/node/chains.ts'

describe('ICP chain module', () => {
  it('is in the list; checks canister ids, principals and identity PEMs without the network', async () => {
    assert.equal(CHAIN_MODULES.get('icp'), icp)
    for (const ok of ['rrkah-fqaaa-aaaaa-aaaaq-cai', 'ryjl3-tyaaa-aaaaa-aaaba-cai']) assert.equal(icp.contract.parse(ok), ok)
    for (const bad of ['RRKAH-FQAAA-AAAAA-AAAAQ-CAI', 'rrkah-fqaaa-aaaaa-aaaaq', 'aaaaa-aa', '2vxsx-fae', 'rrkah-fqaaa-aaaaa-aaaaq-caj', '']) assert.equal(icp.contract.parse(bad), undefined, bad)
    // A self-authenticating principal is an account; the anonymous principal is not.
    const dev = await icp.payer.account(icp.devnet!.devKey!)
    assert.match(dev, /^[a-z0-9]{5}(-[a-z0-9]{5})*-[a-z0-9]{3}$/)
    assert.equal(icp.account.parse(dev), dev)
    assert.equal(icp.account.parse('2vxsx-fae'), undefined)
    assert.equal(icp.amount.decimals, 8)
    const key = icp.devnet!.devKey!
    assert.equal(icp.payer.parse(key), key)
    assert.equal(icp.payer.parse(key.replace(/\n/g, '\r\n') + '\n'), key, 'CRLF and a trailing newline are normalised')
    const secp = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ format: 'pem', type: 'sec1' }).toString()
    assert.equal(icp.payer.parse(secp), secp.trim())
    assert.match(await icp.payer.account(secp.trim()), /-[a-z0-9]{3}$/)
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'sec1' }).toString()
    for (const bad of [p256, 'not a pem', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', 'x'.repeat(5000)]) assert.equal(icp.payer.parse(bad), undefined)
  })

  it('launches the devnet with the canister installed; the module\'s anchor creates a context on it', async () => {
    const launched = await icp.devnet!.launch({ host: '127.0.0.1', port: 0, deploy: true })
    try {
      assert.equal(launched.network, 'local')
      const contract = launched.deployment!.record.contract
      assert.equal(icp.contract.parse(contract), contract)
      const anchor = await icp.createAnchor({ rpc: launched.rpc, contract, payerKey: launched.key, options: { pollIntervalMs: 20 }, logger: silentLogger })
      try {
        const admin = generateKeyPair()
        const { context } = await anchor.createContext({ application: new Uint8Array(randomBytes(32)), creator: admin })
        assert.equal((await anchor.view(context)).members.length, 1)
        assert.equal(await anchor.network(), 'local')
      } finally {
        await anchor.close()
      }
    } finally {
      await launched.close()
    }
  })
})
