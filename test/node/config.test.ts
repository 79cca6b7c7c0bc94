import assert from 'node:assert/strict'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { InvalidInputError } from '../../src/errors/index.ts'
import { createLogger } from '../../src/log/index.ts'
import { initHome, isLoopback, loadConfig, readToken, resolveHome } from '../../src/node/config.ts'
import { DEFAULT_API_PORT, DEFAULT_GAS_LIMIT } from '../../src/node/constants.ts'
import { tempDir } from '../helpers/tmp.ts'

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
    assert.notEqual(await readToken(home), token)
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
    ['a bad log level', { logLevel: 'loud' }, /"logLevel" must be one of debug, info, warn, error, silent/]
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
