// `moor devnet`, `moor deploy ethereum` and `moor relayer set|show` as separate processes,
// against a real EDR devnet: the one served here, and the one `moor devnet` runs itself.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Wallet } from 'ethers'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { serveDevnet, type DevnetServer } from '../../adapters/ethereum/devnet/index.ts'
import { loadConfig } from '../../src/node/config.ts'
import { MOOR_BIN, moor } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'

// Hardhat's second and third default accounts: public keys, for devnets only.
const KEY_A = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
const KEY_B = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'
const NO_KEYS = { MOOR_ETH_KEY: '', MOOR_ETH_RELAYER_KEY: '' }

async function rpc<T> (url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  const body = await res.json() as { result?: T, error?: { message: string } }
  if (body.error !== undefined) throw new Error(body.error.message)
  return body.result as T
}

/** Every file under `dir` with its bytes and mode: what "changed nothing" compares. */
function snapshot (dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      const st = statSync(p)
      if (st.isDirectory()) { out[p] = `dir ${st.mode}`; walk(p) } else out[p] = `${st.mode} ${readFileSync(p, 'base64')}`
    }
  }
  walk(dir)
  return out
}

describe('moor deploy, devnet and relayer', () => {
  const dir = tempDir('moor-cli-chains-')
  let devnet: DevnetServer
  before(async () => { devnet = await serveDevnet({ port: 0 }) })
  after(async () => {
    await devnet.close()
    dir.cleanup()
  })

  it('bad arguments exit 2, say why, and change nothing (no file, no config, no transaction)', async () => {
    const home = join(dir.path, 'home-bad-args')
    assert.equal((await moor(['init', '--home', home])).code, 0)
    const keyFile = join(dir.path, 'not-a-key')
    writeFileSync(keyFile, 'hello\n')
    const out = join(dir.path, 'bad-args-deployment.json')
    const before = snapshot(dir.path)
    const block = await rpc<string>(devnet.url, 'eth_blockNumber')
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['deploy'], {}, /missing argument: expected <chain>/],
      [['deploy', 'solana', '--rpc', devnet.url], { MOOR_ETH_KEY: KEY_A }, /unsupported chain "solana"\nDetails: supported: ethereum, icp, near, starknet/],
      [['deploy', 'ethereum'], { MOOR_ETH_KEY: KEY_A }, /missing --rpc <url>/],
      [['deploy', 'ethereum', '--rpc', 'ftp://127.0.0.1:1'], { MOOR_ETH_KEY: KEY_A }, /"--rpc" must be an http\(s\):\/\/ or ws\(s\):\/\/ URL/],
      [['deploy', 'ethereum', '--rpc', devnet.url, '--out', out], {}, /no deployer key given: set \$MOOR_ETH_KEY or pass --key-file <path>/],
      [['deploy', 'ethereum', '--rpc', devnet.url, '--out', out, '--key', KEY_A], {}, /the deployer key is not taken from the command line/],
      [['deploy', 'ethereum', '--rpc', devnet.url, '--out', out, '--key-file', keyFile], {}, /does not hold an EVM private key/],
      [['deploy', 'ethereum', '--rpc', devnet.url, '--out', out, '--replace'], { MOOR_ETH_KEY: KEY_A }, /--replace only applies with --configure/],
      [['deploy', 'ethereum', '--rpc', devnet.url, '--out', out], { MOOR_ETH_KEY: 'nope' }, /\$MOOR_ETH_KEY does not hold an EVM private key/],
      [['deploy', 'ethereum', '--rpc', devnet.url, '--out', join(dir.path, 'missing-dir', 'd.json')], { MOOR_ETH_KEY: KEY_A }, /--out must name a file in an existing directory/],
      [['deploy', 'ethereum', '--rpc', devnet.url, '--out', dir.path], { MOOR_ETH_KEY: KEY_A }, /--out must name a file in an existing directory/],
      [['deploy', 'ethereum', '--rpc', devnet.url, '--bogus'], { MOOR_ETH_KEY: KEY_A }, /Unknown option '--bogus'/],
      [['devnet', 'solana'], {}, /unsupported chain "solana"\nDetails: supported: ethereum, icp, near, starknet/],
      [['devnet', 'ethereum', '--port', '70000'], {}, /--port must be a port number from 0 to 65535/],
      [['devnet', 'ethereum', '--block-time', '0'], {}, /--block-time must be an integer from 1/],
      [['devnet', 'ethereum', '--host', 'not a host'], {}, /--host must be an IP address or localhost/],
      [['devnet', 'ethereum', '--no-deploy', '--configure', '--home', home], {}, /--configure needs the contracts/],
      [['devnet', 'ethereum', '--force'], {}, /--force only applies with --configure/],
      [['devnet', 'ethereum', '--out', join(dir.path, 'missing-dir', 'd.json')], {}, /--out must name a file in an existing directory/],
      [['relayer', 'set'], {}, /missing argument: expected <chain>/],
      [['relayer', 'set', 'solana', '--home', home], { MOOR_ETH_KEY: KEY_A }, /unsupported chain "solana"/],
      [['relayer', 'set', 'ethereum', '--home', home], {}, /no key given: set \$MOOR_ETH_KEY or pass --key-file <path>/],
      [['relayer', 'set', 'ethereum', '--home', home, '--key', KEY_A], {}, /the key is not taken from the command line/],
      [['relayer', 'set', 'ethereum', '--home', home, '--key-file', join(dir.path, 'missing')], {}, /cannot read --key-file/],
      [['relayer', 'set', 'ethereum', '--home', home, '--key-file', keyFile], {}, /does not hold an EVM private key/],
      [['relayer', 'set', 'ethereum', '--home', home], { MOOR_ETH_KEY: KEY_A.slice(2) }, /\$MOOR_ETH_KEY does not hold an EVM private key/],
      [['relayer', 'show', 'solana', '--home', home], {}, /unsupported chain "solana"/]
    ]
    const results: Array<Awaited<ReturnType<typeof moor>>> = []
    for (let i = 0; i < cases.length; i += 5) { // a few processes at a time
      results.push(...await Promise.all(cases.slice(i, i + 5).map(async ([args, env]) => await moor(args, { env: { ...NO_KEYS, ...env } }))))
    }
    for (const [i, [args, , message]] of cases.entries()) {
      const res = results[i]!
      assert.equal(res.code, 2, `moor ${args.join(' ')}: ${res.stderr}`)
      assert.equal(res.stdout, '', args.join(' '))
      assert.match(res.stderr, /^error: /)
      assert.match(res.stderr, message, args.join(' '))
      assert.match(res.stderr, /^Usage: moor /m, args.join(' '))
      assert.ok(!res.stderr.includes(KEY_A.slice(2)), 'a key is never echoed')
    }
    assert.deepEqual(snapshot(dir.path), before)
    assert.equal(existsSync('ethereum-deployment.json'), false, 'nothing written to the working directory')
    assert.equal(await rpc<string>(devnet.url, 'eth_blockNumber'), block, 'no transaction was sent')
  })

  it('--help of each command; devnet says which chains it covers', async () => {
    for (const words of [['devnet'], ['deploy'], ['relayer', 'set'], ['relayer', 'show']]) {
      const res = await moor([...words, '--help'])
      assert.equal(res.code, 0, words.join(' '))
      assert.match(res.stdout, new RegExp(`^Usage: moor ${words.join(' ')} `))
    }
    const help = (await moor(['devnet', '--help'])).stdout
    assert.match(help, /Chains with a devnet: ethereum, icp, near, starknet\./)
    assert.match(help, /Hardhat's first default account/)
    assert.match((await moor(['relayer', 'set', '--help'])).stdout, /never taken from the command line/)
  })

  it('deploy ethereum writes the deployment file; --configure also points config.json at it', async () => {
    const out = join(dir.path, 'deployment.json')
    const res = await moor(['deploy', 'ethereum', '--rpc', devnet.url, '--out', out, '--json'], { env: { ...NO_KEYS, MOOR_ETH_KEY: DEVNET_RELAYER_KEY } })
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stderr, /deploying to chain 31337 from 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 \(balance [0-9.]+ ETH\)…/)
    const printed = JSON.parse(res.stdout) as { contract: string, contextConfig: string, chainId: number, rpc: string, file: string, configured: null }
    const written = JSON.parse(readFileSync(out, 'utf8')) as typeof printed & { anchor: string }
    assert.equal(printed.file, out)
    assert.equal(printed.configured, null)
    assert.equal(printed.chainId, 31337)
    assert.match(printed.contract, /^0x[0-9a-fA-F]{40}$/)
    assert.equal(written.contract, printed.contract)
    assert.equal(written.contextConfig, printed.contract)
    assert.equal(written.rpc, devnet.url)
    assert.equal(written.anchor, 'ethereum')
    assert.notEqual(await rpc<string>(devnet.url, 'eth_getCode', [printed.contract, 'latest']), '0x')

    // --configure on a home that was never initialised: refused before anything is sent.
    const block = await rpc<string>(devnet.url, 'eth_blockNumber')
    const nohome = join(dir.path, 'never-initialised')
    const refused = await moor(['deploy', 'ethereum', '--rpc', devnet.url, '--out', join(dir.path, 'd2.json'), '--configure', '--home', nohome], { env: { ...NO_KEYS, MOOR_ETH_KEY: KEY_A } })
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /^error: no config\.json in .*\n(.*\n)*Hint: create it with `moor init --home /)
    assert.equal(existsSync(join(dir.path, 'd2.json')), false)
    assert.equal(existsSync(nohome), false)
    assert.equal(await rpc<string>(devnet.url, 'eth_blockNumber'), block)

    // With --configure (and the key from a file), as a human reads it.
    const home = join(dir.path, 'home-deploy')
    assert.equal((await moor(['init', '--home', home])).code, 0)
    const out2 = join(dir.path, 'deployment-2.json')
    const keyFile = join(dir.path, 'deployer-key')
    writeFileSync(keyFile, KEY_A + '\n', { mode: 0o600 })
    const configured = await moor(['deploy', 'ethereum', '--rpc', devnet.url, '--key-file', keyFile, '--out', out2, '--configure', '--home', home], { env: NO_KEYS })
    assert.equal(configured.code, 0, configured.stderr)
    const contract = (JSON.parse(readFileSync(out2, 'utf8')) as { contract: string }).contract
    assert.notEqual(contract, printed.contract)
    assert.match(configured.stdout, new RegExp(`ContextConfig: +${contract}`))
    assert.match(configured.stdout, new RegExp(`written to: +${out2}`))
    assert.match(configured.stdout, new RegExp(`configured ${home}: chains\\.ethereum`))
    assert.deepEqual(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).chains, { ethereum: { rpc: devnet.url, contract } })
    assert.deepEqual((await loadConfig(home)).chains.ethereum, { rpc: devnet.url, contract, confirmations: 1, pollIntervalMs: 1000, push: 'auto' })
    assert.equal(existsSync(join(home, 'keys', 'ethereum-relayer.key')), false, 'deploy does not set the relayer key')

    // A second --configure would point the home elsewhere: refused before anything is sent,
    // unless --replace says so.
    const configBefore = readFileSync(join(home, 'config.json'), 'utf8')
    const blockBefore = await rpc<string>(devnet.url, 'eth_blockNumber')
    const again = await moor(['deploy', 'ethereum', '--rpc', devnet.url, '--out', join(dir.path, 'd3.json'), '--configure', '--home', home], { env: { ...NO_KEYS, MOOR_ETH_KEY: KEY_A } })
    assert.equal(again.code, 1)
    assert.match(again.stderr, new RegExp(`^error: config\\.json already names a contract for ethereum: ${contract} \\(via ${devnet.url}\\)\n(.*\n)*Hint: pass --replace`))
    assert.equal(readFileSync(join(home, 'config.json'), 'utf8'), configBefore)
    assert.equal(await rpc<string>(devnet.url, 'eth_blockNumber'), blockBefore)
    const replaced = await moor(['deploy', 'ethereum', '--rpc', devnet.url, '--out', join(dir.path, 'd3.json'), '--configure', '--replace', '--home', home, '--json'], { env: { ...NO_KEYS, MOOR_ETH_KEY: KEY_A } })
    assert.equal(replaced.code, 0, replaced.stderr)
    const third = JSON.parse(replaced.stdout) as { contract: string, node: null }
    assert.equal(third.node, null, 'no node runs on the home')
    assert.equal(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).chains.ethereum.contract, third.contract)
  })

  it('deploy ethereum to an endpoint nobody serves fails with exit 1 and writes nothing', async () => {
    const out = join(dir.path, 'unreachable.json')
    const res = await moor(['deploy', 'ethereum', '--rpc', 'http://127.0.0.1:1', '--out', out], { env: { ...NO_KEYS, MOOR_ETH_KEY: KEY_A } })
    assert.equal(res.code, 1)
    assert.match(res.stderr, /error: cannot reach http:\/\/127\.0\.0\.1:1\nDetails: .*ECONNREFUSED/)
    assert.equal(existsSync(out), false)
  })

  it('relayer set and show: the key from $MOOR_ETH_KEY or --key-file, stored 0600, shown as its address only', async () => {
    const home = join(dir.path, 'home-relayer')
    assert.equal((await moor(['init', '--home', home])).code, 0)
    const file = join(home, 'keys', 'ethereum-relayer.key')
    const addressA = new Wallet(KEY_A).address
    const addressB = new Wallet(KEY_B).address

    const none = await moor(['relayer', 'show', 'ethereum', '--home', home], { env: NO_KEYS })
    assert.equal(none.code, 1)
    assert.match(none.stderr, /^error: no Ethereum relayer key for /)

    const set = await moor(['relayer', 'set', 'ethereum', '--home', home, '--json'], { env: { ...NO_KEYS, MOOR_ETH_KEY: KEY_A } })
    assert.equal(set.code, 0, set.stderr)
    assert.deepEqual(JSON.parse(set.stdout), { chain: 'ethereum', address: addressA, file, node: null })
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.equal(statSync(join(home, 'keys')).mode & 0o777, 0o700)
    assert.equal(readFileSync(file, 'utf8'), KEY_A + '\n')

    const shown = await moor(['relayer', 'show', 'ethereum', '--home', home], { env: NO_KEYS })
    assert.equal(shown.code, 0, shown.stderr)
    assert.match(shown.stdout, new RegExp(`^address: +${addressA}\nkey from: +${file}\n$`))
    assert.ok(!shown.stdout.includes(KEY_A.slice(2)) && !shown.stderr.includes(KEY_A.slice(2)), 'the key is never printed')

    // Another key needs --force; without it nothing changes.
    const keyFile = join(dir.path, 'key-b')
    writeFileSync(keyFile, KEY_B + '\n', { mode: 0o600 })
    const conflict = await moor(['relayer', 'set', 'ethereum', '--home', home, '--key-file', keyFile], { env: NO_KEYS })
    assert.equal(conflict.code, 1)
    assert.match(conflict.stderr, /already holds another relayer key\n(.*\n)*Hint: .*--force/)
    assert.equal(readFileSync(file, 'utf8'), KEY_A + '\n')
    const forced = await moor(['relayer', 'set', 'ethereum', '--home', home, '--key-file', keyFile, '--force'], { env: { ...NO_KEYS, MOOR_ETH_KEY: KEY_A } })
    assert.equal(forced.code, 0, forced.stderr)
    assert.match(forced.stdout, new RegExp(`account: ${addressB}`), '--key-file wins over $MOOR_ETH_KEY')
    assert.equal(readFileSync(file, 'utf8'), KEY_B + '\n')
    assert.equal(statSync(file).mode & 0o777, 0o600)

    // $MOOR_ETH_RELAYER_KEY overrides the file.
    const env = await moor(['relayer', 'show', 'ethereum', '--home', home, '--json'], { env: { ...NO_KEYS, MOOR_ETH_RELAYER_KEY: KEY_A } })
    assert.equal(env.code, 0, env.stderr)
    assert.deepEqual(JSON.parse(env.stdout), { chain: 'ethereum', address: addressA, source: 'env', from: 'MOOR_ETH_RELAYER_KEY' })

    // A home that was never initialised gets no key.
    const nohome = join(dir.path, 'relayer-no-home')
    const refused = await moor(['relayer', 'set', 'ethereum', '--home', nohome], { env: { ...NO_KEYS, MOOR_ETH_KEY: KEY_A } })
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /no config\.json in /)
    assert.equal(existsSync(nohome), false)
  })

  it('devnet --json --port 0 --configure: a working RPC with the contracts, the home configured, a clean exit on SIGTERM', async () => {
    const home = join(dir.path, 'home-devnet')
    assert.equal((await moor(['init', '--home', home])).code, 0)
    const out = join(dir.path, 'devnet-deployment.json')
    const child = spawn(process.execPath, [MOOR_BIN, 'devnet', 'ethereum', '--json', '--port', '0', '--home', home, '--configure', '--out', out], {
      env: { ...process.env, ...NO_KEYS, MOOR_HOME: '' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => { resolve({ code, signal }) })
    })
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString()
          if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')))
        })
        void exited.then(({ code }) => { reject(new Error(`moor devnet exited with ${String(code)}: ${stderr}`)) })
        setTimeout(() => { reject(new Error(`moor devnet printed nothing in 60 s: ${stderr}`)) }, 60_000).unref()
      })
      const info = JSON.parse(line) as { rpc: string, chainId: number, contract: string, key: string, address: string, file: string, configured: string }
      assert.match(info.rpc, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.notEqual(info.rpc, 'http://127.0.0.1:0')
      assert.equal(info.chainId, 31337)
      assert.equal(info.key, DEVNET_RELAYER_KEY)
      assert.equal(info.address, new Wallet(DEVNET_RELAYER_KEY).address)
      assert.equal(info.configured, home)
      assert.equal(info.file, out)
      assert.equal(await rpc<string>(info.rpc, 'eth_chainId'), '0x7a69')
      assert.notEqual(await rpc<string>(info.rpc, 'eth_getCode', [info.contract, 'latest']), '0x')
      assert.equal((JSON.parse(readFileSync(out, 'utf8')) as { contract: string }).contract, info.contract)

      assert.deepEqual(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).chains, { ethereum: { rpc: info.rpc, contract: info.contract } })
      const keyFile = join(home, 'keys', 'ethereum-relayer.key')
      assert.equal(readFileSync(keyFile, 'utf8'), DEVNET_RELAYER_KEY + '\n')
      assert.equal(statSync(keyFile).mode & 0o777, 0o600)
      const shown = await moor(['relayer', 'show', 'ethereum', '--home', home, '--json'], { env: NO_KEYS })
      assert.equal(JSON.parse(shown.stdout).address, info.address)
    } finally {
      child.kill('SIGTERM')
    }
    assert.deepEqual(await exited, { code: 0, signal: null }, stderr)
    assert.equal(stdout.trim().split('\n').length, 1, 'exactly one line of JSON')
    // What it was doing meanwhile, on stderr (a first start also says it is compiling).
    assert.match(stderr, /^Ethereum devnet: loading…\n(Ethereum devnet: compiling the contracts .*\n)?Ethereum devnet: starting…\nEthereum devnet: deploying the contracts…\n/)
  })
})
