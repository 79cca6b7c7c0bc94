// The chain kit (src/chain/kit/) and the shared async helpers (src/async/): the
// serialised sender, retries and deadlines with an AbortSignal, and declared finality
// (a finality tag) on the change feed, over the in-memory chain.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ChangeFeed, SerialSender, TimeoutError, sleep, withRetry, withTimeout } from '../../src/chain/kit/index.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import type { AnchorChange } from '../../src/governance/anchor.ts'
import { silentLogger } from '../../src/log/index.ts'
import { MemoryAnchor, MemoryChain } from '../helpers/memory-chain.ts'
import { until } from '../helpers/until.ts'

describe('the serialised sender', () => {
  /** An account whose nonce another process moves behind the sender's back. */
  function account (): { nonce: number, sent: number[], send: (n: number) => Promise<number> } {
    const a = {
      nonce: 0,
      sent: [] as number[],
      send: async (n: number) => {
        await sleep(1)
        if (n !== a.nonce) throw Object.assign(new Error(`nonce too low: expected ${a.nonce}, got ${n}`), { code: 'NONCE_EXPIRED' })
        a.sent.push(n)
        a.nonce++
        return n
      }
    }
    return a
  }
  const senderFor = (a: ReturnType<typeof account>, retries = 2): SerialSender<string, number> => new SerialSender({
    readNonce: async () => a.nonce,
    send: async (_tx, n) => await a.send(n),
    isNonceError: (err) => (err as { code?: string }).code === 'NONCE_EXPIRED',
    retries,
    logger: silentLogger
  })

  it('hands out nonces in order to concurrent sends', async () => {
    const a = account()
    const s = senderFor(a)
    const used = await Promise.all(['a', 'b', 'c', 'd'].map(async (tx) => await s.send(tx)))
    assert.deepEqual(used, [0, 1, 2, 3])
  })

  it('re-reads the nonce after a nonce error, and gives up after its retries', async () => {
    const a = account()
    const s = senderFor(a, 1)
    await s.send('a')
    a.nonce += 5 // another process used the account
    assert.equal(await s.send('b'), 6)
    const stuck = senderFor({ ...a, send: async () => { throw Object.assign(new Error('nonce too low'), { code: 'NONCE_EXPIRED' }) } }, 1)
    await assert.rejects(stuck.send('c'), /nonce too low/)
    const other = senderFor({ ...a, send: async () => { throw new Error('insufficient funds') } })
    await assert.rejects(other.send('d'), /insufficient funds/)
  })
})

describe('withRetry and withTimeout', () => {
  it('retries what is retryable, stops at what is not, and stops when aborted', async () => {
    let calls = 0
    assert.equal(await withRetry(async () => { if (++calls < 3) throw new Error('flaky'); return 'ok' }, { delayMs: 1 }), 'ok')
    assert.equal(calls, 3)
    calls = 0
    await assert.rejects(withRetry(async () => { calls++; throw new Error('fatal') }, { delayMs: 1, retryable: () => false }), /fatal/)
    assert.equal(calls, 1)
    const ac = new AbortController()
    const run = withRetry(async () => { throw new Error('down') }, { delayMs: 60_000, attempts: 5, signal: ac.signal })
    ac.abort(new Error('stopped'))
    await assert.rejects(run, /stopped/)
  })

  it('a deadline aborts the work\'s signal and fails with TimeoutError; the caller\'s abort wins over it', async () => {
    let seen: AbortSignal | undefined
    await assert.rejects(withTimeout(20, async (signal) => { seen = signal; await sleep(60_000, { signal }) }, { what: 'the test wait' }), (e: Error) => e instanceof TimeoutError && /the test wait/.test(e.message))
    assert.equal(seen?.aborted, true)
    const ac = new AbortController()
    const run = withTimeout(60_000, async (signal) => { await sleep(60_000, { signal }) }, { signal: ac.signal })
    ac.abort(new Error('caller'))
    await assert.rejects(run, /caller/)
    assert.equal(await withTimeout(1_000, async () => 7), 7)
  })
})

