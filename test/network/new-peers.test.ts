// Inbound connections from peers never connected before are budgeted (a flooder that is
// banned comes back under a fresh peer id): a burst, then one every so often; a peer that
// has been connected before is let in whatever the budget.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { createNetwork, type Network } from '../../src/network/index.ts'
import { NEW_PEER_INBOUND_BURST, NEW_PEER_INBOUND_PER_S } from '../../src/network/constants.ts'
import { Cluster, waitFor } from './helpers.ts'

describe('network: inbound connections from new peers', () => {
  const cluster = new Cluster()
  const extra: Network[] = []
  after(async () => { await Promise.all(extra.map(async (n) => { await n.stop() })); await cluster.stop() })

  it(`lets in ${NEW_PEER_INBOUND_BURST} new peers at once, then ${NEW_PEER_INBOUND_PER_S} a second; a known peer always`, async () => {
    const v = await cluster.add('V')
    const tries = NEW_PEER_INBOUND_BURST + 8
    const accepted: Array<{ seed: Uint8Array, net: Network }> = []
    const started = Date.now()
    for (let i = 0; i < tries; i++) {
      const seed = new Uint8Array(randomBytes(32))
      const d = await cluster.add(`D${i}`, { seed })
      await d.dial(v.addresses()[0]!).catch(() => {})
      // Either V counts it, or the refused connection is gone on D's side too.
      await waitFor(() => v.peers().includes(d.peerId) || !d.peers().includes(v.peerId), `V to let D${i} in or refuse it`)
      if (v.peers().includes(d.peerId)) accepted.push({ seed, net: d })
    }
    const refill = Math.ceil((Date.now() - started) / 1000 * NEW_PEER_INBOUND_PER_S)
    assert.ok(accepted.length >= NEW_PEER_INBOUND_BURST, `only ${accepted.length} new peers let in`)
    assert.ok(accepted.length <= NEW_PEER_INBOUND_BURST + refill, `${accepted.length} of ${tries} new peers let in (budget ${NEW_PEER_INBOUND_BURST} + ${refill})`)

    // A peer V has been connected to comes back (same id, new process) while the budget is spent.
    const first = accepted[0]!
    await first.net.stop()
    await waitFor(() => !v.peers().includes(first.net.peerId), 'V to see the peer go')
    const again = createNetwork({ seed: first.seed })
    extra.push(again)
    await again.start()
    await again.dial(v.addresses()[0]!)
    await waitFor(() => v.peers().includes(again.peerId), 'V to let the known peer back in')
  })
})
