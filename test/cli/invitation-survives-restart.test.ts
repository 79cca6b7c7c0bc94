// Item 1 of "what a new user trips over": an invitation names the inviter's p2p address,
// so that address must outlive a restart (the port is chosen at `moor init` and kept in
// config.json), a joiner must find an inviter that moved through the peers it knows
// (its bootstrap list), and when it finds nobody it must say what it tried and how to
// point it at a member (`--bootstrap`). Real `moor node` processes, driven by the CLI.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { KV_WASM_PATH } from '../helpers/api-server.ts'
import { freePort, moor } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'
import { MoorNode } from './node-cli.ts'

const KV = fileURLToPath(KV_WASM_PATH)

describe('an invitation outlives the inviter\'s restart', () => {
  const dir = tempDir('moor-restart-invite-')
  const nodes: MoorNode[] = []
  after(() => {
    for (const n of nodes) n.kill()
    dir.cleanup()
  })
  const start = async (home: string, args: string[] = []): Promise<MoorNode> => {
    const n = await MoorNode.start(home, args)
    nodes.push(n)
    return n
  }
  const initHome = async (name: string): Promise<string> => {
    const home = join(dir.path, name)
    const res = await moor(['init', '--home', home, '--api-port', String(await freePort())])
    assert.equal(res.code, 0, res.stderr)
    return home
  }

  /** A context on `a` with one value, and an invitation for a fresh identity of `b`. */
  const invite = async (a: MoorNode, b: MoorNode): Promise<{ ctx: string, invitation: string }> => {
    const app = await a.json('app', 'install', KV)
    const ctx = (await a.json('context', 'create', '--app', app.id)).id as string
    await a.json('call', ctx, 'set', '{"key":"a","value":"1"}')
    const key = (await b.json('identity', 'new')).publicKey as string
    const invitation = (await a.json('context', 'invite', ctx, '--identity', key)).invitation as string
    return { ctx, invitation }
  }

  it('moor init picks a p2p port and keeps it in config.json; the node listens there at every start', async () => {
    const home = await initHome('kept')
    const listen = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).p2p.listen as string[]
    assert.equal(listen.length, 1)
    assert.match(listen[0]!, /^\/ip4\/127\.0\.0\.1\/tcp\/[1-9][0-9]*$/)
    const first = await start(home)
    assert.ok(first.peerAddress.startsWith(listen[0]! + '/p2p/'), `${first.peerAddress} is on ${listen[0]}`)
    await first.stop()
    const second = await start(home)
    assert.equal(second.peerAddress, first.peerAddress)
    await second.stop()
  })

  it('an invitation made before the inviter restarts is joined after the restart, with no extra flag', async () => {
    let a = await start(await initHome('a1'))
    const b = await start(await initHome('b1'))
    const { ctx, invitation } = await invite(a, b)
    await a.stop()
    a = await start(a.home)
    const joined = await b.run('context', 'join', invitation)
    assert.equal(joined.code, 0, `${joined.stderr}\n--- A:\n${a.stderr.slice(-3000)}`)
    assert.equal((await b.json('call', ctx, 'get', '{"key":"a"}', '--query')).output, '1')
    await Promise.all([a.stop(), b.stop()])
  })

  it('an inviter that moved to another port is found by its peer id through the joiner\'s bootstrap peers', async () => {
    const [p1, p2] = [await freePort(), await freePort()]
    let a = await start(await initHome('a2'), ['--p2p-port', String(p1)])
    const { ctx, invitation } = await invite(a, await start(await initHome('b2')))
    await nodes.at(-1)!.stop() // b2 made its identity; it restarts below with a bootstrap peer
    const bHome = nodes.at(-1)!.home
    await a.stop()
    a = await start(a.home, ['--p2p-port', String(p2)])
    assert.ok(a.peerAddress.includes(`/tcp/${p2}/`))
    const b = await start(bHome, ['--bootstrap', a.peerAddress])
    const joined = await b.run('context', 'join', invitation)
    assert.equal(joined.code, 0, `${joined.stderr}\n--- B:\n${b.stderr.slice(-3000)}`)
    assert.equal((await b.json('call', ctx, 'get', '{"key":"a"}', '--query')).output, '1')
    await Promise.all([a.stop(), b.stop()])
  })

  it('when no peer is reachable, join says what it tried and names --bootstrap; nothing is left behind', async () => {
    const a = await start(await initHome('a3'))
    const b = await start(await initHome('b3'))
    const { invitation } = await invite(a, b)
    const address = a.peerAddress
    await a.stop()
    const res = await b.run('context', 'join', invitation)
    assert.equal(res.code, 1)
    assert.match(res.stderr, /none of the peers named in the invitation could be reached/)
    assert.ok(res.stderr.includes(address), `names the address it tried:\n${res.stderr}`)
    assert.match(res.stderr, /--bootstrap/)
    assert.deepEqual(await b.json('context', 'list'), [])
    await b.stop()
  })
})
