// The membership, governance and sync commands against two real nodes served in this
// process (they find each other over loopback libp2p through the invitation); the CLI
// finds each through the run file `moor node` would write.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { writeRunFile } from '../../src/cli/runfile.ts'
import { kvWasm, startApi } from '../helpers/api-server.ts'
import type { TestApi } from '../helpers/api-server.ts'
import { moor } from '../helpers/cli.ts'
import { until } from '../helpers/until.ts'

const HEX64 = /^[0-9a-f]{64}$/

describe('moor membership and governance commands', () => {
  let a: TestApi, b: TestApi
  let ctx: string, me: string
  const on = (api: TestApi) => ({
    json: async (...args: string[]): Promise<any> => {
      const res = await moor([...args, '--home', api.home, '--json'])
      assert.equal(res.code, 0, `moor ${args.join(' ')}: ${res.stderr}`)
      return JSON.parse(res.stdout)
    },
    text: async (...args: string[]) => await moor([...args, '--home', api.home])
  })

  before(async () => {
    [a, b] = await Promise.all([startApi(), startApi()])
    for (const api of [a, b]) await writeRunFile(api.home, { pid: process.pid, url: api.url, startedAt: Date.now() })
    const app = await a.call('POST', '/admin/applications?name=kv', { body: kvWasm(), headers: { 'content-type': 'application/wasm' } })
    const created = await a.call('POST', '/admin/contexts', { body: { applicationId: app.json.id } })
    ctx = created.json.id
    me = created.json.identity
  })
  after(async () => { await Promise.all([a.close(), b.close()]) })

  it('identity new prints a public key alone on stdout', async () => {
    const res = await on(b).text('identity', 'new')
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /^[0-9a-f]{64}\n$/)
    assert.match(res.stderr, /moor context invite <ctx> --identity <public-key>/)
    const doc = await on(b).json('identity', 'new')
    assert.match(doc.publicKey, HEX64)
  })

  let idB: string
  it('context invite --identity, then context join with progress lines on a non-terminal stderr', async () => {
    const pk = (await on(b).text('identity', 'new')).stdout.trim()
    const inv = await on(a).text('context', 'invite', ctx, '--identity', pk, '--role', 'reader', '--expires', '1h')
    assert.equal(inv.code, 0, inv.stderr)
    assert.match(inv.stdout, /^moorinv3\.[A-Za-z0-9_-]+\n$/)
    assert.match(inv.stderr, new RegExp(`invitation for ${pk} as reader \\(id [0-9a-f]{64}\\), valid until `))
    const joined = await on(b).text('context', 'join', inv.stdout.trim())
    assert.equal(joined.code, 0, joined.stderr)
    assert.match(joined.stdout, new RegExp(`^joined context ${ctx} as reader\n`))
    assert.match(joined.stderr, /^governance: fetching$/m)
    assert.doesNotMatch(joined.stderr, /\x1b\[/) // no terminal escapes when stderr is not a TTY
    idB = pk
  })

  it('context members lists roles and marks this node', async () => {
    await until('a sees b', async () => (await on(a).json('context', 'members', ctx)).length === 2)
    const res = await on(a).text('context', 'members', ctx)
    assert.equal(res.code, 0, res.stderr)
    const lines = res.stdout.trim().split('\n')
    assert.match(lines[0]!, /^IDENTITY\s+ROLE\s+CAPABILITIES$/)
    assert.match(lines[1]!, new RegExp(`^${me} \\(this node\\)\\s+admin\\s+\\(all\\)$`))
    assert.match(lines[2]!, new RegExp(`^${idB}\\s+reader\\s+-$`))
  })

  it('context role, grant and revoke (capability names in any case)', async () => {
    const role = await on(a).json('context', 'role', ctx, idB, 'member')
    assert.equal(role.role, 'member')
    const granted = await on(a).json('context', 'grant', ctx, idB, 'manage-members')
    assert.deepEqual(granted.capabilities, ['ManageMembers'])
    const text = await on(a).text('context', 'revoke', ctx, idB, 'ManageMembers')
    assert.equal(text.code, 0, text.stderr)
    assert.equal(text.stdout, `revoked ManageMembers: ${idB} is a member with no capabilities\n`)
  })

  it('a governance refusal exits 1 with the reason', async () => {
    await until('b is a member', async () => (await on(b).json('context', 'members', ctx)).some((m: { identity: string, role: string }) => m.identity === idB && m.role === 'member'))
    const res = await on(b).text('context', 'role', ctx, me, 'reader')
    assert.equal(res.code, 1)
    assert.equal(res.stdout, '')
    assert.match(res.stderr, /^error: the role change was refused: admin roles change through proposals$/m)
  })

  let pid: string
  it('proposal create with typed actions, list, approve, show', async () => {
    const promote = await on(a).json('proposal', 'create', ctx, 'add-admin', idB, 'set-threshold', '2')
    assert.equal(promote.status, 'executed')
    assert.deepEqual(promote.actions, [{ type: 'addAdmin', identity: idB }, { type: 'setThreshold', threshold: 2 }])
    const created = await on(a).text('proposal', 'create', ctx, 'set-value', 'topic', 'launch', '--action', '{"type":"setActiveLimit","limit":4}')
    assert.equal(created.code, 0, created.stderr)
    assert.match(created.stdout, /^status:\s+open: 1 of 2 approvals$/m)
    assert.match(created.stdout, /^ {2}1\. set "topic" = "launch"$/m)
    assert.match(created.stdout, /^ {2}2\. set the active-proposals limit to 4$/m)
    pid = /^proposal:\s+([0-9a-f]{64})$/m.exec(created.stdout)![1]!
    assert.match(created.stdout, new RegExp(`moor proposal approve ${ctx} ${pid}`))
    await until('b sees it', async () => (await on(b).json('proposal', 'list', ctx)).some((p: { id: string }) => p.id === pid))
    const list = await on(b).text('proposal', 'list', ctx)
    assert.match(list.stdout, new RegExp(`^${pid}\\s+1/2\\s+`, 'm'))
    const approved = await on(b).text('proposal', 'approve', ctx, pid)
    assert.equal(approved.code, 0, approved.stderr)
    assert.match(approved.stdout, new RegExp(`^approved ${pid}: executed at `))
    await until('a sees it executed', async () => (await on(a).json('proposal', 'show', ctx, pid)).status === 'executed')
  })

  it('context governance shows every op; --rejected and --limit filter', async () => {
    const res = await on(a).text('context', 'governance', ctx)
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /^threshold:\s+2 admin approvals$/m)
    assert.match(res.stdout, /^ {2}"topic" = "launch"$/m)
    assert.match(res.stdout, /^#\s+AT\s+BY\s+VERDICT\s+WHAT$/m)
    assert.match(res.stdout, /^0\s+\S+\s+this node\s+ok\s+created the context/m)
    assert.match(res.stdout, new RegExp(`approved proposal ${pid.slice(0, 12)}`))
    const last = await on(a).json('context', 'governance', ctx, '--limit', '2')
    assert.equal(last.ops.length, 2)
    const rejected = await on(a).json('context', 'governance', ctx, '--rejected')
    assert.ok(rejected.ops.every((o: { accepted: boolean }) => !o.accepted))
  })

  it('context sync, sync-status and peers', async () => {
    const synced = await on(b).text('context', 'sync', ctx)
    assert.equal(synced.code, 0, synced.stderr)
    assert.match(synced.stdout, new RegExp(`^context:\\s+${ctx}$`, 'm'))
    const status = await on(b).json('context', 'sync-status', ctx)
    assert.equal(status.contextId, ctx)
    assert.equal(status.awaitingKey, false)
    const peers = await on(a).json('peers')
    assert.ok(peers.length >= 1)
    const text = await on(a).text('peers')
    assert.match(text.stdout, /^PEER\s+SHARED CONTEXTS$/m)
  })

  it('context invite --open, a second join of the same node is a conflict; leave and remove', async () => {
    const inv = await on(a).json('context', 'invite', ctx, '--open', '--max-uses', '2', '--expires', '30m')
    assert.equal(inv.kind, 'open')
    assert.equal(inv.maxUses, 2)
    const again = await on(b).text('context', 'join', inv.invitation)
    assert.equal(again.code, 1)
    assert.match(again.stderr, /^error: this node is already in context /)
    // b (an admin now) leaves; a no longer lists it.
    const proposal = await on(a).json('proposal', 'create', ctx, 'remove-admin', idB)
    await until('b sees the proposal', async () => (await on(b).json('proposal', 'list', ctx)).some((p: { id: string }) => p.id === proposal.id))
    await on(b).json('proposal', 'approve', ctx, proposal.id)
    await until('b is a member again', async () => (await on(b).json('context', 'members', ctx)).some((m: { identity: string, role: string }) => m.identity === idB && m.role === 'member'))
    assert.deepEqual(await on(b).json('context', 'leave', ctx), { left: ctx })
    await until('a sees b leave', async () => (await on(a).json('context', 'members', ctx)).length === 1)
    // b joins again with the open invitation and is removed.
    const rejoined = await on(b).json('context', 'join', inv.invitation)
    await until('a sees b again', async () => (await on(a).json('context', 'members', ctx)).length === 2)
    const removed = await on(a).text('context', 'remove', ctx, rejoined.identity)
    assert.equal(removed.code, 0, removed.stderr)
    assert.equal(removed.stdout, `removed ${rejoined.identity} from context ${ctx}; the group key is rotated\n`)
    // The last admin cannot leave.
    const last = await on(a).text('context', 'leave', ctx)
    assert.equal(last.code, 1)
    assert.match(last.stderr, /^error: leaving was refused: the last admin cannot leave/)
    assert.match(last.stderr, /Hint: .*moor context delete/)
  })
})
