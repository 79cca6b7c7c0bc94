// A port a node keeps (its p2p port in config.json) comes from below the kernel's ephemeral
// range, where port-0 listeners and outgoing connections cannot take it while the node is down.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { describe, it } from 'node:test'
import { freeTcpPort } from '../../src/network/ports.ts'

describe('free TCP ports to keep', () => {
  it('are below the ephemeral range and bindable', async () => {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    const ports = new Set<number>()
    for (let i = 0; i < 20; i++) {
      const port = await freeTcpPort('127.0.0.1')
      assert.ok(port >= 10000 && port < low, `${port} is below ${low}`)
      ports.add(port)
    }
    assert.ok(ports.size > 1, 'the choice is random, not a fixed port')
    const port = await freeTcpPort('127.0.0.1')
    await new Promise<void>((resolve, reject) => {
      const server = createServer().once('error', reject).listen(port, '127.0.0.1', () => { server.close(() => { resolve() }) })
    })
  })
})
