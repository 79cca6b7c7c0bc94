// Item 4 of "what a new user trips over": a node whose identity was removed from a context
// says so (by whom, when, at which governance position) in `context list`, `show`,
// `sync-status` and the API; `context sync` fails with that reason; and a new invitation
// to that context can be joined with a fresh identity once the user asks for it.
// Real `moor node` processes, driven by the CLI.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { KV_WASM_PATH } from '../helpers/api-server.ts'
import { freePort, moor } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'
import { until } from '../helpers/until.ts'
import { MoorNode } from './node-cli.ts'

const KV = fileURLToPath(KV_WASM_PATH)

describe('a removed member\'s node says it was removed', () => {
  const dir = tempDir('moor-removed-')
  const nodes: MoorNode[] = []
  after(() => {
    for (const n of nodes) n.kill()
    dir.cleanup()
  })
  const start = async (name: string): Promise<MoorNode> => {
    const home = join(dir.path, name)
    const res = await moor(['init', '--home', home, '--api-port', String(await freePort())])
    assert.equal(res.code, 0, res.stderr)
    const n = await MoorNode.start(home)
    nodes.push(n)
    return n
  }
  const inviteAndJoin = async (a: MoorNode, b: MoorNode, ctx: string, flags: string[] = []): Promise<string> => {
    const key = (await b.json('identity', 'new')).publicKey as string
    const invitation = (await a.json('context', 'invite', ctx, '--identity', key)).invitation as string
    const joined = await b.run('context', 'join', invitation, ...flags)
    assert.equal(joined.code, 0, `${joined.stderr}\n--- A:\n${a.stderr.slice(-3000)}`)
    return key
  }

  it('list, show, sync-status and sync say so; a new invitation is joined with --fresh-identity', async () => {
    const a = await start('a')
    const b = await start('b')
    const app = await a.json('app', 'install', KV)
    const ctx = (await a.json('context', 'create', '--app', app.id)).id as string
    const admin = (await a.json('context', 'show', ctx)).identity as string
    await a.json('call', ctx, 'set', '{"key":"a","value":"1"}')
    const first = await inviteAndJoin(a, b, ctx)
    // (Item 7 on the way: the joined node's `created` is the context's, not its join time;
    // the key epoch reads as a number, one more after the removal's rotation.)
    const created = (await a.json('context', 'show', ctx)).createdAt as number
    assert.equal((await b.json('context', 'show', ctx)).createdAt, created)
    assert.equal((await a.json('context', 'sync-status', ctx)).keyEpochNumber, 1)
    const removedAt = Date.now()
    await a.json('context', 'remove', ctx, first)
    await until('the group key to rotate', async () => (await a.json('context', 'sync-status', ctx)).keyEpochNumber === 2)
    assert.match((await a.run('context', 'sync-status', ctx)).stdout, /^group key: +epoch 2 \(key [0-9a-f]{16}…\)$/m)

    let shown: any
    await until('B to learn it was removed', async () => {
      shown = await b.json('context', 'show', ctx)
      return shown.removed != null
    }, 30_000, 200)
    assert.equal(shown.removed.by, admin)
    assert.ok(shown.removed.at >= removedAt - 5_000 && shown.removed.at <= Date.now(), `removed.at ${shown.removed.at}`)
    assert.ok(Number.isSafeInteger(shown.removed.position) && shown.removed.position > 0)
    const text = await b.run('context', 'show', ctx)
    assert.match(text.stdout, new RegExp(`removed: +removed by ${admin} at \\S+ \\(governance position ${shown.removed.position}\\)`))

    const listed = (await b.json('context', 'list')).find((c: any) => c.id === ctx)
    assert.deepEqual(listed.removed, shown.removed)
    assert.match((await b.run('context', 'list')).stdout, /removed/)

    const status = await b.json('context', 'sync-status', ctx)
    assert.deepEqual(status.removed, shown.removed)
    assert.equal(status.awaitingKey, false, 'a removed node waits for no key')
    const statusText = (await b.run('context', 'sync-status', ctx)).stdout
    assert.doesNotMatch(statusText, /waiting for a member/)
    assert.match(statusText, /removed by/)

    const sync = await b.run('context', 'sync', ctx)
    assert.equal(sync.code, 1, sync.stdout)
    assert.match(sync.stderr, /this node was removed from context/)
    assert.match(sync.stderr, /--fresh-identity/)

    // Re-invited: the plain join says why it will not and what to add.
    const key = (await b.json('identity', 'new')).publicKey as string
    const invitation = (await a.json('context', 'invite', ctx, '--identity', key)).invitation as string
    const plain = await b.run('context', 'join', invitation)
    assert.equal(plain.code, 1)
    assert.match(plain.stderr, /was removed from context/)
    assert.match(plain.stderr, /--fresh-identity/)
    const again = await b.run('context', 'join', invitation, '--fresh-identity')
    assert.equal(again.code, 0, `${again.stderr}\n--- A:\n${a.stderr.slice(-3000)}`)
    const rejoined = await b.json('context', 'show', ctx)
    assert.equal(rejoined.identity, key)
    assert.equal(rejoined.removed, null)
    assert.equal((await b.json('call', ctx, 'get', '{"key":"a"}', '--query')).output, '1')
    await Promise.all([a.stop(), b.stop()])
  })
})