describe('declared finality on the change feed', () => {
  it('with a finality tag, a change is reported once the chain marks its position final, not before', async () => {
    const chain = new MemoryChain({ finalDepth: 2 })
    const anchor = new MemoryAnchor(chain, { finalityTag: 'finalized', txTimeoutMs: 5_000 })
    const admin = generateKeyPair()
    assert.deepEqual(anchor.finality, { tag: 'finalized' })
    const created = anchor.createContext({ application: new Uint8Array(32).fill(9), creator: admin })
    await until('the creation to be sent', () => chain.head() >= 1)
    chain.mine(2)
    const { context } = await created
    const seen: AnchorChange[] = []
    anchor.watch(context, (c) => { seen.push(c) })
    const pending = anchor.submit(context, admin, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' })
    await until('the request on the chain', () => chain.head() >= 4)
    await anchor.sync()
    assert.equal(seen.length, 0, 'not final yet')
    assert.equal((await anchor.viewAt(context)).members.length, 1, 'reads stop at the final position')
    chain.mine(2)
    await pending
    await until('the change once final', () => seen.length === 1)
    assert.equal((await anchor.viewAt(context)).members.length, 2)
    await anchor.close()
  })
})

describe('the change feed\'s position', () => {
  it('tells a watcher how far behind the newest counted position it is, down to 0 once caught up', async () => {
    const chain = new MemoryChain()
    const anchor = new MemoryAnchor(chain, { feedRange: 10 })
    const admin = generateKeyPair()
    const { context } = await anchor.createContext({ application: new Uint8Array(32).fill(4), creator: admin })
    const told: Array<{ seq: number, behind: number | undefined }> = []
    anchor.watch(context, () => {}, { onPosition: (p, behind) => { told.push({ seq: p.seq, behind }) } })
    await until('the feed at the head', () => told.at(-1)?.seq === chain.head())
    assert.equal(told.at(-1)!.behind, 0)
    // 35 positions at once: the feed reads them ten at a time, each step saying what is left.
    chain.mine(35)
    const head = chain.head()
    await until('the feed at the new head', () => told.at(-1)?.seq === head)
    const steps = told.filter((t) => t.seq > head - 35)
    assert.ok(steps.length >= 4, `${steps.length} steps`)
    for (const t of steps) assert.equal(t.behind, head - t.seq, `at ${t.seq}`)
    assert.ok(steps.some((t) => (t.behind ?? 0) >= 10), 'it was told it was behind')
    await anchor.close()
  })
})

describe('reorgs on the change feed', () => {
  it('a reorg deeper than the remembered window undoes what the feed remembers, and the feed reads on', async () => {
    const chain = new MemoryChain()
    const anchor = new MemoryAnchor(chain, { reorgDepth: 2 })
    const admin = generateKeyPair()
    const { context } = await anchor.createContext({ application: new Uint8Array(32).fill(5), creator: admin })
    const fork = chain.head()
    const seen: AnchorChange[] = []
    anchor.watch(context, (c) => { seen.push(c) })
    for (let i = 0; i < 5; i++) {
      await anchor.submit(context, admin, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' })
      await anchor.sync()
    }
    assert.equal(seen.filter((c) => c.accepted).length, 5)
    chain.fork(fork, 12)
    // Past the window the feed cannot find the fork: it undoes what it still remembers
    // (the newest changes, newest first), warns, and reads on below them.
    await until('the remembered changes undone', () => seen.some((c) => !c.accepted))
    await anchor.sync()
    const accepted = seen.filter((c) => c.accepted).map((c) => c.id)
    const undone = seen.filter((c) => !c.accepted).map((c) => c.id)
    assert.ok(undone.length >= 1 && undone.length < 5, `${undone.length} undone`)
    assert.deepEqual(undone, accepted.slice(-undone.length).reverse())
    const r = await anchor.submit(context, admin, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'reader' })
    await until('the change on the new branch', () => seen.at(-1)?.id === r.id && seen.at(-1)?.accepted === true)
    assert.equal((await anchor.viewAt(context)).members.length, 2)
    await anchor.close()
  })
})

describe('a change feed whose endpoint is down', () => {
  it('warns once, polls less and less often, and says once when it works again', async () => {
    const lines: Array<[string, string]> = []
    const record = (level: string) => (msg: string) => { lines.push([level, msg]) }
    const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error'), child: () => logger }
    const polls: number[] = []
    let down = true
    const source = {
      head: async () => { polls.push(Date.now()); if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:8545'); return 5 },
      idAt: async (seq: number) => `id${seq}`,
      changes: async () => []
    }
    const feed = new ChangeFeed({ source, finality: { confirmations: 1 }, pollIntervalMs: 10, reorgDepth: 4, range: 100, logger })
    const stop = feed.watch(generateKeyPair().publicKey, () => {})
    try {
      await until('six failed polls', () => polls.length >= 6, 10_000, 5)
      assert.deepEqual(lines.filter(([l]) => l !== 'debug'), [['warn', 'change feed poll failed']])
      // Each wait is at least double the one before (10, 20, 40, … ms): timers never fire early.
      const gaps = polls.slice(1, 6).map((t, i) => t - polls[i]!)
      for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i]! >= 10 * 2 ** i - 1, `gap ${i}: ${gaps.join(', ')} ms`)
      down = false
      await until('the feed to recover', () => lines.some(([, m]) => m === 'change feed works again'), 10_000, 5)
      assert.deepEqual(lines.filter(([l]) => l !== 'debug'), [['warn', 'change feed poll failed'], ['info', 'change feed works again']])
    } finally {
      stop()
      feed.close()
    }
  })
})
