// Item 2 of "what a new user trips over": what the CLI writes about chains — the relayer
// key (`moor relayer set`) and the endpoint and contract (`moor deploy --configure`) —
// reaches a node that is already running, without a restart, and the command says so.
// Real `moor node` processes driven by the CLI, against a real EVM (EDR) on loopback.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { serveDevnet, type DevnetServer } from '../../adapters/ethereum/devnet/index.ts'
import { KV_WASM_PATH } from '../helpers/api-server.ts'
import { freePort, moor } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'
import { RELAYER_B_KEY, RELAYER_C_KEY } from '../ethereum/harness.ts'
import { MoorNode } from './node-cli.ts'

const KV = fileURLToPath(KV_WASM_PATH)
const NO_KEYS = { MOOR_ETH_KEY: '', MOOR_ETH_RELAYER_KEY: '' }

describe('chain settings written by the CLI reach a running node', { timeout: 300_000 }, () => {
  const dir = tempDir('moor-live-chains-')
  const nodes: MoorNode[] = []
  let devnet: DevnetServer
  before(async () => { devnet = await serveDevnet({ port: 0 }) })
  after(async () => {
    for (const n of nodes) n.kill()
    await devnet?.close()
    dir.cleanup()
  })
  const start = async (name: string): Promise<MoorNode> => {
    const home = join(dir.path, name)
    const res = await moor(['init', '--home', home, '--api-port', String(await freePort())])
    assert.equal(res.code, 0, res.stderr)
    const n = await MoorNode.start(home, [], NO_KEYS)
    nodes.push(n)
    return n
  }
  const withKey = async (n: MoorNode, key: string, ...args: string[]) => await moor([...args, '--home', n.home], { env: { ...NO_KEYS, MOOR_ETH_KEY: key }, timeoutMs: 120_000 })

  it('deploy --configure and relayer set on a running node: create and join work with no restart', async () => {
    const a = await start('a')
    const b = await start('b')
    const app = await a.json('app', 'install', KV)

    const before = await a.run('context', 'create', '--app', app.id, '--anchor', 'ethereum')
    assert.equal(before.code, 1)
    assert.match(before.stderr, /no RPC endpoint for the ethereum anchor/)

    const deployed = await withKey(a, RELAYER_C_KEY, 'deploy', 'ethereum', '--rpc', devnet.url, '--configure', '--out', join(dir.path, 'deployment.json'))
    assert.equal(deployed.code, 0, deployed.stderr)
    assert.match(deployed.stdout, new RegExp(`the node running on this home \\(pid ${a.child.pid}\\) uses it now`))
    const noKey = await a.run('context', 'create', '--app', app.id, '--anchor', 'ethereum')
    assert.equal(noKey.code, 1)
    assert.match(noKey.stderr, /this node has no ethereum relayer key/)

    const set = await withKey(a, DEVNET_RELAYER_KEY, 'relayer', 'set', 'ethereum', '--json')
    assert.equal(set.code, 0, set.stderr)
    assert.deepEqual(JSON.parse(set.stdout).node, { pid: a.info()!.pid, reloaded: true, error: null })
    const ctx = (await a.json('context', 'create', '--app', app.id, '--anchor', 'ethereum')).id as string
    await a.json('call', ctx, 'set', '{"key":"a","value":"1"}')

    // B was started with no relayer key: its join is refused, until `relayer set`.
    const key = (await b.json('identity', 'new')).publicKey as string
    const invitation = (await a.json('context', 'invite', ctx, '--identity', key)).invitation as string
    const refused = await b.run('context', 'join', invitation, '--rpc', devnet.url)
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /this node has no ethereum relayer key/)
    const setB = await withKey(b, RELAYER_B_KEY, 'relayer', 'set', 'ethereum')
    assert.equal(setB.code, 0, setB.stderr)
    assert.match(setB.stdout, /uses it now/)
    const joined = await b.run('context', 'join', invitation, '--rpc', devnet.url)
    assert.equal(joined.code, 0, `${joined.stderr}\n--- A:\n${a.stderr.slice(-3000)}\n--- B:\n${b.stderr.slice(-3000)}`)
    assert.equal((await b.json('call', ctx, 'get', '{"key":"a"}', '--query')).output, '1')
    await Promise.all([a.stop(), b.stop()])
  })
})
