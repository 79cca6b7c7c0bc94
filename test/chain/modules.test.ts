// The chain-module seam: the registered list, what an unknown kind is told, and that a chain
// the core never heard of plugs in through its module alone (config.json, the registry,
// invitation strings, relayer keys) — here a small module made in this file.
import assert from 'node:assert/strict'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { formatNetworkId, parseAccountId, parseNetworkId } from '../../src/chain/caip.ts'
import type { ChainModule, CreateAnchorInit } from '../../src/chain/module.ts'
import { parseId } from '../../src/chain/ids.ts'
import { ChainModules } from '../../src/chain/modules.ts'
import type { ChainAnchor } from '../../src/governance/anchor.ts'
import { silentLogger } from '../../src/log/index.ts'
import { ChainRegistry } from '../../src/node/chain/registry.ts'
import { CHAIN_MODULES } from '../../src/node/chains.ts'
import { configureChain, findRelayerKey, initHome, loadConfig, relayerKeyPath, writeRelayerKey } from '../../src/node/config.ts'
import { decodeTicket, encodeTicket, ticketAnchor } from '../../src/node/invitation.ts'
import { tempDir } from '../helpers/tmp.ts'

/** A chain nobody wrote an adapter for: ids are `t-` and 1 to 8 lowercase letters, keys `k-` and digits. */
function testChain (created: CreateAnchorInit[] = []): ChainModule {
  const id = { description: 'a test id (t- and 1 to 8 letters)', maxLength: 10, parse: (t: string) => /^t-[a-z]{1,8}$/i.test(t) ? t.toLowerCase() : undefined }
  return {
    kind: 'testchain',
    title: 'Testchain',
    namespace: 'testns',
    settings: { options: { finality: { type: 'choice', values: ['fast', 'final'], default: 'final', description: 'which blocks count' }, depth: { type: 'integer', min: 2, default: 4, description: 'blocks kept' } } },
    contract: id,
    account: id,
    amount: { unit: 'grain', symbol: 'TST', decimals: 6, max: 10n ** 12n },
    payer: { env: 'MOOR_TEST_RELAYER_KEY', inputEnv: 'MOOR_TEST_KEY', description: 'a test key', hint: 'k- and digits', parse: (t: string) => /^k-[0-9]{1,16}$/.test(t) ? t : undefined, account: async (k: string) => `acct-${k.slice(2)}` },
    endpoints: { local: 'http://127.0.0.1:9999' },
    async createAnchor (init) {
      created.push(init)
      return { kind: 'testchain', close: async () => {} } as unknown as ChainAnchor
    },
    async deploy () { throw new Error('not in this test') }
  }
}

