// Our own standing of each peer, fed by the layers above (a rejected request, a forged
// gossip message): a penalty lowers it, time restores it. Gossipsub reads it as the
// application-specific score (a peer below its thresholds gets no gossip from us and its
// messages are ignored); at PEER_BAN_SCORE the peer is disconnected and refused for
// PEER_BAN_MS. Memory is bounded: at most MAX_SCORED_PEERS peers are remembered.
import { MAX_SCORED_PEERS, PEER_BAN_MS, PEER_BAN_SCORE, PEER_SCORE_RECOVERY_PER_S } from './constants.ts'

interface Standing { value: number, at: number }

export class PeerScores {
  readonly #scores = new Map<string, Standing>()
  readonly #banned = new Map<string, number>()
  readonly #now: () => number

  constructor (now: () => number = Date.now) {
    this.#now = now
  }

  /** The peer's standing now: 0 is neutral, negative after penalties. */
  value (peer: string): number {
    const s = this.#scores.get(peer)
    if (s === undefined) return 0
    return Math.min(0, s.value + (this.#now() - s.at) / 1000 * PEER_SCORE_RECOVERY_PER_S)
  }

  /** Lowers the standing; answers true when the peer has just fallen to the ban score. */
  penalize (peer: string, points: number): boolean {
    const value = this.value(peer) - Math.max(0, points)
    this.#scores.delete(peer) // re-inserted last: the map's order is the eviction order
    this.#scores.set(peer, { value, at: this.#now() })
    if (this.#scores.size > MAX_SCORED_PEERS) this.#scores.delete(this.#scores.keys().next().value!)
    if (value > PEER_BAN_SCORE || this.banned(peer)) return false
    this.#banned.set(peer, this.#now() + PEER_BAN_MS)
    if (this.#banned.size > MAX_SCORED_PEERS) this.#banned.delete(this.#banned.keys().next().value!)
    return true
  }

  banned (peer: string): boolean {
    const until = this.#banned.get(peer)
    if (until === undefined) return false
    if (until > this.#now()) return true
    this.#banned.delete(peer)
    this.#scores.delete(peer)
    return false
  }
}
