// Sender-key ratchets of the contexts a node is in (docs/encryption.md). An epoch (a group
// key, shared through governance) has generations: the first is derived from the epoch
// secret; each scheduled rotation makes a new one from fresh randomness, which members
// fetch from a member that holds it (delivery.ts) and which never goes into governance.
// Per generation: this node's sending chain (a fresh random chain id each time the node
// starts, so no message key is ever used twice across restarts), the receiving chains of
// the senders heard from, and the skipped message keys. Every delta, batch and governance
// message is sealed with the next message key of the sender's chain in the newest
// generation, which is then stepped and the old chain key wiped; a receiver steps its copy
// the same way and wipes each message key once it opened its message. Frames and heartbeats
// use the epoch's frame key.
import { randomBytes } from 'node:crypto'
import { equalBytes, toHex, utf8 } from '../../crypto/bytes.ts'
import { sha256 } from '../../crypto/hash.ts'
import { DecryptionError } from '../../errors/index.ts'
import { CHAIN_ID_BYTES, openEnvelope, RATCHETED_KINDS, sealEnvelope, type Envelope, type EnvelopeKind } from '../envelope.ts'
import { chainStart, frameKey, messageKey, nextChainKey, step, type ChainState } from './chain.ts'
import { Lru } from '../../cache/lru.ts'
import { LOADED_CONTEXTS, MAX_CHAINS_PER_EPOCH, MAX_DROPPED_GENERATIONS, MAX_KEPT_GENERATIONS, MAX_SKIP, MAX_SKIPPED_AGE_MS, MAX_SKIPPED_KEYS, EPOCH_GRACE_MS, RETAINED_GENERATIONS, ROTATE_AFTER_MESSAGES, ROTATE_EVERY_MS } from './constants.ts'
import { SkippedKeys } from './skipped.ts'
import type { GenerationStore, StoredGeneration } from './store.ts'

export { chainStart, frameKey, messageKey, nextChainKey, step, type ChainState } from './chain.ts'
export { SkippedKeys, type SkippedLimits } from './skipped.ts'

/** An epoch: its id and secret (src/governance/group-keys.ts calls them key id and key). */
export interface EpochKey {
  id: Uint8Array
  key: Uint8Array
}

/** A generation of an epoch: `n` counts from 0 (the first, id empty, secret the epoch's). */
export interface Generation {
  id: Uint8Array
  n: number
  secret: Uint8Array
}

export interface RatchetOptions {
  rotateEveryMs?: number
  rotateAfterMessages?: number
  epochGraceMs?: number
  retainedGenerations?: number
  maxSkip?: number
  maxSkippedKeys?: number
  maxSkippedAgeMs?: number
  /** Contexts whose state stays in memory (default LOADED_CONTEXTS). */
  loadedContexts?: number
}

/** A message that does not open because its key is gone: a duplicate, or older than what is kept. */
export class StaleMessageError extends DecryptionError {
  override name = 'StaleMessageError'
}

/** A message under a generation this node does not hold yet: it is fetched from a member that does. */
export class MissingGenerationError extends DecryptionError {
  override name = 'MissingGenerationError'
}

const EMPTY = new Uint8Array(0)

/** The id a generation's secret commits to (a fetched secret must match the id asked for). */
export function generationId (ctx: Uint8Array, epochId: Uint8Array, n: number, secret: Uint8Array): Uint8Array {
  const nb = new Uint8Array(4)
  new DataView(nb.buffer).setUint32(0, n)
  return sha256(utf8('moorage:generation-id:v1'), ctx, epochId, nb, secret)
}

/** Where a skipped message key is kept: context, epoch, generation, sender, chain, index. */
function skipId (ctx: Uint8Array, at: Pick<Envelope, 'keyId' | 'gen' | 'sender' | 'chain' | 'index'>): string {
  return `${toHex(ctx)}/${toHex(at.keyId)}/${toHex(at.gen)}/${toHex(at.sender)}${toHex(at.chain)}/${at.index}`
}

interface Sending { chain: Uint8Array, state: ChainState }

interface GenState {
  gen: Generation
  since: number
  messages: number
  sending: Map<string, Sending>
  receiving: Map<string, ChainState>
}

interface EpochState {
  frame: Uint8Array
  gens: Map<string, GenState>
  /** Ids (hex) of generations dropped: their messages are stale. */
  dropped: Set<string>
}

/** What is kept of an epoch whose state left memory: when its newest generation comes due. */
interface IdleEpoch { epoch: string, since: number, messages: number }

const byAge = (a: GenState, b: GenState): number => b.gen.n - a.gen.n || (toHex(a.gen.id) < toHex(b.gen.id) ? -1 : 1)

