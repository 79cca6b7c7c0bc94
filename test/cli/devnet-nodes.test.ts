// `moor devnet ethereum --nodes 3` as a user runs it: one process that starts the devnet and
// three nodes configured for it and connected to each other; the nodes answer, make an
// anchored context, share it; Ctrl-C (SIGINT) stops everything and exits 0.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { kvWasm } from '../helpers/api-server.ts'
import { MOOR_BIN, moor } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'
import { until } from '../helpers/until.ts'

interface Started {
  devnets: Array<{ chain: string, rpc: string, contract: string }>
  nodes: Array<{ name: string, home: string, url: string, token: string, nodeId: string, p2p: string[], pid: number }>
  dir: string
}

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true } catch { return false } }

describe('moor devnet --nodes', () => {
  const dir = tempDir('moor-devnet-nodes-')
  after(() => { dir.cleanup() })

  it('refuses what it cannot do, before starting anything', async () => {
    for (const [args, message] of [
      [['--nodes', '0'], /--nodes must be an integer from 1 to 8/],
      [['--nodes', '9'], /--nodes must be an integer from 1 to 8/],
      [['--dir', dir.path], /--dir only applies with --nodes/],
      [['--nodes', '2', '--configure', '--home', dir.path], /--nodes makes homes of its own: it cannot be combined with --configure/]
    ] as const) {
      const res = await moor(['devnet', 'ethereum', ...args])
      assert.equal(res.code, 2, res.stderr)
      assert.match(res.stderr, message)
    }
  })

  it('starts the devnet and three connected nodes configured for it; Ctrl-C stops them all', async () => {
    const homes = join(dir.path, 'homes')
    const child = spawn(process.execPath, [MOOR_BIN, 'devnet', 'ethereum', '--port', '0', '--nodes', '3', '--dir', homes, '--json'], {
      env: { ...process.env, MOOR_HOME: '', MOOR_ETH_KEY: '', MOOR_ETH_RELAYER_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => { child.once('exit', (code, signal) => { resolve({ code, signal }) }) })
    let started: Started | undefined
    try {
      await until('moor devnet --nodes to print what it started', () => {
        if (child.exitCode !== null) throw new Error(`moor devnet exited (${child.exitCode}): ${stderr}`)
        return stdout.includes('\n')
      }, 180_000, 100)
      started = JSON.parse(stdout) as Started
      assert.equal(started.dir, homes)
      assert.deepEqual(started.nodes.map((n) => n.name), ['node1', 'node2', 'node3'])
      const [eth] = started.devnets
      assert.equal(eth!.chain, 'ethereum')

      for (const node of started.nodes) {
        assert.equal(node.home, join(homes, node.name))
        assert.deepEqual(JSON.parse(readFileSync(join(node.home, 'config.json'), 'utf8')).chains, { ethereum: { rpc: eth!.rpc, contract: eth!.contract } })
        assert.equal(readFileSync(join(node.home, 'keys', 'ethereum-relayer.key'), 'utf8'), DEVNET_RELAYER_KEY + '\n')
        const token = readFileSync(node.token, 'utf8').trim()
        const peers = await (await fetch(`${node.url}/admin/peers`, { headers: { authorization: `Bearer ${token}` } })).json() as { peers: Array<{ peerId: string }> }
        const others = started.nodes.filter((n) => n !== node).map((n) => n.nodeId).sort()
        assert.deepEqual(peers.peers.map((p) => p.peerId).filter((id) => others.includes(id)).sort(), others, `${node.name} is connected to the others`)
      }

      // What the printed commands do: an app, a context anchored on the devnet, an open
      // invitation joined by node2, a write on node1 read back on node2.
      const [n1, n2] = [started.nodes[0]!, started.nodes[1]!]
      const cli = async (home: string, ...args: string[]): Promise<any> => {
        const res = await moor([...args, '--home', home, '--json'], { timeoutMs: 120_000 })
        assert.equal(res.code, 0, `moor ${args.join(' ')}: ${res.stderr}`)
        return JSON.parse(res.stdout)
      }
      const wasm = join(dir.path, 'kv.wasm')
      writeFileSync(wasm, kvWasm())
      const app = await cli(n1.home, 'app', 'install', wasm)
      const ctx = await cli(n1.home, 'context', 'create', '--app', app.id, '--anchor', 'ethereum')
      const invite = await cli(n1.home, 'context', 'invite', ctx.id, '--open')
      await cli(n2.home, 'context', 'join', invite.invitation)
      await cli(n1.home, 'call', ctx.id, 'set', '{"key":"greeting","value":"hello"}')
      await until('the write to reach node2', async () => {
        const res = await moor(['call', ctx.id, 'get', '{"key":"greeting"}', '--query', '--home', n2.home, '--json'])
        return res.code === 0 && JSON.parse(res.stdout).output === 'hello'
      }, 60_000, 200)
    } finally {
      child.kill('SIGINT')
    }
    assert.deepEqual(await exited, { code: 0, signal: null }, stderr)
    for (const node of started!.nodes) {
      assert.equal(alive(node.pid), false, `${node.name} stopped`)
      await assert.rejects(fetch(`${node.url}/health`), `${node.name} no longer answers`)
    }
    assert.match(stderr, /\[node1\] stopped \(exit code 0\)/)
    assert.equal(stdout.trim().split('\n').length, 1, 'one line of JSON')
  })

  it('Ctrl-C while the nodes are starting stops the ones started, and exits 130', async () => {
    const homes = join(dir.path, 'interrupted')
    const child = spawn(process.execPath, [MOOR_BIN, 'devnet', 'ethereum', '--port', '0', '--nodes', '3', '--dir', homes], {
      env: { ...process.env, MOOR_HOME: '', MOOR_ETH_KEY: '', MOOR_ETH_RELAYER_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => { child.once('exit', (code, signal) => { resolve({ code, signal }) }) })
    await until('node2 to be starting', () => {
      if (child.exitCode !== null) throw new Error(`moor devnet exited (${child.exitCode}): ${stderr}`)
      return stderr.includes('node2: starting')
    }, 180_000, 20)
    const first = JSON.parse(readFileSync(join(homes, 'node1', 'node.json'), 'utf8')) as { pid: number }
    child.kill('SIGINT')
    assert.deepEqual(await exited, { code: 130, signal: null }, stderr)
    assert.equal(alive(first.pid), false, 'node1 stopped')
    for (const name of ['node1', 'node2', 'node3']) assert.equal(existsSync(join(homes, name, 'node.json')), false, `${name} is not running`)
    assert.doesNotMatch(stderr, /^error:/m, 'an interruption is not an error')
    assert.doesNotMatch(stderr, /second SIGTERM/, 'each node is stopped once')
  })
})
