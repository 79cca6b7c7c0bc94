// Sender-key ratchets of the contexts a node is in (docs/encryption.md). Per context and
// epoch: this node's sending chain (a fresh random chain id each time the node starts, so
// no message key is ever used twice across restarts), the receiving chains of the senders
// heard from, the skipped message keys, and the epoch's frame key. Every delta, batch and
// governance message is sealed with the next message key of the sender's chain, which is
// then stepped and the old chain key wiped; a receiver steps its copy of that chain the
// same way and wipes each message key once it opened its message.
import { randomBytes } from 'node:crypto'
import { toHex } from '../../crypto/bytes.ts'
import { DecryptionError } from '../../errors/index.ts'
import { CHAIN_ID_BYTES, openEnvelope, RATCHETED_KINDS, sealEnvelope, type Envelope, type EnvelopeKind } from '../envelope.ts'
import { chainStart, frameKey, messageKey, nextChainKey, step, type ChainState } from './chain.ts'
import { MAX_CHAINS_PER_EPOCH, MAX_SKIP, MAX_SKIPPED_AGE_MS, MAX_SKIPPED_KEYS, RETAINED_EPOCHS, ROTATE_AFTER_MESSAGES, ROTATE_EVERY_MS } from './constants.ts'
import { SkippedKeys } from './skipped.ts'

export { chainStart, frameKey, messageKey, nextChainKey, step, type ChainState } from './chain.ts'
export { SkippedKeys, type SkippedLimits } from './skipped.ts'

/** An epoch: its id and secret (src/governance/group-keys.ts calls them key id and key). */
export interface EpochKey {
  id: Uint8Array
  key: Uint8Array
}

export interface RatchetOptions {
  rotateEveryMs?: number
  rotateAfterMessages?: number
  retainedEpochs?: number
  maxSkip?: number
  maxSkippedKeys?: number
  maxSkippedAgeMs?: number
}

/** A message that does not open because its key is gone: a duplicate, or older than what is kept. */
export class StaleMessageError extends DecryptionError {
  override name = 'StaleMessageError'
}

/** Where a skipped message key is kept: context, epoch, sender, chain, index. */
function skipId (ctx: Uint8Array, at: Pick<Envelope, 'keyId' | 'sender' | 'chain' | 'index'>): string {
  return `${toHex(ctx)}/${toHex(at.keyId)}/${toHex(at.sender)}${toHex(at.chain)}/${at.index}`
}

interface Sending { chain: Uint8Array, state: ChainState }

interface EpochState {
  frame: Uint8Array
  firstSeen: number
  messages: number
  sending: Map<string, Sending>
  receiving: Map<string, ChainState>
}

export class Ratchets {
  private readonly opts: Required<RatchetOptions>
  private readonly epochs = new Map<string, Map<string, EpochState>>()
  private readonly skipped: SkippedKeys

  constructor (options: RatchetOptions = {}) {
    this.opts = {
      rotateEveryMs: options.rotateEveryMs ?? ROTATE_EVERY_MS,
      rotateAfterMessages: options.rotateAfterMessages ?? ROTATE_AFTER_MESSAGES,
      retainedEpochs: options.retainedEpochs ?? RETAINED_EPOCHS,
      maxSkip: options.maxSkip ?? MAX_SKIP,
      maxSkippedKeys: options.maxSkippedKeys ?? MAX_SKIPPED_KEYS,
      maxSkippedAgeMs: options.maxSkippedAgeMs ?? MAX_SKIPPED_AGE_MS
    }
    this.skipped = new SkippedKeys({ maxKeys: this.opts.maxSkippedKeys, maxAgeMs: this.opts.maxSkippedAgeMs })
  }

  /** Seals a payload: ratcheted kinds with `sender`'s next message key, the others with the frame key. */
  seal (ctx: Uint8Array, epoch: EpochKey, sender: Uint8Array, kind: EnvelopeKind, subject: Uint8Array, payload: Uint8Array): Uint8Array {
    const st = this.epoch(ctx, epoch)
    if (!RATCHETED_KINDS.has(kind)) return sealEnvelope(kind, ctx, epoch.id, st.frame, subject, payload)
    const who = toHex(sender)
    let mine = st.sending.get(who)
    if (mine === undefined) {
      const chain = new Uint8Array(randomBytes(CHAIN_ID_BYTES))
      mine = { chain, state: { key: chainStart(epoch.key, ctx, sender, chain), index: 0 } }
      st.sending.set(who, mine)
    }
    const at = { sender, chain: mine.chain, index: mine.state.index }
    const { messageKey: mk, next } = step(mine.state)
    mine.state = next
    st.messages++
    try {
      return sealEnvelope(kind, ctx, epoch.id, mk, subject, payload, at)
    } finally {
      mk.fill(0)
    }
  }