export class Ratchets {
  private readonly opts: Required<Omit<RatchetOptions, 'loadedContexts'>>
  /**
   * By context, then epoch. A context that has no receiving chain (it heard from nobody
   * since it was loaded) may leave memory: its generations are in the store, its sending
   * chains start afresh (as after a restart), and `idle` keeps when each epoch comes due.
   */
  private readonly epochs: Lru<Map<string, EpochState>>
  private readonly idle = new Map<string, IdleEpoch[]>()
  private readonly skipped: SkippedKeys
  private readonly store: GenerationStore | undefined
  /** When this node first saw each epoch superseded (by context/epoch, hex). */
  private readonly superseded = new Map<string, number>()

  constructor (options: RatchetOptions = {}, store?: GenerationStore) {
    this.opts = {
      rotateEveryMs: options.rotateEveryMs ?? ROTATE_EVERY_MS,
      rotateAfterMessages: options.rotateAfterMessages ?? ROTATE_AFTER_MESSAGES,
      epochGraceMs: options.epochGraceMs ?? EPOCH_GRACE_MS,
      retainedGenerations: options.retainedGenerations ?? RETAINED_GENERATIONS,
      maxSkip: options.maxSkip ?? MAX_SKIP,
      maxSkippedKeys: options.maxSkippedKeys ?? MAX_SKIPPED_KEYS,
      maxSkippedAgeMs: options.maxSkippedAgeMs ?? MAX_SKIPPED_AGE_MS
    }
    this.epochs = new Lru({
      capacity: options.loadedContexts ?? LOADED_CONTEXTS,
      evictable: (_hex, byEpoch) => [...byEpoch.values()].every((st) => [...st.gens.values()].every((g) => g.receiving.size === 0)),
      onEvict: (hex, byEpoch) => {
        this.idle.set(hex, [...byEpoch].map(([epoch, st]) => { const g = this.newest(st); return { epoch, since: g.since, messages: g.messages } }))
        for (const st of byEpoch.values()) for (const g of st.gens.values()) for (const s of g.sending.values()) s.state.key.fill(0)
      }
    })
    this.skipped = new SkippedKeys({ maxKeys: this.opts.maxSkippedKeys, maxAgeMs: this.opts.maxSkippedAgeMs })
    this.store = store
  }

  /** Seals a payload: ratcheted kinds with `sender`'s next message key in the newest generation, the others with the frame key. */
  seal (ctx: Uint8Array, epoch: EpochKey, sender: Uint8Array, kind: EnvelopeKind, subject: Uint8Array, payload: Uint8Array): Uint8Array {
    const st = this.epoch(ctx, epoch)
    if (!RATCHETED_KINDS.has(kind)) return sealEnvelope(kind, ctx, epoch.id, st.frame, subject, payload)
    const g = this.newest(st)
    const who = toHex(sender)
    let mine = g.sending.get(who)
    if (mine === undefined) {
      const chain = new Uint8Array(randomBytes(CHAIN_ID_BYTES))
      mine = { chain, state: { key: chainStart(g.gen.secret, ctx, sender, chain), index: 0 } }
      g.sending.set(who, mine)
    }
    const at = { gen: g.gen.id, sender, chain: mine.chain, index: mine.state.index }
    const { messageKey: mk, next } = step(mine.state)
    mine.state = next
    g.messages++
    try {
      return sealEnvelope(kind, ctx, epoch.id, mk, subject, payload, at)
    } finally {
      mk.fill(0)
    }
  }

  /**
   * Opens an envelope under the epoch it names, if that is one of the retained epochs
   * (`epochs`, oldest first, the current last). Throws DecryptionError `no group key …`
   * for an epoch not held, MissingGenerationError for a generation not held (yet), and
   * StaleMessageError for a message whose key is gone.
   */
  open (ctx: Uint8Array, env: Envelope, epochs: EpochKey[]): Uint8Array {
    const id = toHex(env.keyId)
    const at = epochs.findIndex((e) => toHex(e.id) === id)
    if (at < 0) throw new DecryptionError(`no group key ${id.slice(0, 12)} for context ${toHex(ctx).slice(0, 12)}`)
    if (at < epochs.length - 1 && this.pastGrace(toHex(ctx), id)) throw new StaleMessageError(`epoch ${id.slice(0, 12)} was superseded more than ${this.opts.epochGraceMs} ms ago; its messages come by catch-up`)
    const st = this.epoch(ctx, epochs[at]!)
    if (!RATCHETED_KINDS.has(env.kind)) return openEnvelope(env, st.frame, ctx)
    const genHex = toHex(env.gen)
    const g = st.gens.get(genHex)
    if (g === undefined) {
      if (st.dropped.has(genHex)) throw new StaleMessageError(`generation ${genHex.slice(0, 12) || '0'} of epoch ${id.slice(0, 12)} is no longer kept; its messages come by catch-up`)
      throw new MissingGenerationError(`no generation ${genHex.slice(0, 12)} of epoch ${id.slice(0, 12)} on this node yet`)
    }
    const chainHex = toHex(env.sender) + toHex(env.chain)
    const skipped = skipId(ctx, env)
    let recv = g.receiving.get(chainHex)
    if (recv === undefined) recv = { key: chainStart(g.gen.secret, ctx, env.sender, env.chain), index: 0 }
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
    g.receiving.delete(chainHex)
    g.receiving.set(chainHex, { key: next, index: env.index + 1 })
    while (g.receiving.size > MAX_CHAINS_PER_EPOCH) this.dropChain(g, g.receiving.keys().next().value!)
    g.messages++
    return payload
  }

