import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger } from '../../src/log/index.ts'

test('json format: one JSON object per line with component, context and peer fields', () => {
  const lines: string[] = []
  const logger = createLogger({ level: 'debug', format: 'json', write: (l) => { lines.push(l) } }).child('sync')
  logger.info('delta applied', { contextId: 'ab'.repeat(32), peerId: '12D3KooWpeer', size: 10n })
  logger.warn('peer refused', { peer: '12D3KooWother', reason: 'not a member' })
  logger.debug('plain')
  assert.equal(lines.length, 3)
  const [first, second, third] = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  assert.equal(first.level, 'info')
  assert.equal(first.component, 'moor:sync')
  assert.equal(first.msg, 'delta applied')
  assert.equal(first.context, 'ab'.repeat(32))
  assert.equal(first.peer, '12D3KooWpeer')
  assert.equal(first.size, '10')
  assert.ok(!Number.isNaN(Date.parse(first.time as string)))
  assert.equal(second.peer, '12D3KooWother')
  assert.equal(second.reason, 'not a member')
  assert.equal(third.context, undefined)
})

test('text format stays the default and below-level lines are dropped', () => {
  const lines: string[] = []
  const logger = createLogger({ level: 'info', write: (l) => { lines.push(l) } })
  logger.debug('hidden')
  logger.info('shown', { context: 'c1' })
  assert.equal(lines.length, 1)
  assert.match(lines[0], /^\S+ INFO moor: shown \{"context":"c1"\}$/)
})
