import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ConflictError, InvalidInputError } from '../../src/errors/index.ts'
import { createLogger } from '../../src/log/index.ts'
import {
  configureChain, findRelayerKey, initHome, isLoopback, loadConfig, readRelayerKey, readToken, relayerKeyPath, resolveHome,
  serializeConfig, writeRelayerKey
} from '../../src/node/config.ts'
import { DEFAULT_API_PORT, DEFAULT_GAS_LIMIT } from '../../src/node/constants.ts'
import { tempDir } from '../helpers/tmp.ts'

const ETH = { rpc: 'http://127.0.0.1:8545', contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' }
// Hardhat's second and third default accounts: public keys, for devnets only.
const KEY_A = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
const KEY_B = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'

describe('node home and config', () => {
  let dir: { path: string, cleanup: () => void }
  before(() => { dir = tempDir('moor-config-') })
  after(() => { dir.cleanup() })

  it('resolveHome: flag, else $MOOR_HOME, else $XDG_DATA_HOME/moorage, else ~/.local/share/moorage', () => {
    assert.equal(resolveHome('/a/b', { MOOR_HOME: '/x' }), '/a/b')
    assert.equal(resolveHome(undefined, { MOOR_HOME: '/x', XDG_DATA_HOME: '/d' }), '/x')
    assert.equal(resolveHome(undefined, { MOOR_HOME: '', XDG_DATA_HOME: '/d' }), '/d/moorage')
    assert.equal(resolveHome(undefined, {}), join(homedir(), '.local', 'share', 'moorage'))
    assert.equal(resolveHome('~/m', {}), join(homedir(), 'm'))
    assert.equal(resolveHome('rel', {}), join(process.cwd(), 'rel'))
  })

  it('initHome creates the home (0700), config.json and a 32-byte token (0600), once', async () => {
    const home = join(dir.path, 'h1')
    assert.equal(await initHome(home, { apiPort: 4000 }), true)
    assert.equal(statSync(home).mode & 0o777, 0o700)
    assert.equal(statSync(join(home, 'token')).mode & 0o777, 0o600)
    const token = await readToken(home)
    assert.match(token, /^[A-Za-z0-9_-]{43}$/)
    assert.equal(Buffer.from(token, 'base64url').length, 32)

    const config = await loadConfig(home)
    assert.equal(config.home, home)
    assert.deepEqual(config.api, { host: '127.0.0.1', port: 4000 })
    assert.equal(config.limits.gas, DEFAULT_GAS_LIMIT)
    assert.equal(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).limits.gas, DEFAULT_GAS_LIMIT.toString())

    assert.equal(await initHome(home, { apiPort: 5000 }), false)
    assert.equal((await loadConfig(home)).api.port, 4000)
    assert.equal(await readToken(home), token)

    assert.equal(await initHome(home, { apiPort: 5000, force: true }), true)
    assert.equal((await loadConfig(home)).api.port, 5000)
    assert.equal(await readToken(home), token, '--force sets what it is given and keeps the token')
  })

  it('fills defaults for missing fields', async () => {
    const home = join(dir.path, 'h2')
    await initHome(home)
    writeFileSync(join(home, 'config.json'), '{}')
    const config = await loadConfig(home)
    assert.equal(config.api.port, DEFAULT_API_PORT)
    assert.equal(config.logLevel, 'info')
  })

  const bad: Array<[string, unknown, RegExp]> = [
    ['not JSON', '{', /config\.json is not valid JSON$/],
    ['an array', [], /config\.json: "\(top level\)" must be a JSON object$/],
    ['an unknown field', { apiPort: 1 }, /config\.json: unknown field "apiPort"$/],
    ['an unknown nested field', { api: { hostname: 'x' } }, /config\.json: unknown field "api\.hostname"$/],
    ['a string port', { api: { port: '80' } }, /config\.json: "api\.port" must be an integer port/],
    ['a port out of range', { api: { port: 70000 } }, /"api\.port" must be an integer port/],
    ['a bad host', { api: { host: 'not a host!' } }, /"api\.host" must be an IP address or a host name/],
    ['zero gas', { limits: { gas: '0' } }, /"limits\.gas" must be a positive integer/],
    ['fractional memory', { limits: { memoryPages: 1.5 } }, /"limits\.memoryPages" must be an integer from 1 to 65536/],
    ['a bad log level', { logLevel: 'loud' }, /"logLevel" must be one of debug, info, warn, error, silent/],
    ['chains that is not an object', { chains: [] }, /"chains" must be a JSON object/],
    ['an unknown chain', { chains: { solana: {} } }, /unknown field "chains\.solana"$/],
    ['chains.ethereum that is not an object', { chains: { ethereum: 'http://x' } }, /"chains\.ethereum" must be a JSON object/],
    ['an unknown chains.ethereum field', { chains: { ethereum: { ...ETH, relayer: '0x' } } }, /unknown field "chains\.ethereum\.relayer"$/],
    ['chains.ethereum without rpc', { chains: { ethereum: { contract: ETH.contract } } }, /"chains\.ethereum\.rpc" must be an http\(s\):\/\/ or ws\(s\):\/\/ URL/],
    ['an ftp rpc', { chains: { ethereum: { ...ETH, rpc: 'ftp://127.0.0.1:8545' } } }, /"chains\.ethereum\.rpc" must be an http\(s\):\/\/ or ws\(s\):\/\/ URL/],
    ['an rpc that is no URL', { chains: { ethereum: { ...ETH, rpc: '127.0.0.1:8545' } } }, /"chains\.ethereum\.rpc" must be/],
    ['chains.ethereum without contract', { chains: { ethereum: { rpc: ETH.rpc } } }, /"chains\.ethereum\.contract" must be an address \(0x and 40 hex characters\)/],
    ['a short contract address', { chains: { ethereum: { ...ETH, contract: '0x1234' } } }, /"chains\.ethereum\.contract" must be an address/],
    ['a contract address without 0x', { chains: { ethereum: { ...ETH, contract: 'ab'.repeat(20) } } }, /"chains\.ethereum\.contract" must be an address/],
    ['zero confirmations', { chains: { ethereum: { ...ETH, confirmations: 0 } } }, /"chains\.ethereum\.confirmations" must be an integer ≥ 1/],
    ['fractional confirmations', { chains: { ethereum: { ...ETH, confirmations: 1.5 } } }, /"chains\.ethereum\.confirmations" must be an integer ≥ 1/],
    ['confirmations as a string', { chains: { ethereum: { ...ETH, confirmations: '12' } } }, /"chains\.ethereum\.confirmations" must be an integer ≥ 1/],
    ['a poll interval under 50 ms', { chains: { ethereum: { ...ETH, pollIntervalMs: 49 } } }, /"chains\.ethereum\.pollIntervalMs" must be an integer ≥ 50/],
    ['a fractional poll interval', { chains: { ethereum: { ...ETH, pollIntervalMs: 100.5 } } }, /"chains\.ethereum\.pollIntervalMs" must be an integer ≥ 50/],
    ['encryption that is not an object', { encryption: 3600 }, /"encryption" must be a JSON object/],
    ['an unknown encryption field', { encryption: { rotateEvery: 1 } }, /unknown field "encryption\.rotateEvery"$/],
    ['a rotation period under a second', { encryption: { rotateEveryMs: 999 } }, /"encryption\.rotateEveryMs" must be an integer of at least 1000/],
    ['zero messages per epoch', { encryption: { rotateAfterMessages: 0 } }, /"encryption\.rotateAfterMessages" must be an integer of at least 1/],
    ['messages per epoch as a string', { encryption: { rotateAfterMessages: '100' } }, /"encryption\.rotateAfterMessages" must be an integer/]
  ]
  for (const [name, content, message] of bad) {
    it(`loadConfig refuses ${name}, naming the file and field`, async () => {
      const home = join(dir.path, 'bad')
      await initHome(home)
      writeFileSync(join(home, 'config.json'), typeof content === 'string' ? content : JSON.stringify(content))
      await assert.rejects(loadConfig(home), (err: Error) => {
        assert.ok(err instanceof InvalidInputError)
        assert.ok(err.message.includes(join(home, 'config.json')), err.message)
        assert.match(err.message.split('\n')[0], message)
        return true
      })
    })
  }

  it('encryption: rotation defaults (1 hour, 10,000 messages), the configured values, and a round trip', async () => {
    const home = join(dir.path, 'enc')
    await initHome(home)
    assert.deepEqual((await loadConfig(home)).encryption, { rotateEveryMs: 3_600_000, rotateAfterMessages: 10_000 })
    assert.equal(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).encryption, undefined, 'defaults are not written out')
    writeFileSync(join(home, 'config.json'), JSON.stringify({ encryption: { rotateAfterMessages: 500 } }))
    const config = await loadConfig(home)
    assert.deepEqual(config.encryption, { rotateEveryMs: 3_600_000, rotateAfterMessages: 500 })
    writeFileSync(join(home, 'config.json'), serializeConfig(config))
    assert.deepEqual((await loadConfig(home)).encryption, config.encryption)
  })

  it('accepts gas as a number and a non-loopback host with a warning', async () => {
    const home = join(dir.path, 'h3')
    await initHome(home)
    writeFileSync(join(home, 'config.json'), JSON.stringify({ api: { host: '0.0.0.0' }, limits: { gas: 1000 } }))
    const lines: string[] = []
    const config = await loadConfig(home, { logger: createLogger({ level: 'warn', write: (l) => lines.push(l) }) })
    assert.equal(config.limits.gas, 1000n)
    assert.equal(config.api.host, '0.0.0.0')
    assert.equal(lines.length, 1)
    assert.match(lines[0], /reachable from other machines/)
  })

  it('chains: defaults to none, parses chains.ethereum with defaults, and round-trips through serializeConfig', async () => {
    const home = join(dir.path, 'chains')
    await initHome(home)
    const fresh = await loadConfig(home)
    assert.deepEqual(fresh.chains, {})
    assert.deepEqual(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).chains, {})

    writeFileSync(join(home, 'config.json'), JSON.stringify({ chains: { ethereum: ETH } }))
    assert.deepEqual((await loadConfig(home)).chains, { ethereum: { ...ETH, confirmations: 1, pollIntervalMs: 1000, push: 'auto' } })

    for (const rpc of ['https://eth.example.org/v1/key', 'ws://127.0.0.1:8545', 'wss://node.example.org']) {
      const contract = ETH.contract.toLowerCase() // the letter case is not checked
      writeFileSync(join(home, 'config.json'), JSON.stringify({ chains: { ethereum: { rpc, contract, confirmations: 12, pollIntervalMs: 50 } } }))
      const config = await loadConfig(home)
      assert.deepEqual(config.chains.ethereum, { rpc, contract, confirmations: 12, pollIntervalMs: 50, push: 'auto' })
      writeFileSync(join(home, 'config.json'), serializeConfig(config))
      assert.deepEqual(await loadConfig(home), config)
    }
  })

  it('configureChain replaces chains.ethereum and leaves the rest of config.json alone', async () => {
    const home = join(dir.path, 'configure')
    await initHome(home)
    writeFileSync(join(home, 'config.json'), JSON.stringify({ api: { port: 4321 }, chains: { ethereum: { ...ETH, confirmations: 12 } } }))
    const config = await configureChain(home, 'ethereum', { rpc: 'http://127.0.0.1:9999', contract: ETH.contract })
    assert.deepEqual(config.chains.ethereum, { rpc: 'http://127.0.0.1:9999', contract: ETH.contract, confirmations: 1, pollIntervalMs: 1000, push: 'auto' })
    assert.deepEqual(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')), { api: { port: 4321 }, chains: { ethereum: { rpc: 'http://127.0.0.1:9999', contract: ETH.contract } } })
    assert.equal(statSync(join(home, 'config.json')).mode & 0o777, 0o600)
    // A bad value is refused and nothing is written.
    await assert.rejects(configureChain(home, 'ethereum', { rpc: 'nope', contract: ETH.contract }), /"chains\.ethereum\.rpc" must be/)
    assert.equal((await loadConfig(home)).chains.ethereum?.rpc, 'http://127.0.0.1:9999')
    await assert.rejects(configureChain(join(dir.path, 'no-home'), 'ethereum', ETH), /no config\.json in /)
  })

  it('relayer key: $MOOR_ETH_RELAYER_KEY, else keys/ethereum-relayer.key (0600), else undefined', async () => {
    const home = join(dir.path, 'relayer')
    await initHome(home)
    assert.equal(await readRelayerKey(home, 'ethereum', {}), undefined)
    assert.equal(await findRelayerKey(home, 'ethereum', { MOOR_ETH_RELAYER_KEY: '' }), undefined)

    const file = await writeRelayerKey(home, 'ethereum', KEY_A)
    assert.equal(file, relayerKeyPath(home, 'ethereum'))
    assert.equal(file, join(home, 'keys', 'ethereum-relayer.key'))
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.equal(statSync(join(home, 'keys')).mode & 0o777, 0o700)
    assert.equal(readFileSync(file, 'utf8'), KEY_A + '\n')
    assert.equal(await readRelayerKey(home, 'ethereum', {}), KEY_A)
    assert.deepEqual(await findRelayerKey(home, 'ethereum', {}), { key: KEY_A, source: 'file', from: file })
    assert.deepEqual(await findRelayerKey(home, 'ethereum', { MOOR_ETH_RELAYER_KEY: KEY_B }), { key: KEY_B, source: 'env', from: 'MOOR_ETH_RELAYER_KEY' })

    // Made 0600 again on read, like keys/node.key.
    chmodSync(file, 0o644)
    assert.equal(await readRelayerKey(home, 'ethereum', {}), KEY_A)
    assert.equal(statSync(file).mode & 0o777, 0o600)

    // The same key again is fine; another one needs force.
    await writeRelayerKey(home, 'ethereum', KEY_A)
    await assert.rejects(writeRelayerKey(home, 'ethereum', KEY_B), (err: Error) => err instanceof ConflictError && /already holds another relayer key/.test(err.message))
    assert.equal(await readRelayerKey(home, 'ethereum', {}), KEY_A)
    await writeRelayerKey(home, 'ethereum', KEY_B, { force: true })
    assert.equal(await readRelayerKey(home, 'ethereum', {}), KEY_B)
  })

  it('relayer key: malformed keys are refused, naming where they came from but never the key', async () => {
    const home = join(dir.path, 'relayer-bad')
    await initHome(home)
    for (const key of ['', '0x', KEY_A.slice(2), KEY_A + '00', '0x' + 'g'.repeat(64), '0x' + '0'.repeat(64), '0x' + 'f'.repeat(64)]) {
      await assert.rejects(writeRelayerKey(home, 'ethereum', key), (err: Error) => err instanceof InvalidInputError && /does not hold an EVM private key/.test(err.message))
    }
    assert.equal(await readRelayerKey(home, 'ethereum', {}), undefined)
    await assert.rejects(readRelayerKey(home, 'ethereum', { MOOR_ETH_RELAYER_KEY: 'secret-but-wrong' }), (err: Error) => {
      assert.match(err.message, /^\$MOOR_ETH_RELAYER_KEY does not hold an EVM private key/)
      assert.ok(!err.message.includes('secret-but-wrong'))
      return true
    })
    mkdirSync(join(home, 'keys'), { recursive: true })
    writeFileSync(relayerKeyPath(home, 'ethereum'), 'not a key\n', { mode: 0o600 })
    await assert.rejects(readRelayerKey(home, 'ethereum', {}), (err: Error) => err instanceof InvalidInputError && err.message.startsWith(`${relayerKeyPath(home, 'ethereum')} does not hold an EVM private key`))
  })

  it('missing files point at moor init', async () => {
    const home = join(dir.path, 'none')
    await assert.rejects(loadConfig(home), /no config\.json in .*\nDetails: .*\nHint: create it with `moor init --home /)
    await assert.rejects(readToken(home), /no admin token in /)
  })

  it('isLoopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) assert.equal(isLoopback(h), true, h)
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com']) assert.equal(isLoopback(h), false, h)
  })
})