  /** Whether the newest generation of `epoch` (the epoch in force) is due for rotation, by age or messages. */
  due (ctx: Uint8Array, epoch: EpochKey, now = Date.now()): boolean {
    return this.dueEpoch(ctx, toHex(epoch.id), now)
  }

  /** `due`, for the epoch of id `epochHex`. */
  dueEpoch (ctx: Uint8Array, epochHex: string, now = Date.now()): boolean {
    const st = this.epochs.peek(toHex(ctx))?.get(epochHex)
    const g = st === undefined ? this.idle.get(toHex(ctx))?.find((e) => e.epoch === epochHex) : this.newest(st)
    if (g === undefined) return false
    return now - g.since >= this.opts.rotateEveryMs || g.messages >= this.opts.rotateAfterMessages
  }

  /** A new generation of `epoch` from fresh randomness; messages are sealed under it from now on. */
  rotate (ctx: Uint8Array, epoch: EpochKey): Generation {
    const st = this.epoch(ctx, epoch)
    const n = this.newest(st).gen.n + 1
    const secret = new Uint8Array(randomBytes(32))
    const gen = { id: generationId(ctx, epoch.id, n, secret), n, secret }
    this.add(ctx, epoch, st, gen, Date.now())
    return gen
  }

  /**
   * Takes in a generation fetched from another member. Answers false (and keeps nothing)
   * when its secret does not match `id` or it is older than the generations kept.
   */
  accept (ctx: Uint8Array, epoch: EpochKey, id: Uint8Array, n: number, secret: Uint8Array): boolean {
    if (n < 1 || !equalBytes(generationId(ctx, epoch.id, n, secret), id)) return false
    const st = this.epoch(ctx, epoch)
    if (st.gens.has(toHex(id))) return true
    this.add(ctx, epoch, st, { id, n, secret: new Uint8Array(secret) }, Date.now())
    return st.gens.has(toHex(id))
  }

  /** A generation of `epoch` this node keeps (to serve to a member that lacks it). */
  generation (ctx: Uint8Array, epoch: EpochKey, genId: Uint8Array): Generation | undefined {
    return this.epoch(ctx, epoch).gens.get(toHex(genId))?.gen
  }

  /** The generation messages of `epoch` are sealed under now. */
  current (ctx: Uint8Array, epoch: EpochKey): Generation {
    return this.newest(this.epoch(ctx, epoch)).gen
  }

  /**
   * Told the epochs of `ctx` this node holds (ids, hex, the newest last): notes when each
   * older one was first seen superseded, and wipes those past the grace period (chain
   * keys, skipped keys, stored generations).
   */
  retain (ctx: Uint8Array, ordered: string[], now = Date.now()): void {
    const hex = toHex(ctx)
    for (const id of ordered.slice(0, -1)) if (!this.superseded.has(`${hex}/${id}`)) this.superseded.set(`${hex}/${id}`, now)
    const keep = new Set(ordered.filter((id, i) => i === ordered.length - 1 || !this.pastGrace(hex, id, now)))
    this.wipeExcept(hex, keep)
    // Also what the store holds of epochs not loaded since the node started.
    for (const id of ordered) if (!keep.has(id)) this.store?.drop(hex, id)
  }

  private pastGrace (ctxHex: string, epochHex: string, now = Date.now()): boolean {
    const key = `${ctxHex}/${epochHex}`
    let since = this.superseded.get(key)
    if (since === undefined) this.superseded.set(key, since = now)
    return now - since > this.opts.epochGraceMs
  }

