// Choosing a TCP port to keep (a node's p2p port in config.json, a test's API port).
// The kernel hands out port-0 listeners and the local ends of outgoing connections from its
// ephemeral range, so a port taken from there while nothing holds it is soon held by one of
// those: a stopped node, restarting, finds its kept port in use (or serving some other
// protocol). A random port below that range is only ever taken by another such choice.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'

const LOWEST = 10000
const TRIES = 32

/** The first port of the kernel's ephemeral range (Linux's setting, else IANA's 49152). */
function ephemeralStart (): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    if (Number.isInteger(low) && low > 0) return low
  } catch {}
  return 49152
}

async function tryListen (host: string, port: number): Promise<number | undefined> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => { resolve(undefined) })
    server.listen({ port, host, exclusive: true }, () => {
      const { port: bound } = server.address() as AddressInfo
      server.close(() => { resolve(bound) })
    })
  })
}

/** A TCP port nothing listens on right now, below the ephemeral range when it leaves room. */
export async function freeTcpPort (host: string): Promise<number> {
  const high = ephemeralStart() - 1
  if (high - LOWEST >= 1000) {
    for (let i = 0; i < TRIES; i++) {
      const port = await tryListen(host, LOWEST + Math.floor(Math.random() * (high - LOWEST + 1)))
      if (port !== undefined) return port
    }
  }
  const port = await tryListen(host, 0)
  if (port === undefined) throw new Error(`no free TCP port on ${host}`)
  return port
}
