// Peer standing: penalties lower it and time restores it; a peer that falls to the ban
// score is disconnected and refused inbound and outbound, while other peers are unaffected.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { PEER_BAN_SCORE, PEER_SCORE_RECOVERY_PER_S } from '../../src/network/constants.ts'
import { PeerScores } from '../../src/network/scores.ts'
import { Cluster, connected, disconnected } from './helpers.ts'

describe('network: peer standing', () => {
  const cluster = new Cluster()
  after(async () => { await cluster.stop() })

  it('penalties lower the standing, time restores it, the ban score bans', () => {
    let now = 1_000_000
    const scores = new PeerScores(() => now)
    assert.equal(scores.value('p'), 0)
    assert.equal(scores.penalize('p', 30), false)
    assert.equal(scores.value('p'), -30)
    now += 10_000
    assert.equal(scores.value('p'), -30 + 10 * PEER_SCORE_RECOVERY_PER_S)
    now += 3_600_000
    assert.equal(scores.value('p'), 0, 'standing never rises above neutral')
    assert.equal(scores.penalize('p', -PEER_BAN_SCORE - 1), false)
    assert.equal(scores.penalize('p', 1), true, 'the penalty that reaches the ban score bans')
    assert.equal(scores.banned('p'), true)
    assert.equal(scores.penalize('p', 10), false, 'a ban is reported once')
    assert.equal(scores.banned('q'), false)
  })

  it('a banned peer is disconnected and refused both ways; others are not', async () => {
    const a = await cluster.add('A')
    const b = await cluster.add('B', { bootstrap: a.addresses() })
    const c = await cluster.add('C', { bootstrap: a.addresses() })
    await connected(a, b)
    await connected(a, c)
    // Standing recovers while the penalties come (a millisecond is a thousandth of a point): one more.
    for (let i = 0; i < 11; i++) a.penalize(b.peerId, 10, 'test: forged material')
    assert.ok(a.score(b.peerId) <= PEER_BAN_SCORE)
    await disconnected(a, b)
    await assert.rejects(a.dial(b.addresses()[0]!), { name: 'DialError' })
    await assert.rejects(b.dial(a.addresses()[0]!), { name: 'DialError' })
    assert.ok(!a.peers().includes(b.peerId))
    assert.ok(a.peers().includes(c.peerId))
    assert.equal(a.score(c.peerId), 0)
  })
})
