// Item 5 of "what a new user trips over": after the devnet restarts, its chain (and every
// context on it) is gone although the contract is back at the same address. The node says
// so — the context is marked in `context list` and `show`, also after the node restarts —
// and a request to the chain fails naming the context, contract and endpoint and what to
// do, instead of "no context on this contract" every second. Real `moor node` processes,
// a real EVM (EDR) restarted on the same port.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { serveDevnet, type DevnetServer } from '../../adapters/ethereum/devnet/index.ts'
import { KV_WASM_PATH } from '../helpers/api-server.ts'
import { freePort, moor } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'
import { until } from '../helpers/until.ts'
import { RELAYER_B_KEY } from '../ethereum/harness.ts'
import { MoorNode } from './node-cli.ts'

const KV = fileURLToPath(KV_WASM_PATH)
const NO_KEYS = { MOOR_ETH_KEY: '', MOOR_ETH_RELAYER_KEY: '' }

describe('a chain-anchored context whose devnet was restarted', { timeout: 300_000 }, () => {
  const dir = tempDir('moor-chain-reset-')
  const nodes: MoorNode[] = []
  let devnet: DevnetServer | undefined
  after(async () => {
    for (const n of nodes) n.kill()
    await devnet?.close()
    dir.cleanup()
  })

  it('is marked gone in list and show (also after a node restart); a request says what happened', async () => {
    const port = await freePort()
    devnet = await serveDevnet({ port })
    const home = join(dir.path, 'a')
    assert.equal((await moor(['init', '--home', home, '--api-port', String(await freePort())])).code, 0)
    const withKey = async (key: string, ...args: string[]) => await moor([...args, '--home', home], { env: { ...NO_KEYS, MOOR_ETH_KEY: key }, timeoutMs: 120_000 })
    // Deployed from the dev key's first nonce: a fresh devnet has the contract at the same address.
    const deployArgs = ['deploy', 'ethereum', '--rpc', devnet.url, '--out', join(dir.path, 'deployment.json')]
    assert.equal((await withKey(DEVNET_RELAYER_KEY, ...deployArgs, '--configure')).code, 0)
    assert.equal((await withKey(RELAYER_B_KEY, 'relayer', 'set', 'ethereum')).code, 0)
    let a = await MoorNode.start(home, [], NO_KEYS)
    nodes.push(a)
    const app = await a.json('app', 'install', KV)
    const ctx = (await a.json('context', 'create', '--app', app.id, '--anchor', 'ethereum')).id as string
    assert.equal((await a.json('context', 'show', ctx)).anchorMissingSince, null)

    await devnet.close()
    // While the chain is down: the request names the endpoint and the context, and says what to check.
    const down = await a.run('context', 'invite', ctx, '--identity', (await a.json('identity', 'new')).publicKey)
    assert.equal(down.code, 1)
    assert.match(down.stderr, new RegExp(`^error: the Ethereum endpoint http://127\\.0\\.0\\.1:${port} cannot be reached \\(context ${ctx}\\)`))
    assert.match(down.stderr, /Hint: is the chain running\? A devnet \(`moor devnet`\) keeps its chain in memory/)
    devnet = await serveDevnet({ port })
    const redeployed = await withKey(DEVNET_RELAYER_KEY, ...deployArgs)
    assert.equal(redeployed.code, 0, redeployed.stderr)

    const key = (await a.json('identity', 'new')).publicKey as string
    const invite = await a.run('context', 'invite', ctx, '--identity', key)
    assert.equal(invite.code, 1)
    assert.match(invite.stderr, new RegExp(`^error: context ${ctx} is not on its ethereum contract 0x[0-9a-fA-F]{40} \\(via ${devnet.url}\\) any more`))
    assert.match(invite.stderr, /Hint: .*a devnet keeps its chain in memory, and restarting it loses every context.*moor context delete/)
    assert.doesNotMatch(invite.stderr, /invite refused|UnknownContext/)
    assert.equal(typeof (await a.json('context', 'show', ctx)).anchorMissingSince, 'number')
    assert.match((await a.run('context', 'show', ctx)).stdout, /^anchor state: +GONE: the chain has no such context since /m)
    assert.match((await a.run('context', 'list')).stdout, /gone from its chain/)

    // A node started afresh finds out by itself.
    await a.stop()
    a = await MoorNode.start(home, [], NO_KEYS)
    nodes.push(a)
    await until('the restarted node to mark the context', async () => (await a.json('context', 'show', ctx)).anchorMissingSince !== null, 30_000, 200)
    await a.stop()
  })
})
