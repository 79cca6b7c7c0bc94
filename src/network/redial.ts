// Keeps bootstrap peers connected: each is dialled at start and, whenever it is not
// connected, dialled again with exponential backoff. A blocked peer is left alone until it
// is unblocked, and then dialled at once.
import type { Logger } from '../log/index.ts'
import { REDIAL_FACTOR, REDIAL_INITIAL_DELAY_MS, REDIAL_MAX_DELAY_MS, REDIAL_STABLE_MS } from './constants.ts'

export interface RedialerComponents {
  /** Dials the peer at any of its addresses; rejects when no connection results. */
  dial (peer: string, addrs: string[], signal: AbortSignal): Promise<void>
  isConnected (peer: string): boolean
  isBlocked (peer: string): boolean
  logger: Logger
}

export interface RedialerInit {
  initialDelayMs?: number
  maxDelayMs?: number
  factor?: number
  stableMs?: number
}

interface Target {
  addrs: string[]
  delay: number
  timer: ReturnType<typeof setTimeout> | undefined
  dialing: boolean
  connectedAt: number | undefined
}

export class Redialer {
  readonly #components: RedialerComponents
  readonly #initialDelay: number
  readonly #maxDelay: number
  readonly #factor: number
  readonly #stableMs: number
  readonly #targets = new Map<string, Target>()
  #stop: AbortController | undefined

  constructor (components: RedialerComponents, init: RedialerInit = {}) {
    this.#components = components
    this.#initialDelay = init.initialDelayMs ?? REDIAL_INITIAL_DELAY_MS
    this.#maxDelay = init.maxDelayMs ?? REDIAL_MAX_DELAY_MS
    this.#factor = init.factor ?? REDIAL_FACTOR
    this.#stableMs = init.stableMs ?? REDIAL_STABLE_MS
  }

  /** Adds a peer to keep connected (addresses merge with any already known). */
  add (peer: string, addrs: string[]): void {
    const target = this.#targets.get(peer)
    if (target === undefined) {
      this.#targets.set(peer, { addrs: [...addrs], delay: this.#initialDelay, timer: undefined, dialing: false, connectedAt: undefined })
    } else {
      for (const addr of addrs) if (!target.addrs.includes(addr)) target.addrs.push(addr)
    }
    if (this.#stop !== undefined) this.#schedule(peer, 0)
  }

  has (peer: string): boolean {
    return this.#targets.has(peer)
  }

  start (): void {
    this.#stop = new AbortController()
    for (const peer of this.#targets.keys()) this.#schedule(peer, 0)
  }

  stop (): void {
    this.#stop?.abort()
    this.#stop = undefined
    for (const target of this.#targets.values()) {
      clearTimeout(target.timer)
      target.timer = undefined
      target.delay = this.#initialDelay
    }
  }

  onConnect (peer: string): void {
    const target = this.#targets.get(peer)
    if (target === undefined) return
    clearTimeout(target.timer)
    target.timer = undefined
    target.connectedAt = Date.now()
  }

  onDisconnect (peer: string): void {
    const target = this.#targets.get(peer)
    if (target === undefined) return
    // A connection that lasted resets the backoff; one dropped at once (the peer refuses
    // us after the handshake) counts as a failed dial.
    if (target.connectedAt !== undefined && Date.now() - target.connectedAt >= this.#stableMs) target.delay = this.#initialDelay
    target.connectedAt = undefined
    this.#retry(peer, target)
  }

  /** The peer was unblocked: dial it now, with the backoff reset. */
  onUnblock (peer: string): void {
    const target = this.#targets.get(peer)
    if (target === undefined) return
    clearTimeout(target.timer)
    target.timer = undefined
    target.delay = this.#initialDelay
    this.#schedule(peer, 0)
  }

  #schedule (peer: string, delay: number): void {
    const target = this.#targets.get(peer)
    if (target === undefined || this.#stop === undefined || target.timer !== undefined || target.dialing) return
    const jittered = delay === 0 ? 0 : Math.round(delay * (0.8 + Math.random() * 0.4))
    target.timer = setTimeout(() => { void this.#attempt(peer, target) }, jittered)
    target.timer.unref()
  }

  async #attempt (peer: string, target: Target): Promise<void> {
    target.timer = undefined
    const stop = this.#stop
    const { isConnected, isBlocked, dial, logger } = this.#components
    if (stop === undefined || isConnected(peer) || isBlocked(peer)) return
    target.dialing = true
    try {
      await dial(peer, target.addrs, stop.signal)
    } catch (err) {
      if (stop.signal.aborted) return
      logger.debug('bootstrap dial failed', { peer, retryInMs: target.delay, error: (err as Error).message })
    } finally {
      target.dialing = false
    }
    // Not connected: the dial failed, or the connection was refused right after the handshake.
    if (!isConnected(peer)) this.#retry(peer, target)
  }

  /** Schedules the next dial after the current delay, and grows the delay. */
  #retry (peer: string, target: Target): void {
    if (this.#stop === undefined || target.timer !== undefined || target.dialing) return
    if (this.#components.isConnected(peer) || this.#components.isBlocked(peer)) return
    this.#schedule(peer, target.delay)
    target.delay = Math.min(target.delay * this.#factor, this.#maxDelay)
  }
}
