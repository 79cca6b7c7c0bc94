// End-to-end encryption of a context's gossip and stream payloads (docs/encryption.md).
// Wire form: CBOR [2, kind, context, key id, generation, sender, chain, index, subject, sealed].
// `key id` names the epoch, `generation` the generation of its secret (empty for the first,
// derived from the epoch secret; a 32-byte id for a later one, fresh randomness of a
// scheduled rotation); `sender` (the member's identity), `chain` (the sending chain's id)
// and `index` say which message key of which sending chain sealed it (ratchet/); frames
// and heartbeats, sealed under the epoch's frame key, carry an empty generation, sender
// and chain and index 0. `subject` is the id the payload is about (delta id, op id; empty otherwise).
// The associated data binds every header field, so none can be changed in transit.
import { decode, encode } from 'cborg'
import { concatBytes, equalBytes, utf8 } from '../crypto/bytes.ts'
import { open, seal } from '../crypto/secretbox.ts'
import { MoorageError } from '../errors/index.ts'

export const ENVELOPE_KINDS = ['delta', 'gov', 'beat', 'frame', 'deltas'] as const
export type EnvelopeKind = typeof ENVELOPE_KINDS[number]

/** Kinds sealed with a message key of the sender's chain; the others use the frame key. */
export const RATCHETED_KINDS: ReadonlySet<EnvelopeKind> = new Set(['delta', 'gov', 'deltas'])

export const ENVELOPE_VERSION = 2
/** Sending-chain ids are random, this long. */
export const CHAIN_ID_BYTES = 16
/** Highest chain index an envelope may name. */
export const MAX_CHAIN_INDEX = 2 ** 32 - 1

export class InvalidEnvelopeError extends MoorageError {
  static override readonly status: number = 400
  override name = 'InvalidEnvelopeError'
}

/** Where in which sending chain of which generation a message key comes from. */
export interface ChainPosition {
  /** Generation id (empty: the epoch's first generation). */
  gen: Uint8Array
  sender: Uint8Array
  chain: Uint8Array
  index: number
}

export interface Envelope extends ChainPosition {
  kind: EnvelopeKind
  context: Uint8Array
  keyId: Uint8Array
  subject: Uint8Array
  sealed: Uint8Array
}

const EMPTY = new Uint8Array(0)
const NO_CHAIN: ChainPosition = { gen: EMPTY, sender: EMPTY, chain: EMPTY, index: 0 }

function indexBytes (index: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, index)
  return b
}

function aad (kind: EnvelopeKind, context: Uint8Array, keyId: Uint8Array, at: ChainPosition, subject: Uint8Array): Uint8Array {
  return concatBytes(utf8(`moorage:envelope:v2:${kind}`), context, keyId, Uint8Array.of(at.gen.byteLength), at.gen, at.sender, at.chain, indexBytes(at.index), subject)
}

/**
 * Seals `payload` under `key` (a message key for the ratcheted kinds, the frame key
 * otherwise), the envelope naming epoch `keyId` and chain position `at`.
 */
export function sealEnvelope (kind: EnvelopeKind, context: Uint8Array, keyId: Uint8Array, key: Uint8Array, subject: Uint8Array, payload: Uint8Array, at: ChainPosition = NO_CHAIN): Uint8Array {
  return encode([ENVELOPE_VERSION, kind, context, keyId, at.gen, at.sender, at.chain, at.index, subject, seal(key, payload, aad(kind, context, keyId, at, subject))])
}

export const MAX_ENVELOPE_BYTES = 16 * 1024 * 1024

export function parseEnvelope (bytes: Uint8Array): Envelope {
  if (bytes.byteLength > MAX_ENVELOPE_BYTES) throw new InvalidEnvelopeError('envelope too large')
  let v: unknown
  try {
    v = decode(bytes, { strict: true, allowUndefined: false, allowIndefinite: false })
  } catch (err) {
    throw new InvalidEnvelopeError('envelope is not CBOR', { details: (err as Error).message })
  }
  if (!Array.isArray(v) || v.length !== 10 || v[0] !== ENVELOPE_VERSION || !ENVELOPE_KINDS.includes(v[1])) throw new InvalidEnvelopeError('unknown envelope version or kind')
  const [, kind, context, keyId, gen, sender, chain, index, subject, sealed] = v as [number, EnvelopeKind, unknown, unknown, unknown, unknown, unknown, unknown, unknown, unknown]
  const is = (x: unknown, len?: number): x is Uint8Array => x instanceof Uint8Array && (len === undefined || x.byteLength === len)
  if (!is(context, 32) || !is(keyId, 32) || !is(subject) || subject.byteLength > 32 || !is(sealed)) throw new InvalidEnvelopeError('envelope fields have the wrong types or sizes')
  if (!is(gen) || (gen.byteLength !== 0 && gen.byteLength !== 32) || !is(sender) || !is(chain) || typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0 || index > MAX_CHAIN_INDEX) throw new InvalidEnvelopeError('envelope chain position has the wrong types or sizes')
  const ratcheted = RATCHETED_KINDS.has(kind)
  if (ratcheted ? sender.byteLength !== 32 || chain.byteLength !== CHAIN_ID_BYTES : gen.byteLength !== 0 || sender.byteLength !== 0 || chain.byteLength !== 0 || index !== 0) {
    throw new InvalidEnvelopeError(ratcheted ? `a ${kind} envelope names its sender and sending chain` : `a ${kind} envelope names no sending chain`)
  }
  return { kind, context, keyId, gen, sender, chain, index, subject, sealed }
}

/** Opens an envelope with the key that sealed it (found by the caller from its header). */
export function openEnvelope (env: Envelope, key: Uint8Array, expectContext?: Uint8Array): Uint8Array {
  if (expectContext !== undefined && !equalBytes(env.context, expectContext)) throw new InvalidEnvelopeError('envelope is for another context')
  return open(key, env.sealed, aad(env.kind, env.context, env.keyId, env, env.subject))
}
