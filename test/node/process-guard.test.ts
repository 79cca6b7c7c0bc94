// The process guard of `moor node`, in a real node process: a background failure that
// escaped its owner is logged and the node keeps serving; a broken store stops the node
// cleanly (run file removed) and exits 1 with the reason. The failures are provoked by a
// module preloaded into the process (test/fixtures/background-failure.ts).

import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import { open } from 'lmdb'
import { StoreClosedError } from '../../src/errors/index.ts'
import { classify } from '../../src/node/process-guard.ts'
import { freePort, MOOR_BIN } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'
import { until } from '../helpers/until.ts'

const PRELOAD = fileURLToPath(new URL('../fixtures/background-failure.ts', import.meta.url))
const NODE_FLAGS = JSON.parse(readFileSync(new URL('../../bin/node-flags.json', import.meta.url), 'utf8')) as string[]

interface Running { child: ChildProcess, home: string, url: string, token: string, stderr: () => string, exited: Promise<number | null> }

async function startNode (failure: string, cleanups: Array<() => void>): Promise<Running> {
  const dir = tempDir('moor-guard-')
  const home = `${dir.path}/home`
  const port = await freePort()
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', PRELOAD, MOOR_BIN, 'node', '--home', home, '--api-port', String(port), '--json'], {
    env: { ...process.env, MOOR_HOME: '', MOOR_LOG: 'info', MOOR_TEST_FAILURE: failure },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { resolve(code) }))
  cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); dir.cleanup() })
  await until('the node to print where it listens', () => {
    if (child.exitCode !== null) throw new Error(`moor node exited early:\n${stderr}`)
    try { JSON.parse(stdout); return true } catch { return false }
  }, 30_000)
  return { child, home, url: JSON.parse(stdout).url, token: readFileSync(`${home}/token`, 'utf8').trim(), stderr: () => stderr, exited }
}

async function serves (node: Running): Promise<void> {
  assert.equal((await fetch(`${node.url}/health`)).status, 200)
  const status = await fetch(`${node.url}/admin/status`, { headers: { authorization: `Bearer ${node.token}` } })
  assert.equal(status.status, 200)
}

describe('the process guard of moor node', { timeout: 120_000 }, () => {
  const cleanups: Array<() => void> = []
  after(() => { for (const c of cleanups) c() })

  for (const [failure, logged] of [
    ['rejection', /ERROR moor:guard: unhandled rejection \(a bug: a background task without an owner\); the node keeps serving .*a background task failed \(provoked by the test\)/],
    ['exception', /ERROR moor:guard: uncaught exception \(a bug: a background task without an owner\); the node keeps serving .*a timer callback threw \(provoked by the test\)/]
  ] as const) {
    it(`logs ${failure === 'rejection' ? 'a' : 'an'} ${failure} that escaped its owner and keeps serving, then stops cleanly`, async () => {
      const node = await startNode(failure, cleanups)
      await serves(node)
      node.child.kill('SIGUSR2')
      await until('the guard to log the failure', () => logged.test(node.stderr()))
      await serves(node)
      node.child.kill('SIGTERM')
      assert.equal(await node.exited, 0, node.stderr())
      assert.match(node.stderr(), /INFO moor: stopped/)
    })
  }

  it('stops the node cleanly and exits 1 with the reason when the store is broken', async () => {
    const node = await startNode('store', cleanups)
    await serves(node)
    assert.ok(existsSync(`${node.home}/node.json`))
    node.child.kill('SIGUSR2')
    assert.equal(await node.exited, 1, node.stderr())
    const err = node.stderr()
    assert.match(err, /ERROR moor:guard: unhandled rejection: the store is broken; stopping the node/)
    assert.match(err, /ERROR moor: stopping: the store is broken: Database is closed/)
    assert.match(err, /INFO moor: stopped/)
    assert.match(err, /^error: the store is broken: Database is closed$/m)
    assert.ok(!existsSync(`${node.home}/node.json`), 'the run file is removed')
  })
})

describe('what the guard makes of an error', () => {
  it('reads a real closed LMDB environment as a closed store, its fatal codes and disk errors as broken, the rest as bugs', async () => {
    const dir = tempDir('moor-guard-lmdb-')
    const db = open({ path: dir.path })
    await db.close()
    let closedError: unknown
    try { await db.put('k', 'v') } catch (err) { closedError = err }
    dir.cleanup()
    assert.ok(closedError instanceof Error)
    assert.equal(classify(closedError), 'store-closed')
    assert.equal(classify(new StoreClosedError('the store is closed')), 'store-closed')
    assert.equal(classify(new Error('MDB_CORRUPTED: Located page was wrong type')), 'store-broken')
    assert.equal(classify(Object.assign(new Error('write failed'), { code: 'ENOSPC' })), 'store-broken')
    assert.equal(classify(new Error('wrapped', { cause: new Error('MDB_PANIC: fatal error') })), 'store-broken')
    assert.equal(classify(new TypeError('x is not a function')), 'bug')
    assert.equal(classify('a string'), 'bug')
  })
})
