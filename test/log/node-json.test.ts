// `moor node --log-format json`: every line the node writes to stderr is a JSON object.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MoorNode } from '../cli/node-cli.ts'
import { tempDir } from '../helpers/tmp.ts'
import { until } from '../helpers/until.ts'

test('moor node --log-format json writes JSON lines with level, component and msg', async () => {
  const dir = tempDir('moor-log-')
  const node = await MoorNode.start(dir.path, ['--api-port', '0', '--p2p-port', '0', '--log-format', 'json'])
  try {
    await until('the node to log that it listens', () => node.stderr.includes('listening'), 30_000, 50)
    const lines = node.stderr.split('\n').filter((l) => l.trim() !== '')
    assert.ok(lines.length > 0)
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>
      assert.equal(typeof entry.time, 'string', line)
      assert.ok(['debug', 'info', 'warn', 'error'].includes(entry.level as string), line)
      assert.match(entry.component as string, /^moor/, line)
      assert.equal(typeof entry.msg, 'string', line)
    }
    assert.ok(lines.some((l) => (JSON.parse(l) as { component: string }).component === 'moor:api'))
  } finally {
    await node.stop()
    dir.cleanup()
  }
})
