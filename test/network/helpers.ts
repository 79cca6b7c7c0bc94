// Real libp2p nodes on 127.0.0.1 for the network tests, and polling helpers (no fixed sleeps
// where a condition can be waited for).
import { randomBytes } from 'node:crypto'
import { createNetwork } from '../../src/network/index.ts'
import type { InboundMessage, Network, NetworkInit } from '../../src/network/index.ts'
import { createLogger } from '../../src/log/index.ts'
import type { LogLevel } from '../../src/log/index.ts'

/** A set of nodes stopped together; each logs with its own prefix (MOOR_LOG=debug to see them). */
export class Cluster {
  readonly nodes: Network[] = []

  async add (name: string, init: Partial<NetworkInit> = {}): Promise<Network> {
    const level = (process.env.MOOR_LOG as LogLevel | undefined) ?? 'silent'
    const net = createNetwork({ seed: randomBytes(32), logger: createLogger({ level, prefix: name }), ...init })
    this.nodes.push(net)
    await net.start()
    return net
  }

  async stop (): Promise<void> {
    await Promise.all(this.nodes.map(async net => { await net.stop() }))
    this.nodes.length = 0
  }
}

export async function waitFor (condition: () => boolean, what: string, timeoutMs = 5_000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}

/**
 * Publishes once some peer is reachable: right after a reconnection gossipsub may not have
 * its stream to the peer open yet, and a publish then reaches nobody (and says so). Only
 * a publish that reached nobody is repeated, so no peer gets the message twice.
 */
export async function publishReaching (net: Network, topic: string, data: Uint8Array, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const reached = await net.publish(topic, data)
    if (reached > 0 || Date.now() > deadline) return reached
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

export async function connected (a: Network, b: Network, timeoutMs?: number): Promise<void> {
  await waitFor(() => a.peers().includes(b.peerId) && b.peers().includes(a.peerId), 'a connection', timeoutMs)
}

export async function disconnected (a: Network, b: Network, timeoutMs?: number): Promise<void> {
  await waitFor(() => !a.peers().includes(b.peerId) && !b.peers().includes(a.peerId), 'a disconnection', timeoutMs)
}

/** Waits until `net` knows every one of `peers` is subscribed to `topic`. */
export async function topicMesh (net: Network, topic: string, peers: Network[], timeoutMs?: number): Promise<void> {
  await waitFor(() => {
    const known = net.topicPeers(topic)
    return peers.every(p => known.includes(p.peerId))
  }, `subscribers of ${topic}`, timeoutMs)
}

/** Collects the messages of a topic. */
export function inbox (net: Network, topic: string): InboundMessage[] {
  const messages: InboundMessage[] = []
  net.subscribe(topic, msg => { messages.push(msg) })
  return messages
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
export const text = (data: Uint8Array): string => new TextDecoder().decode(data)