describe('chain modules', () => {
  const dir = tempDir('moor-chain-modules-')
  let home: string
  before(async () => {
    home = join(dir.path, 'home')
    await initHome(home)
  })
  after(() => { dir.cleanup() })

  it('the build lists each chain once, by kind and CAIP-2 namespace', () => {
    assert.deepEqual(CHAIN_MODULES.kinds, ['ethereum', 'icp', 'near', 'starknet'])
    const eth = CHAIN_MODULES.get('ethereum')
    assert.equal(eth.namespace, 'eip155')
    assert.equal(eth.amount.unit, 'wei')
    assert.equal(typeof eth.devnet?.launch, 'function')
  })

  it('an unknown kind is an UnknownAnchorError listing the known ones', () => {
    assert.throws(() => CHAIN_MODULES.get('solana'), (e: Error) => e.name === 'UnknownAnchorError' && e.message === 'unknown anchor "solana"\nDetails: known anchors: offchain, ethereum, icp, near, starknet')
    const modules = new ChainModules([testChain(), CHAIN_MODULES.get('ethereum')])
    assert.throws(() => modules.get('solana'), /known anchors: offchain, testchain, ethereum$/)
  })

  it('refuses a list with a malformed or repeated module', () => {
    assert.throws(() => new ChainModules([testChain(), testChain()]), /listed twice/)
    assert.throws(() => new ChainModules([{ ...testChain(), kind: 'offchain' }]), /not "offchain"/)
    assert.throws(() => new ChainModules([{ ...testChain(), kind: 'Bad Kind' }]), /must be 2 to 16/)
    assert.throws(() => new ChainModules([{ ...testChain(), namespace: 'x' }]), /not a CAIP-2 namespace/)
  })

  it('the Ethereum module checks ids and keys without loading its client, and shows a key only as its address', async () => {
    const eth = CHAIN_MODULES.get('ethereum')
    assert.equal(eth.contract.parse('0x5FbDB2315678afecb367f032d93F642f64180aa3'), '0x5FbDB2315678afecb367f032d93F642f64180aa3')
    assert.equal(eth.contract.parse('0x1234'), undefined)
    assert.equal(eth.contract.key?.('0xAB' + '00'.repeat(19)), '0xab' + '00'.repeat(19))
    assert.equal(eth.payer.parse('0x' + '00'.repeat(32)), undefined, 'zero is no secp256k1 scalar')
    const key = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
    assert.equal(eth.payer.parse(key), key)
    assert.equal(await eth.payer.account(key), '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
    assert.deepEqual(Object.keys(eth.settings.options), ['confirmations', 'pollIntervalMs', 'push'])
    // Every front end reads ids through parseId: the module's bound first, then its rule.
    assert.equal(parseId(eth.contract, '0x' + 'ab'.repeat(20)), '0x' + 'ab'.repeat(20))
    assert.equal(parseId(testChain().contract, 't-abcdefgh'), 't-abcdefgh')
    assert.equal(parseId(testChain().contract, 't-' + 'a'.repeat(9)), undefined, 'longer than maxLength')
    assert.equal(parseId(eth.contract, 42), undefined)
  })

  it('CAIP-2 and CAIP-10 ids', () => {
    assert.equal(formatNetworkId('eip155', '1'), 'eip155:1')
    assert.deepEqual(parseNetworkId('eip155:31337'), { namespace: 'eip155', reference: '31337' })
    for (const bad of ['eip155', 'e:1', 'eip155:', 'EIP155:1', 'eip155:' + '1'.repeat(33)]) assert.equal(parseNetworkId(bad), undefined, bad)
    assert.deepEqual(parseAccountId('eip155:1:0xab'), { namespace: 'eip155', reference: '1', address: '0xab' })
    assert.equal(parseAccountId('eip155:1'), undefined)
  })

  it('config.json: chains.<kind> is parsed by the module (options with their defaults), unknown chains named', async () => {
    const modules = new ChainModules([testChain()])
    const file = join(home, 'config.json')
    writeFileSync(file, JSON.stringify({ chains: { testchain: { rpc: 'http://127.0.0.1:1', contract: 'T-Ctx' } } }))
    assert.deepEqual((await loadConfig(home, { modules })).chains, { testchain: { rpc: 'http://127.0.0.1:1', contract: 't-ctx', finality: 'final', depth: 4 } })
    const cases: Array<[unknown, RegExp]> = [
      [{ rpc: 'http://127.0.0.1:1', contract: 'nope' }, /"chains\.testchain\.contract" must be a test id/],
      [{ rpc: 'http://127.0.0.1:1', contract: 't-a', depth: 1 }, /"chains\.testchain\.depth" must be an integer ≥ 2/],
      [{ rpc: 'http://127.0.0.1:1', contract: 't-a', finality: 'slow' }, /"chains\.testchain\.finality" must be one of fast, final/],
      [{ rpc: 'http://127.0.0.1:1', contract: 't-a', confirmations: 1 }, /unknown field "chains\.testchain\.confirmations"/]
    ]
    for (const [chain, message] of cases) {
      writeFileSync(file, JSON.stringify({ chains: { testchain: chain } }))
      await assert.rejects(loadConfig(home, { modules }), message)
    }
    writeFileSync(file, JSON.stringify({ chains: { ethereum: { rpc: 'http://127.0.0.1:1', contract: '0x' + '00'.repeat(20) } } }))
    await assert.rejects(loadConfig(home, { modules }), (e: Error) => /unknown field "chains\.ethereum"/.test(e.message) && /known fields of chains: testchain/.test(e.message))
    writeFileSync(file, '{}')
    const next = await configureChain(home, 'testchain', { rpc: 'http://127.0.0.1:2', contract: 't-b', depth: 9 }, modules)
    assert.deepEqual(next.chains.testchain, { rpc: 'http://127.0.0.1:2', contract: 't-b', finality: 'final', depth: 9 })
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).chains, { testchain: { rpc: 'http://127.0.0.1:2', contract: 't-b', depth: 9 } })
    await assert.rejects(configureChain(home, 'solana', { rpc: 'http://127.0.0.1:2', contract: 't-b' }, modules), { name: 'UnknownAnchorError' })
    writeFileSync(file, '{}')
  })

  it('relayer keys: keys/<kind>-relayer.key (0600) or the module\'s variable, checked by the module', async () => {
    const modules = new ChainModules([testChain()])
    const file = await writeRelayerKey(home, 'testchain', 'k-42', { modules })
    assert.equal(file, relayerKeyPath(home, 'testchain'))
    assert.equal(file, join(home, 'keys', 'testchain-relayer.key'))
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.deepEqual(await findRelayerKey(home, 'testchain', {}, modules), { key: 'k-42', source: 'file', from: file })
    assert.deepEqual(await findRelayerKey(home, 'testchain', { MOOR_TEST_RELAYER_KEY: 'k-7' }, modules), { key: 'k-7', source: 'env', from: 'MOOR_TEST_RELAYER_KEY' })
    await assert.rejects(findRelayerKey(home, 'testchain', { MOOR_TEST_RELAYER_KEY: 'secret-ish' }, modules), (e: Error) => e.message.startsWith('$MOOR_TEST_RELAYER_KEY does not hold a test key') && !e.message.includes('secret-ish'))
    await assert.rejects(writeRelayerKey(home, 'testchain', 'k-43', { modules }), /already holds another relayer key/)
  })

  it('the registry resolves a new context\'s anchor and makes one anchor per contract through the module', async () => {
    const created: CreateAnchorInit[] = []
    const registry = new ChainRegistry(new ChainModules([testChain(created)]), { testchain: { rpc: 'http://127.0.0.1:5', contract: 't-dflt', depth: 7, relayerKey: 'k-1' } }, silentLogger)
    assert.deepEqual(registry.resolve({ kind: 'testchain' }), { kind: 'testchain', rpc: 'http://127.0.0.1:5', contract: 't-dflt' })
    assert.deepEqual(registry.resolve({ kind: 'testchain', contract: 'T-Other' }), { kind: 'testchain', rpc: 'http://127.0.0.1:5', contract: 't-other' })
    assert.throws(() => registry.resolve({ kind: 'testchain', contract: '0x12' }), /^InvalidInputError: the contract must be a test id/)
    assert.throws(() => registry.resolve({ kind: 'testchain', rpc: 'ftp://x' }), /must be an http\(s\) or ws\(s\) URL/)
    assert.throws(() => registry.resolve({ kind: 'nope' }), { name: 'UnknownAnchorError' })
    const ref = registry.resolve({ kind: 'testchain' })
    const [one, two] = await Promise.all([registry.get(ref), registry.get(ref)])
    assert.equal(one, two)
    assert.equal(created.length, 1)
    assert.deepEqual({ ...created[0], logger: undefined }, { rpc: 'http://127.0.0.1:5', contract: 't-dflt', payerKey: 'k-1', options: { finality: 'final', depth: 7 }, logger: undefined })
    registry.canSubmit('testchain')
    const unpaid = new ChainRegistry(new ChainModules([testChain()]), {}, silentLogger)
    assert.throws(() => unpaid.canSubmit('testchain'), (e: Error) => /no testchain relayer key/.test(e.message) && /MOOR_TEST_KEY=… moor relayer set testchain/.test(e.message) && /\$MOOR_TEST_RELAYER_KEY/.test(e.message))
    await registry.close()
  })

  it('invitation strings name the module\'s CAIP-2 network, and are checked by it', () => {
    const modules = new ChainModules([testChain()])
    const t = { kind: 'open' as const, secret: new Uint8Array(32).fill(1), context: new Uint8Array(32).fill(2), invitation: new Uint8Array(32).fill(3), role: 'member' as const, expiresAt: 1, peers: [], anchor: ticketAnchor({ kind: 'testchain', network: 'local', contract: 't-ctx', rpc: 'http://127.0.0.1:9' }, false) }
    const text = encodeTicket(t, modules)
    assert.deepEqual(decodeTicket(text, modules), t)
    assert.throws(() => decodeTicket(text), /unknown anchor "testchain"/, 'a build without the module refuses it')
  })
})
