// The README's quickstart, end to end: a real `moor node` process and the CLI as child
// processes talking to it over HTTP.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { KV_WASM_PATH } from '../helpers/api-server.ts'
import { freePort, MOOR_BIN, moor } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'

describe('quickstart: moor node + CLI', () => {
  let dir: { path: string, cleanup: () => void }
  let home: string
  let port: number
  let node: ChildProcess
  let nodeStdout = ''
  let nodeStderr = ''
  let exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>

  const run = async (...args: string[]): Promise<any> => {
    const res = await moor([...args, '--home', home, '--json'])
    assert.equal(res.code, 0, `moor ${args.join(' ')}: ${res.stderr}\n--- node stderr:\n${nodeStderr}`)
    return JSON.parse(res.stdout)
  }

  before(async () => {
    dir = tempDir('moor-e2e-')
    home = `${dir.path}/home`
    port = await freePort()
    node = spawn(process.execPath, [MOOR_BIN, 'node', '--home', home, '--api-port', String(port), '--json'], {
      env: { ...process.env, MOOR_HOME: '', MOOR_LOG: 'info' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    node.stdout!.on('data', (d: Buffer) => { nodeStdout += d.toString() })
    node.stderr!.on('data', (d: Buffer) => { nodeStderr += d.toString() })
    exited = new Promise((resolve) => node.on('exit', (code, signal) => { resolve({ code, signal }) }))
    // The node prints one JSON document once it listens.
    const deadline = Date.now() + 30_000
    while (!parses(nodeStdout)) {
      if (node.exitCode !== null) throw new Error(`moor node exited early:\n${nodeStderr}`)
      if (Date.now() > deadline) throw new Error(`moor node did not start:\n${nodeStderr}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })

  after(async () => {
    if (node.exitCode === null && node.signalCode === null) {
      node.kill('SIGKILL')
      await exited
    }
    dir.cleanup()
  })

  it('starts on the given port and says where the token is', () => {
    const info = JSON.parse(nodeStdout)
    assert.equal(info.url, `http://127.0.0.1:${port}`)
    assert.equal(info.token, `${home}/token`)
    assert.ok(existsSync(`${home}/token`))
    assert.ok(existsSync(`${home}/node.json`))
  })

  it('installs kv-store, creates a context, sets and gets a value', async () => {
    const app = await run('app', 'install', fileURLToPath(KV_WASM_PATH), '--name', 'kv')
    assert.equal(app.name, 'kv')
    assert.ok(app.methods.includes('get'))

    const ctx = await run('context', 'create', '--app', app.id)
    assert.match(ctx.id, /^[0-9a-f]{64}$/)

    const set = await run('call', ctx.id, 'set', '{"key":"greeting","value":"hello, moorage"}')
    assert.match(set.deltaId, /^[0-9a-f]{64}$/)

    const get = await run('call', ctx.id, 'get', '{"key":"greeting"}')
    assert.equal(get.output, 'hello, moorage')

    const human = await moor(['call', ctx.id, 'get', '{"key":"greeting"}', '--query', '--home', home])
    assert.equal(human.code, 0, human.stderr)
    assert.equal(human.stdout, 'hello, moorage\n')
  })

  it('status reports the application and the context', async () => {
    const status = await run('status')
    assert.equal(status.applications, 1)
    assert.equal(status.contexts, 1)
    assert.equal(status.url, `http://127.0.0.1:${port}`)
    assert.equal(status.home, home)
  })

  it('stops cleanly on SIGTERM (exit 0, run file removed)', async () => {
    node.kill('SIGTERM')
    const { code, signal } = await exited
    assert.equal(signal, null)
    assert.equal(code, 0, nodeStderr)
    assert.ok(!existsSync(`${home}/node.json`))
    assert.match(nodeStderr, /stopped/)

    const down = await moor(['status', '--home', home])
    assert.equal(down.code, 1)
    assert.match(down.stderr, new RegExp(`no node answers at http://127\\.0\\.0\\.1:${port}`))
  })
})

function parses (text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}