  private wipeExcept (hex: string, keep: Set<string>): void {
    const idle = this.idle.get(hex)?.filter((e) => keep.has(e.epoch))
    if (idle !== undefined) {
      if (idle.length > 0) this.idle.set(hex, idle)
      else this.idle.delete(hex)
    }
    const byEpoch = this.epochs.peek(hex)
    if (byEpoch === undefined) return
    for (const [id, st] of byEpoch) {
      if (keep.has(id)) continue
      st.frame.fill(0)
      for (const g of st.gens.values()) this.wipe(g)
      byEpoch.delete(id)
      this.skipped.dropPrefix(`${hex}/${id}/`)
      this.store?.drop(hex, id)
    }
  }

  /** The context is gone from this node. */
  forget (ctx: Uint8Array): void {
    const hex = toHex(ctx)
    this.wipeExcept(hex, new Set())
    this.store?.drop(hex)
    this.epochs.delete(hex)
    this.idle.delete(hex)
    for (const key of [...this.superseded.keys()]) if (key.startsWith(`${hex}/`)) this.superseded.delete(key)
  }

  /** Whether a context's state is in memory now (for tests and metrics). */
  loaded (ctx: Uint8Array): boolean {
    return this.epochs.has(toHex(ctx))
  }

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
    if (st !== undefined) return st
    // Left memory idle: its message count goes on from where it was.
    const idle = this.idle.get(hex)
    const was = idle?.find((e) => e.epoch === id)
    if (idle !== undefined) {
      const rest = idle.filter((e) => e !== was)
      if (rest.length > 0) this.idle.set(hex, rest)
      else this.idle.delete(hex)
    }
    st = { frame: frameKey(epoch.key, ctx), gens: new Map(), dropped: new Set() }
    byEpoch.set(id, st)
    const stored = this.store?.list(hex, id) ?? []
    const first = stored.find((g) => g.id === '')
    if (first !== undefined) st.gens.set('', this.state({ id: EMPTY, n: 0, secret: epoch.key }, first.since))
    else if (stored.length > 0) st.dropped.add('') // rotated past before this node restarted
    else this.add(ctx, epoch, st, { id: EMPTY, n: 0, secret: epoch.key }, Date.now())
    for (const g of stored) if (g.id !== '') st.gens.set(g.id, this.state({ id: new Uint8Array(Buffer.from(g.id, 'hex')), n: g.n, secret: g.secret }, g.since))
    this.prune(hex, id, st)
    if (was !== undefined && st.gens.size > 0) this.newest(st).messages = was.messages
    return st
  }

  private state (gen: Generation, since: number): GenState {
    return { gen, since, messages: 0, sending: new Map(), receiving: new Map() }
  }

  private add (ctx: Uint8Array, epoch: EpochKey, st: EpochState, gen: Generation, since: number): void {
    const hex = toHex(ctx)
    const id = toHex(epoch.id)
    const genHex = toHex(gen.id)
    if (st.dropped.has(genHex)) return
    st.gens.set(genHex, this.state(gen, since))
    // The first generation's secret is the epoch's (held in governance): only its age is stored.
    const record: StoredGeneration = { ctx: hex, epoch: id, id: genHex, n: gen.n, secret: gen.n === 0 ? EMPTY : gen.secret, since }
    this.store?.put(record)
    this.prune(hex, id, st)
  }

  /** Keeps the generations of an epoch's newest rotations (siblings included, bounded); the others are wiped here and in the store. */
  private prune (ctxHex: string, epochHex: string, st: EpochState): void {
    const sorted = [...st.gens.values()].sort(byAge)
    const rotations = new Set([...new Set(sorted.map((g) => g.gen.n))].slice(0, this.opts.retainedGenerations))
    const kept = sorted.filter((g) => rotations.has(g.gen.n)).slice(0, MAX_KEPT_GENERATIONS)
    const old = sorted.filter((g) => !kept.includes(g))
    for (const g of old) {
      const genHex = toHex(g.gen.id)
      st.gens.delete(genHex)
      st.dropped.add(genHex)
      if (st.dropped.size > MAX_DROPPED_GENERATIONS) st.dropped.delete(st.dropped.values().next().value!)
      this.wipe(g)
      this.skipped.dropPrefix(`${ctxHex}/${epochHex}/${genHex}/`)
      this.store?.drop(ctxHex, epochHex, genHex)
    }
  }

  private newest (st: EpochState): GenState {
    return [...st.gens.values()].sort(byAge)[0]!
  }

  private dropChain (g: GenState, chainHex: string): void {
    g.receiving.get(chainHex)?.key.fill(0)
    g.receiving.delete(chainHex)
  }

  private wipe (g: GenState): void {
    // The first generation's secret is the epoch's, still held by the keyring: not wiped here.
    if (g.gen.n > 0) g.gen.secret.fill(0)
    for (const s of g.sending.values()) s.state.key.fill(0)
    for (const r of g.receiving.values()) r.key.fill(0)
  }
}
