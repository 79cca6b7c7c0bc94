// Item 5 of "what a new user trips over": a background duty that keeps failing (a chain
// endpoint gone, a contract a restarted devnet no longer has) is logged once per change of
// state, not every second forever, and one run with backoff is not started again until a
// delay that doubles per failure has passed. A recording logger and a clock moved by hand.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Background } from '../../src/node/background.ts'
import { BACKGROUND_BACKOFF_MAX_MS, BACKGROUND_BACKOFF_MS } from '../../src/node/constants.ts'
import type { Logger } from '../../src/log/index.ts'

type Line = [level: string, msg: string, fields: Record<string, unknown>]

function recorder (): { log: Logger, lines: Line[] } {
  const lines: Line[] = []
  const log: Logger = {
    debug: (m, f = {}) => { lines.push(['debug', m, f]) },
    info: (m, f = {}) => { lines.push(['info', m, f]) },
    warn: (m, f = {}) => { lines.push(['warn', m, f]) },
    error: (m, f = {}) => { lines.push(['error', m, f]) },
    child: () => log
  }
  return { log, lines }
}

describe('background duties that keep failing', () => {
  it('warn once per error, debug for repeats, one line when the duty works again', async () => {
    const { log, lines } = recorder()
    const tasks = new Background(log)
    let error: string | null = null
    const duty = async (): Promise<void> => { if (error !== null) throw new Error(error) }
    for (let i = 0; i < 5; i++) {
      // The same failure with other details (which call it was) is still the same failure.
      error = `the endpoint cannot be reached\nDetails: ${i % 2 === 0 ? 'eth_call' : 'eth_estimateGas'}: connect ECONNREFUSED`
      tasks.run('key duty', duty, { context: 'c1' }); await tasks.settled()
    }
    error = 'no context on this contract'
    for (let i = 0; i < 3; i++) { tasks.run('key duty', duty, { context: 'c1' }); await tasks.settled() }
    error = null
    tasks.run('key duty', duty, { context: 'c1' }); await tasks.settled()
    tasks.run('key duty', duty, { context: 'c1' }); await tasks.settled()
    const loud = lines.filter(([level]) => level !== 'debug')
    assert.deepEqual(loud.map(([level, msg, f]) => [level, msg, f.error ?? null, f.after ?? null]), [
      ['warn', 'key duty failed', 'the endpoint cannot be reached\nDetails: eth_call: connect ECONNREFUSED', null],
      ['warn', 'key duty failed', 'no context on this contract', null],
      ['info', 'key duty works again', null, 8]
    ])
    assert.equal(lines.filter(([level]) => level === 'debug').length, 6)
  })

  it('each context is its own state: a failure in one does not quiet another', async () => {
    const { log, lines } = recorder()
    const tasks = new Background(log)
    const duty = async (): Promise<void> => { throw new Error('down') }
    for (const context of ['c1', 'c2', 'c1', 'c2']) { tasks.run('key duty', duty, { context }); await tasks.settled() }
    assert.deepEqual(lines.filter(([l]) => l === 'warn').map(([, , f]) => f.context), ['c1', 'c2'])
  })

  it('with backoff, a failing duty is not started again before its delay, which doubles up to a bound', async () => {
    const { log } = recorder()
    let now = 1_000_000
    const tasks = new Background(log, { now: () => now })
    let runs = 0
    const duty = async (): Promise<void> => { runs++; throw new Error('down') }
    const tick = async (): Promise<void> => { tasks.run('key duty', duty, { context: 'c' }, 'warn', { backoff: true }); await tasks.settled() }
    // Heartbeats every second ask for the duty; it runs at 0, +1 s, +3 s, +7 s, +15 s …
    const ranAt: number[] = []
    for (let s = 0; s <= 70; s++) {
      const before = runs
      await tick()
      if (runs > before) ranAt.push(s)
      now += 1_000
    }
    assert.equal(BACKGROUND_BACKOFF_MS, 1_000)
    assert.deepEqual(ranAt, [0, 1, 3, 7, 15, 31, 63])
    // Far on, the delay stops growing at the bound.
    now += 10 * BACKGROUND_BACKOFF_MAX_MS
    const start = runs
    for (let i = 0; i < 4; i++) { await tick(); now += BACKGROUND_BACKOFF_MAX_MS }
    assert.equal(runs - start, 4)
    // Without backoff the same task runs every time it is asked.
    const plain = runs
    for (let i = 0; i < 3; i++) { tasks.run('key duty', duty, { context: 'c' }); await tasks.settled() }
    assert.equal(runs - plain, 3)
  })
})
