// End-to-end encryption of a context's gossip and stream payloads under its group key.
// Wire form: CBOR [1, kind, context, key id, subject, sealed], where `subject` is the id
// the payload is about (delta id, op id; empty for heartbeats) and the associated data
// binds context, key id (epoch), kind and subject. Only members holding the key can
// open it; anyone else sees ciphertext.
import { decode, encode } from 'cborg'
import { concatBytes, equalBytes, toHex, utf8 } from '../crypto/bytes.ts'
import { open, seal } from '../crypto/secretbox.ts'
import { DecryptionError, MoorageError } from '../errors/index.ts'

export const ENVELOPE_KINDS = ['delta', 'gov', 'beat', 'frame', 'deltas'] as const
export type EnvelopeKind = typeof ENVELOPE_KINDS[number]

export class InvalidEnvelopeError extends MoorageError {
  static override readonly status: number = 400
  override name = 'InvalidEnvelopeError'
}

export interface Envelope {
  kind: EnvelopeKind
  context: Uint8Array
  keyId: Uint8Array
  subject: Uint8Array
  sealed: Uint8Array
}

function aad (kind: EnvelopeKind, context: Uint8Array, keyId: Uint8Array, subject: Uint8Array): Uint8Array {
  return concatBytes(utf8(`moorage:envelope:v1:${kind}`), context, keyId, subject)
}

export function sealEnvelope (kind: EnvelopeKind, context: Uint8Array, key: { id: Uint8Array, key: Uint8Array }, subject: Uint8Array, payload: Uint8Array): Uint8Array {
  return encode([1, kind, context, key.id, subject, seal(key.key, payload, aad(kind, context, key.id, subject))])
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
  if (!Array.isArray(v) || v.length !== 6 || v[0] !== 1 || !ENVELOPE_KINDS.includes(v[1])) throw new InvalidEnvelopeError('unknown envelope version or kind')
  const [, kind, context, keyId, subject, sealed] = v as [number, EnvelopeKind, unknown, unknown, unknown, unknown]
  const is = (x: unknown, len?: number): x is Uint8Array => x instanceof Uint8Array && (len === undefined || x.byteLength === len)
  if (!is(context, 32) || !is(keyId, 32) || !is(subject) || subject.byteLength > 32 || !is(sealed)) throw new InvalidEnvelopeError('envelope fields have the wrong types or sizes')
  return { kind, context, keyId, subject, sealed }
}

/** Opens an envelope with the key it names; throws DecryptionError without it. */
export function openEnvelope (env: Envelope, keys: (keyIdHex: string) => Uint8Array | undefined, expectContext?: Uint8Array): Uint8Array {
  if (expectContext !== undefined && !equalBytes(env.context, expectContext)) throw new InvalidEnvelopeError('envelope is for another context')
  const key = keys(toHex(env.keyId))
  if (key === undefined) throw new DecryptionError(`no group key ${toHex(env.keyId).slice(0, 12)} for context ${toHex(env.context).slice(0, 12)}`)
  return open(key, env.sealed, aad(env.kind, env.context, env.keyId, env.subject))
}
