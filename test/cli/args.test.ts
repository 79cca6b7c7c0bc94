import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { capabilityArg, durationArg } from '../../src/cli/command.ts'
import { main } from '../../src/cli/index.ts'
import { writeRunFile } from '../../src/cli/runfile.ts'
import { freePort, moor } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'

const ID = 'ab'.repeat(32)

describe('moor command line', () => {
  let dir: { path: string, cleanup: () => void }
  before(() => { dir = tempDir('moor-cli-') })
  after(() => { dir.cleanup() })

  // [arguments, what stderr must say, the usage line it must show]
  const usageErrors: Array<[string[], RegExp, RegExp]> = [
    [[], /no command given/, /^Usage: moor <command> \[options\]$/m],
    [['frobnicate'], /unknown command "frobnicate"/, /^Usage: moor <command> \[options\]$/m],
    [['app'], /moor app needs a command/, /^Usage: moor app <command>$/m],
    [['context', 'explode'], /unknown command "context explode"/, /^Usage: moor context <command>$/m],
    [['status', '--bogus'], /Unknown option '--bogus'/, /^Usage: moor status$/m],
    [['status', 'extra'], /unexpected argument: "extra"/, /^Usage: moor status$/m],
    [['call'], /missing arguments: expected <context-id> <method> \[json-args\]/, /^Usage: moor call <context-id> <method>/m],
    [['call', 'not-an-id', 'get'], /<context-id> must be a 64-character hex id/, /^Usage: moor call/m],
    [['call', ID, 'get', '{bad json'], /json-args is not valid JSON/, /^Usage: moor call/m],
    [['call', ID, 'get', '{}', '--executor', 'me'], /--executor must be a 64-character hex id/, /^Usage: moor call/m],
    [['app', 'install'], /missing argument: expected <file\.wasm>/, /^Usage: moor app install <file\.wasm>/m],
    [['app', 'remove', '123'], /the application id must be a 64-character hex id/, /^Usage: moor app remove <id>$/m],
    [['context', 'create'], /missing --app <id>/, /^Usage: moor context create --app <id>/m],
    [['context', 'create', '--app', ID, '--init-args', '{'], /--init-args is not valid JSON/, /^Usage: moor context create/m],
    [['context', 'grant-xcall', ID], /missing argument: expected <target> <source>/, /^Usage: moor context grant-xcall/m],
    [['identity', 'list', '--context', 'x'], /--context must be a 64-character hex id/, /^Usage: moor identity list/m],
    [['events', ID, '--count', '0'], /--count must be a positive integer/, /^Usage: moor events/m],
    [['init', '--api-port', 'abc'], /--api-port must be a port number/, /^Usage: moor init/m],
    [['node', '--log-level', 'loud'], /--log-level must be one of debug, info, warn, error, silent/, /^Usage: moor node/m],
    [['status', '--home'], /--home/, /^Usage: moor status$/m]
  ]

  for (const [args, message, usage] of usageErrors) {
    it(`exits 2 with usage for \`moor ${args.join(' ')}\``, async () => {
      const res = await moor(args)
      assert.equal(res.code, 2, res.stderr)
      assert.equal(res.stdout, '')
      assert.match(res.stderr, /^error: /)
      assert.match(res.stderr, message)
      assert.match(res.stderr, usage)
    })
  }

  it('--help prints the overview or a command\'s usage on stdout and exits 0', async () => {
    const top = await moor(['--help'])
    assert.equal(top.code, 0)
    assert.match(top.stdout, /^Usage: moor <command>/)
    for (const words of [['init'], ['node'], ['start'], ['status'], ['app', 'install'], ['context', 'create'], ['call'], ['events'], ['identity', 'list']]) {
      const res = await moor([...words, '--help'])
      assert.equal(res.code, 0, words.join(' '))
      assert.match(res.stdout, /^Usage: moor /)
      assert.match(res.stdout, /--home <dir>/)
      assert.match(res.stdout, /--json/)
    }
  })

  it('--version prints the version', async () => {
    const res = await moor(['--version'])
    assert.equal(res.code, 0)
    assert.match(res.stdout, /^moor \d+\.\d+\.\d+ \(node 24\./)
  })

  it('init --json prints one JSON document, and is idempotent', async () => {
    const home = `${dir.path}/home-init`
    const first = await moor(['init', '--home', home, '--json', '--api-port', '4555'])
    assert.equal(first.code, 0, first.stderr)
    const doc = JSON.parse(first.stdout)
    assert.deepEqual({ ...doc, p2p: undefined }, { home, created: true, config: `${home}/config.json`, token: `${home}/token`, api: { host: '127.0.0.1', port: 4555 }, p2p: undefined })
    assert.match(doc.p2p.listen[0], /^\/ip4\/127\.0\.0\.1\/tcp\/[1-9][0-9]*$/, 'the p2p port chosen at init')
    assert.equal(statSync(home).mode & 0o777, 0o700)
    assert.equal(statSync(`${home}/token`).mode & 0o777, 0o600)
    const again = await moor(['--json', '--home', home, 'init']) // options before the command work too
    assert.equal(again.code, 0, again.stderr)
    assert.equal(JSON.parse(again.stdout).created, false)
  })

  it('init --force on a home whose node is running says it needs a restart to use the new ports', async () => {
    const home = `${dir.path}/home-running`
    assert.equal((await moor(['init', '--home', home])).code, 0)
    // This test process stands for the running node: the run file names a live pid.
    await writeRunFile(home, { pid: process.pid, url: 'http://127.0.0.1:1', startedAt: Date.now() })
    const port = String(await freePort())
    const res = await moor(['init', '--home', home, '--api-port', port, '--force'])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, new RegExp(`^a node is running on this home \\(pid ${process.pid}\\): it uses the new ports once restarted`, 'm'))
    const json = JSON.parse((await moor(['init', '--home', home, '--api-port', String(await freePort()), '--force', '--json'])).stdout)
    assert.equal(json.restartNeeded, process.pid)
  })

  it('a command that needs the node says how to start it when none answers', async () => {
    const home = `${dir.path}/home-down`
    const port = await freePort()
    assert.equal((await moor(['init', '--home', home, '--api-port', String(port)])).code, 0)
    const res = await moor(['status', '--home', home, '--json'])
    assert.equal(res.code, 1)
    assert.match(res.stderr, new RegExp(`^error: no node answers at http://127\\.0\\.0\\.1:${port} — start it with \`moor node --home ${home}\``))
    // With --json the error is also the one JSON document on stdout, the exit code the same.
    const doc = JSON.parse(res.stdout)
    assert.equal(doc.error.name, 'NodeNotRunningError')
    assert.match(doc.error.message, /^no node answers at /)
    assert.match(doc.error.hint ?? doc.error.message, /moor node --home/)
  })

  it('--json usage errors print { error } on stdout and keep exit code 2', async () => {
    const res = await moor(['call', '--json'])
    assert.equal(res.code, 2)
    assert.deepEqual(Object.keys(JSON.parse(res.stdout)), ['error'])
    assert.equal(JSON.parse(res.stdout).error.name, 'UsageError')
    assert.match(JSON.parse(res.stdout).error.message, /missing arguments/)
  })

  it('`moor <group> --help` lists the group\'s commands and exits 0', async () => {
    for (const group of ['context', 'app', 'relayer']) {
      const res = await moor([group, '--help'])
      assert.equal(res.code, 0, res.stderr)
      assert.equal(res.stderr, '')
      assert.match(res.stdout, new RegExp(`^Usage: moor ${group} <command>\n\nCommands:\n  moor ${group} `))
    }
  })

  it('a command on a home without config.json says to run moor init', async () => {
    const res = await moor(['app', 'list', '--home', `${dir.path}/nothing-here`])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /^error: no config\.json in /)
    assert.match(res.stderr, /Hint: create it with `moor init --home /)
  })

  it('reports a bad config.json naming the file and the field', async () => {
    const home = `${dir.path}/home-bad`
    assert.equal((await moor(['init', '--home', home])).code, 0)
    const { writeFileSync } = await import('node:fs')
    writeFileSync(`${home}/config.json`, JSON.stringify({ api: { port: 'eighty' } }))
    const res = await moor(['status', '--home', home])
    assert.equal(res.code, 1)
    assert.match(res.stderr, new RegExp(`^error: ${home}/config\\.json: "api\\.port" must be an integer port`))
    assert.match(res.stderr, /Details: got "eighty"/)
  })
})

// The membership, governance and sync commands: wrong command lines are refused before
// any node is asked (run in-process: a UsageError needs no node).
describe('moor membership and governance command lines', () => {
  const run = async (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> => {
    let stdout = ''
    let stderr = ''
    const code = await main(args, { stdout: (t) => { stdout += t }, stderr: (t) => { stderr += t }, env: { MOOR_HOME: '/nonexistent/moor-home' } })
    return { code, stdout, stderr }
  }

  const usageErrors: Array<[string[], RegExp, RegExp]> = [
    [['context', 'invite', ID], /give --identity <public-key>, --wallet <account> or --open/, /^Usage: moor context invite <ctx>/m],
    [['context', 'invite', ID, '--open', '--identity', ID], /--identity, --wallet and --open exclude each other/, /^Usage: moor context invite/m],
    [['context', 'invite', ID, '--open', '--expires', '7days'], /--expires must be a duration like 7d, 12h, 30m or 1d12h/, /^Usage: moor context invite/m],
    [['context', 'invite', ID, '--open', '--expires', '0d'], /--expires must be a duration/, /^Usage: moor context invite/m],
    [['context', 'invite', ID, '--open', '--max-uses', '0'], /--max-uses must be an integer from 1 to 64/, /^Usage: moor context invite/m],
    [['context', 'invite', ID, '--identity', ID, '--max-uses', '2'], /--max-uses is for open invitations/, /^Usage: moor context invite/m],
    [['context', 'invite', ID, '--open', '--role', 'admin'], /--role must be member or reader/, /Hint: admins are added through proposals/],
    [['context', 'invite', ID, '--identity', 'bob'], /--identity must be a 64-character hex id/, /^Usage: moor context invite/m],
    [['context', 'revoke-invitation', 'abababababababababababababababababababababababababababababababab'], /missing argument/, /^Usage: moor context revoke-invitation <ctx> <invitation-id>$/m],
    [['context', 'join'], /missing argument: expected <invitation>/, /^Usage: moor context join <invitation> \[--rpc <url>\] \[--fresh-identity\] \[--nonce <nonce> --signature <signature>\]$/m],
    [['context', 'leave', 'x'], /<ctx> must be a 64-character hex id/, /^Usage: moor context leave <ctx>$/m],
    [['context', 'members'], /missing argument: expected <ctx>/, /^Usage: moor context members <ctx>$/m],
    [['context', 'remove', ID], /missing argument: expected <ctx> <identity>/, /^Usage: moor context remove/m],
    [['context', 'role', ID, ID, 'owner'], /<role> must be member or reader/, /^Usage: moor context role/m],
    [['context', 'grant', ID, ID, 'root'], /<capability> must be one of ManageMembers, ManageApplication, Proxy/, /^Usage: moor context grant/m],
    [['context', 'revoke', ID, 'me', 'Proxy'], /<identity> must be a 64-character hex id/, /^Usage: moor context revoke/m],
    [['context', 'update-app', ID], /missing argument: expected <ctx> <app-id>/, /^Usage: moor context update-app/m],
    [['context', 'governance', ID, '--limit', '0'], /--limit must be an integer from 1 to/, /^Usage: moor context governance/m],
    [['context', 'sync-status'], /missing argument: expected <ctx>/, /^Usage: moor context sync-status <ctx>$/m],
    [['context', 'sync', ID, ID], /unexpected argument/, /^Usage: moor context sync <ctx>$/m],
    [['proposal'], /moor proposal needs a command/, /^Usage: moor proposal <command>$/m],
    [['proposal', 'create', ID], /no action given/, /^Usage: moor proposal create/m],
    [['proposal', 'create', ID, 'set-threshold'], /set-threshold needs <n>/, /^Usage: moor proposal create/m],
    [['proposal', 'create', ID, 'set-threshold', 'two'], /set-threshold <n> must be an integer from 1 to/, /^Usage: moor proposal create/m],
    [['proposal', 'create', ID, 'add-admin', 'bob'], /add-admin <identity> must be a 64-character hex id/, /^Usage: moor proposal create/m],
    [['proposal', 'create', ID, 'make-king', ID], /unknown action "make-king"/, /Details: actions: add-admin, remove-admin, set-threshold/],
    [['proposal', 'create', ID, '--action', '{'], /--action is not valid JSON/, /^Usage: moor proposal create/m],
    [['proposal', 'create', ID, '--action', '[1]'], /--action must be a JSON object with a "type"/, /^Usage: moor proposal create/m],
    [['proposal', 'approve', ID, 'x'], /<proposal-id> must be a 64-character hex id/, /^Usage: moor proposal approve/m],
    [['proposal', 'show', ID], /missing argument: expected <ctx> <proposal-id>/, /^Usage: moor proposal show/m],
    [['proposal', 'list'], /missing argument: expected <ctx>/, /^Usage: moor proposal list <ctx>$/m],
    [['peers', 'x'], /unexpected argument: "x"/, /^Usage: moor peers$/m],
    [['identity', 'new', 'x'], /unexpected argument: "x"/, /^Usage: moor identity new$/m]
  ]

  for (const [args, message, usage] of usageErrors) {
    it(`exits 2 with usage for \`moor ${args.join(' ')}\``, async () => {
      const res = await run(args)
      assert.equal(res.code, 2, res.stderr)
      assert.equal(res.stdout, '')
      assert.match(res.stderr, /^error: /)
      assert.match(res.stderr, message)
      assert.match(res.stderr, usage)
    })
  }

  it('durations and capability spellings', () => {
    assert.equal(durationArg('7d', 'x', ''), 7 * 86_400_000)
    assert.equal(durationArg('1d12h', 'x', ''), 36 * 3_600_000)
    assert.equal(durationArg('30m', 'x', ''), 1_800_000)
    assert.equal(durationArg('90s', 'x', ''), 90_000)
    assert.throws(() => durationArg('7', 'x', ''), { name: 'UsageError' })
    assert.throws(() => durationArg('d7', 'x', ''), { name: 'UsageError' })
    for (const spelling of ['ManageMembers', 'manage-members', 'MANAGEMEMBERS', 'manage_members']) assert.equal(capabilityArg(spelling, ''), 'ManageMembers')
    assert.throws(() => capabilityArg('members', ''), { name: 'UsageError' })
  })

  it('every new command has help', async () => {
    for (const words of [['context', 'invite'], ['context', 'revoke-invitation'], ['context', 'join'], ['context', 'governance'], ['proposal', 'create'], ['context', 'sync'], ['peers'], ['identity', 'new']]) {
      const res = await run([...words, '--help'])
      assert.equal(res.code, 0, words.join(' '))
      assert.match(res.stdout, new RegExp(`^Usage: moor ${words.join(' ')}`))
    }
  })
})
