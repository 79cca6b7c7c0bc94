// The devnet and deploy scripts as separate processes, and the adapter over HTTP
// JSON-RPC: what a node does against a real endpoint.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { EthereumAnchor } from '../../adapters/ethereum/anchor.ts'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import type { AnchorChange } from '../../src/governance/anchor.ts'
import { tempDir } from '../helpers/tmp.ts'
import { RELAYER_B_KEY } from './harness.ts'

const ROOT = join(import.meta.dirname, '..', '..')

function run (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env } })
    let stdout = ''; let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('close', (code) => { resolve({ code: code ?? -1, stdout, stderr }) })
  })
}

describe('devnet and deploy scripts, adapter over HTTP', () => {
  let devnet: ChildProcess
  let url: string
  const dir = tempDir('moor-eth-deploy-')
  before(async () => {
    devnet = spawn(process.execPath, ['scripts/devnet-ethereum.ts', '--port', '0', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    url = await new Promise<string>((resolve, reject) => {
      let out = ''
      devnet.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        const line = out.split('\n').find((l) => l.startsWith('{'))
        if (line !== undefined) resolve((JSON.parse(line) as { rpc: string }).rpc)
      })
      devnet.once('exit', (code) => { reject(new Error(`devnet exited with ${String(code)}`)) })
    })
  })
  after(async () => {
    const exited = new Promise((resolve) => devnet.once('exit', resolve))
    devnet.kill('SIGTERM')
    await exited
    dir.cleanup()
  })

  it('deploys with a key from the environment, prints and writes the addresses', async () => {
    const out = join(dir.path, 'deployment.json')
    const res = await run(['scripts/deploy-ethereum.ts', '--rpc', url, '--out', out, '--json'], { MOOR_ETH_KEY: DEVNET_RELAYER_KEY })
    assert.equal(res.code, 0, res.stderr)
    const printed = JSON.parse(res.stdout) as { contract: string, ed25519Verifier: string, chainId: number }
    const written = JSON.parse(readFileSync(out, 'utf8')) as { contract: string, rpc: string, anchor: string }
    assert.match(printed.contract, /^0x[0-9a-fA-F]{40}$/)
    assert.equal(written.contract, printed.contract)
    assert.equal(written.rpc, url)
    assert.equal(written.anchor, 'ethereum')
    assert.equal(printed.chainId, 31337)

    // A node's adapter, from the deployment file, over HTTP.
    const anchor = new EthereumAnchor({ rpc: written.rpc, contract: written.contract, relayer: RELAYER_B_KEY, pollIntervalMs: 50 })
    try {
      const admin = generateKeyPair(); const bob = generateKeyPair()
      const { context } = await anchor.createContext({ application: new Uint8Array(32).fill(5), creator: admin })
      const seen: AnchorChange[] = []
      anchor.watch(context, (c) => seen.push(c))
      await anchor.submit(context, admin, { type: 'addMember', identity: bob.publicKey, role: 'reader' })
      await anchor.submit(context, admin, { type: 'removeMember', identity: bob.publicKey })
      const deadline = Date.now() + 5_000
      while (seen.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
      assert.deepEqual(seen.map((c) => c.action.type), ['addMember', 'removeMember'])
      const v = await anchor.view(context)
      assert.deepEqual(v.members.map((m) => toHex(m.identity)), [toHex(admin.publicKey)])
      // A refusal over HTTP carries the contract's reason too.
      await assert.rejects(anchor.submit(context, admin, { type: 'removeMember', identity: bob.publicKey }), (e: Error) => e.name === 'GovernanceRejectedError' && /is not a member/.test(e.message))
    } finally {
      await anchor.close()
    }
  })

  it('refuses an address that holds no ContextConfig, and a missing key', async () => {
    const anchor = new EthereumAnchor({ rpc: url, contract: '0x000000000000000000000000000000000000dEaD', relayer: RELAYER_B_KEY })
    await assert.rejects(anchor.view(new Uint8Array(32)), { name: 'ContractNotFoundError' })
    await anchor.close()
    const res = await run(['scripts/deploy-ethereum.ts', '--rpc', url], { MOOR_ETH_KEY: '' })
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /no deployer key/)
  })
})
