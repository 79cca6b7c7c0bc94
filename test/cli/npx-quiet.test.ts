// Item 6 of "what a new user trips over": the quickstart's `npx moor …` prints npm nothing
// (no EBADENGINE lines) although npm itself runs on the system's older Node, and the
// launcher runs moor on Node 24. Run as the user runs it: the system's npx, offline, from
// the repository, with no node_modules/.bin of an npm script ahead on the PATH.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { delimiter } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

describe('npx moor is quiet', () => {
  it('`npx moor --version` prints the version and no npm warning', async () => {
    // Under `npm test` the PATH starts with node_modules/.bin (Node 24 as `node`): drop it,
    // so npx runs on whatever Node the user's system has, as in the README.
    const PATH = (process.env.PATH ?? '').split(delimiter).filter((p) => !p.includes('node_modules')).join(delimiter)
    const res = await new Promise<{ code: number, stdout: string, stderr: string }>((resolve, reject) => {
      execFile('npx', ['--offline', 'moor', '--version'], { cwd: ROOT, env: { ...process.env, PATH, npm_config_loglevel: 'notice' }, timeout: 60_000 }, (err, stdout, stderr) => {
        if (err != null && typeof err.code !== 'number') { reject(err); return }
        resolve({ code: err == null ? 0 : err.code as number, stdout, stderr })
      })
    })
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /^moor \d+\.\d+\.\d+ \(node 24\./)
    assert.doesNotMatch(res.stderr, /EBADENGINE/)
    assert.doesNotMatch(res.stderr, /^npm (warn|WARN)/m)
  })
})
