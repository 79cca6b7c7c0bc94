// Progress on stderr: a bar redrawn in place on a terminal, plain lines otherwise.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { progressReporter } from '../../src/cli/progress.ts'

function capture (tty: boolean): { io: { stdout: (t: string) => void, stderr: (t: string) => void, env: NodeJS.ProcessEnv, stderrIsTTY: boolean }, out: () => string, err: () => string } {
  let out = ''
  let err = ''
  return { io: { stdout: (t) => { out += t }, stderr: (t) => { err += t }, env: {}, stderrIsTTY: tty }, out: () => out, err: () => err }
}

describe('progress reporting', () => {
  it('draws a bar in place on a terminal and clears it when done', () => {
    const c = capture(true)
    const p = progressReporter(c.io)
    p.update({ phase: 'governance', done: 0, total: null })
    p.update({ phase: 'deltas', done: 0, total: 1000 })
    for (let i = 1; i <= 1000; i++) p.update({ phase: 'deltas', done: i, total: 1000 })
    p.done()
    assert.equal(c.out(), '')
    assert.match(c.err(), /\r\x1b\[2Kgovernance {2}fetching…/)
    assert.match(c.err(), /\r\x1b\[2Kdeltas {6}\[#{24}\] 100% {2}1,000\/1,000/)
    assert.ok(c.err().endsWith('\r\x1b[2K'))
    assert.ok(!c.err().includes('\n'))
    // Redraws are throttled: far fewer than one per update.
    assert.ok(c.err().split('\r').length < 100)
  })

  it('prints plain lines (a phase, then every 10 %) when stderr is not a terminal', () => {
    const c = capture(false)
    const p = progressReporter(c.io)
    p.update({ phase: 'governance', done: 0, total: null })
    for (let i = 0; i <= 100; i++) p.update({ phase: 'snapshot', done: i, total: 100 })
    p.update({ phase: 'application', done: 2048, total: 2048 })
    p.done()
    const lines = c.err().trim().split('\n')
    assert.equal(lines[0], 'governance: fetching')
    assert.equal(lines[1], 'snapshot: 0/100 (0%)')
    assert.equal(lines[11], 'snapshot: 100/100 (100%)')
    assert.equal(lines[12], 'application: 2.0 KiB/2.0 KiB (100%)')
    assert.equal(lines.length, 13)
    assert.ok(!c.err().includes('\x1b'))
  })

  it('plain lines give the real percentage of small totals (3 of 4 is 75 %)', () => {
    const c = capture(false)
    const p = progressReporter(c.io)
    for (let i = 0; i <= 4; i++) p.update({ phase: 'snapshot', done: i, total: 4 })
    assert.deepEqual(c.err().trim().split('\n'), ['snapshot: 0/4 (0%)', 'snapshot: 1/4 (25%)', 'snapshot: 2/4 (50%)', 'snapshot: 3/4 (75%)', 'snapshot: 4/4 (100%)'])
  })
})
