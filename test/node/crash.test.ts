// kill -9 during a write loop: after restart, every acknowledged write is there and the
// store opens cleanly.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import { fromUtf8, utf8 } from '../../src/crypto/bytes.ts'
import { silentLogger } from '../../src/log/index.ts'
import { defaultConfig } from '../../src/node/config.ts'
import { createNode } from '../../src/node/index.ts'
import { tempDir } from '../helpers/tmp.ts'

const writer = fileURLToPath(new URL('../fixtures/crash-writer.ts', import.meta.url))

async function runAndKill (home: string, minAcks: number): Promise<{ ctx: string, acked: number[] }> {
  const child = spawn(process.execPath, [writer, home], { stdio: ['ignore', 'pipe', 'inherit'] })
  const acked: number[] = []
  let ctx = ''
  let buf = ''
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code, signal) => { if (signal !== 'SIGKILL') reject(new Error(`writer exited early: ${code}`)) })
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString()
      const lines = buf.split('\n')
      buf = lines.pop()!
      for (const line of lines) {
        if (line.startsWith('ctx ')) ctx = line.slice(4)
        if (line.startsWith('ack ')) acked.push(Number(line.slice(4)))
      }
      if (acked.length >= minAcks && !child.killed) {
        child.kill('SIGKILL')
        child.on('exit', () => { resolve() })
      }
    })
  })
  return { ctx, acked }
}

describe('crash safety', () => {
  const dir = tempDir('moor-crash-')
  after(() => { dir.cleanup() })

  it('keeps every acknowledged write across SIGKILL, twice in a row', async () => {
    const acks = new Set<number>()
    let ctx = ''
    for (const minAcks of [300, 200]) {
      const run = await runAndKill(dir.path, minAcks)
      ctx = run.ctx
      for (const a of run.acked) acks.add(a)
    }
    const node = await createNode({ home: dir.path, config: defaultConfig(dir.path), logger: silentLogger })
    try {
      // The second run restarted numbering: check all acknowledged keys of both runs.
      for (const n of acks) {
        const out = await node.execute({ contextId: ctx, method: 'get', args: utf8(JSON.stringify({ key: `k${n}` })), readOnly: true })
        assert.equal(JSON.parse(fromUtf8(out.output!)), `v${n}`, `acknowledged write k${n} lost`)
      }
      // The store is consistent: still writable, and the DAG has heads.
      await node.execute({ contextId: ctx, method: 'set', args: utf8('{"key":"after","value":"crash"}') })
      assert.ok(node.getContext(ctx).heads.length >= 1)
    } finally {
      await node.stop()
    }
  })
})