  /**
   * Opens an envelope under the epoch it names, if that is one of the retained epochs
   * (`epochs`, oldest first, the current last). Throws DecryptionError `no group key …`
   * for an epoch not held, StaleMessageError for a message whose key is gone.
   */
  open (ctx: Uint8Array, env: Envelope, epochs: EpochKey[]): Uint8Array {
    const id = toHex(env.keyId)
    const at = epochs.findIndex((e) => toHex(e.id) === id)
    if (at < 0) throw new DecryptionError(`no group key ${id.slice(0, 12)} for context ${toHex(ctx).slice(0, 12)}`)
    if (at < epochs.length - this.opts.retainedEpochs) throw new StaleMessageError(`epoch ${id.slice(0, 12)} is older than the ${this.opts.retainedEpochs} this node keeps; its messages come by catch-up`)
    const epoch = epochs[at]!
    const st = this.epoch(ctx, epoch)
    if (!RATCHETED_KINDS.has(env.kind)) return openEnvelope(env, st.frame, ctx)
    const chainHex = toHex(env.sender) + toHex(env.chain)
    const skipped = skipId(ctx, env)
    let recv = st.receiving.get(chainHex)
    if (recv === undefined) recv = { key: chainStart(epoch.key, ctx, env.sender, env.chain), index: 0 }
    // An earlier message of the chain: its key was kept when a later one came first.
    if (env.index < recv.index) {
      const mk = this.skipped.take(skipped)
      if (mk === undefined) throw new StaleMessageError(`message ${env.index} of its chain was opened already, or its key expired`)
      try {
        return openEnvelope(env, mk, ctx)
      } catch (err) {
        this.skipped.put(skipped, mk)
        throw err
      } finally {
        if (!this.skipped.has(skipped)) mk.fill(0)
      }
    }
    if (env.index - recv.index > this.opts.maxSkip) throw new StaleMessageError(`message ${env.index} is more than ${this.opts.maxSkip} ahead of its chain; left to catch-up`)
    // Step to the message on copies: the chain changes only once the message opened.
    let key = recv.key
    const skippedHere: Array<[number, Uint8Array]> = []
    for (let i = recv.index; i < env.index; i++) {
      skippedHere.push([i, messageKey(key)])
      const next = nextChainKey(key)
      if (key !== recv.key) key.fill(0)
      key = next
    }
    const mk = messageKey(key)
    let payload: Uint8Array
    try {
      payload = openEnvelope(env, mk, ctx)
    } catch (err) {
      for (const [, k] of skippedHere) k.fill(0)
      if (key !== recv.key) key.fill(0)
      throw err
    } finally {
      mk.fill(0)
    }
    for (const [i, k] of skippedHere) this.skipped.put(skipId(ctx, { ...env, index: i }), k)
    const next = nextChainKey(key)
    if (key !== recv.key) key.fill(0)
    recv.key.fill(0)
    st.receiving.delete(chainHex)
    st.receiving.set(chainHex, { key: next, index: env.index + 1 })
    while (st.receiving.size > MAX_CHAINS_PER_EPOCH) this.dropChain(st, st.receiving.keys().next().value!)
    st.messages++
    return payload
  }

  /** Whether `epoch`, the one in force, is due for rotation (by age or messages). */
  due (ctx: Uint8Array, epoch: EpochKey, now = Date.now()): boolean {
    const st = this.epochs.get(toHex(ctx))?.get(toHex(epoch.id))
    if (st === undefined) return false
    return now - st.firstSeen >= this.opts.rotateEveryMs || st.messages >= this.opts.rotateAfterMessages
  }

  /** Forgets every epoch of `ctx` but the `keep` ones (ids, hex): their chain keys and skipped keys are wiped. */
  retain (ctx: Uint8Array, keep: Set<string>): void {
    const byEpoch = this.epochs.get(toHex(ctx))
    if (byEpoch === undefined) return
    for (const [id, st] of byEpoch) {
      if (keep.has(id)) continue
      this.wipe(st)
      byEpoch.delete(id)
      this.skipped.dropPrefix(`${toHex(ctx)}/${id}/`)
    }
  }

  /** The context is gone from this node. */
  forget (ctx: Uint8Array): void {
    this.retain(ctx, new Set())
    this.epochs.delete(toHex(ctx))
  }

  get retainedEpochs (): number { return this.opts.retainedEpochs }

  /** How many skipped message keys are held (for tests and metrics). */
  get skippedKeys (): number { return this.skipped.size }

  /** Whether the key of `env`, a message stepped over, is held for when it comes. */
  holdsSkippedKey (ctx: Uint8Array, env: Envelope): boolean {
    return this.skipped.has(skipId(ctx, env))
  }

  private epoch (ctx: Uint8Array, epoch: EpochKey): EpochState {
    const hex = toHex(ctx)
    let byEpoch = this.epochs.get(hex)
    if (byEpoch === undefined) this.epochs.set(hex, byEpoch = new Map())
    const id = toHex(epoch.id)
    let st = byEpoch.get(id)
    if (st === undefined) {
      st = { frame: frameKey(epoch.key, ctx), firstSeen: Date.now(), messages: 0, sending: new Map(), receiving: new Map() }
      byEpoch.set(id, st)
    }
    return st
  }

  private dropChain (st: EpochState, chainHex: string): void {
    st.receiving.get(chainHex)?.key.fill(0)
    st.receiving.delete(chainHex)
  }

  private wipe (st: EpochState): void {
    st.frame.fill(0)
    for (const s of st.sending.values()) s.state.key.fill(0)
    for (const r of st.receiving.values()) r.key.fill(0)
  }
}
