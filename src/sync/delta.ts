// Deltas: the signed unit of replication. Canonical encoding (documented in
// docs/encoding.md): body = CBOR array
//   [1, context(32), author(32), parents, anchor, hlc ms, hlc counter, actions]
// where parents and anchor are arrays of 32-byte ids, sorted bytewise.
// id = sha256(body); signature = ed25519(author, "moorage:delta:v1" ‖ id);
// wire form = CBOR array [body bytes, signature].
import { decode, encode } from 'cborg'
import { compareBytes, equalBytes, utf8 } from '../crypto/bytes.ts'
import { sha256 } from '../crypto/hash.ts'
import { sign, verify } from '../crypto/ed25519.ts'
import { InvalidDeltaError, InvalidSignatureError } from '../errors/index.ts'
import { validateAction, type Action } from '../state/actions.ts'
import { CborWriter } from '../state/cbor.ts'
import type { Timestamp } from '../state/hlc.ts'

const VERSION = 1
const DOMAIN = utf8('moorage:delta:v1')
export const MAX_DELTA_BYTES = 8 * 1024 * 1024
export const MAX_PARENTS = 64

export interface DeltaBody {
  context: Uint8Array
  author: Uint8Array
  parents: Uint8Array[]
  /**
   * The governance point the author wrote at: the anchor's heads it had seen (offchain:
   * governance op ids; a chain: the block it read membership at). Whether the author may
   * write is decided at this point, identically on every node.
   */
  anchor: Uint8Array[]
  hlc: Timestamp
  actions: Action[]
}

export interface Delta extends DeltaBody {
  id: Uint8Array
  body: Uint8Array
  signature: Uint8Array
  /** The wire form: what is stored and sent. */
  bytes: Uint8Array
}

const writer = new CborWriter()

export function createDelta (body: DeltaBody, secretKey: Uint8Array): Delta {
  const parents = [...body.parents].sort(compareBytes)
  const anchor = [...body.anchor].sort(compareBytes)
  // The same bytes cborg's encode gives for these arrays, written in one pass.
  const w = writer.reset()
  w.array(8)
  w.value(VERSION)
  w.byteString(body.context)
  w.byteString(body.author)
  w.value(parents)
  w.value(anchor)
  w.value(body.hlc.ms)
  w.value(body.hlc.c)
  w.value(body.actions)
  const encoded = w.bytes()
  const id = sha256(encoded)
  const signature = sign(secretKey, signingBytes(id))
  w.reset()
  w.array(2)
  w.byteString(encoded)
  w.byteString(signature)
  return { ...body, parents, anchor, id, body: encoded, signature, bytes: w.bytes() }
}

function signingBytes (id: Uint8Array): Uint8Array {
  const out = new Uint8Array(DOMAIN.length + id.length)
  out.set(DOMAIN, 0)
  out.set(id, DOMAIN.length)
  return out
}

const DECODE_OPTIONS = { useMaps: false, rejectDuplicateMapKeys: true, allowUndefined: false, allowIndefinite: false, allowBigInt: true, strict: true }

/** Decodes and verifies a delta from untrusted bytes. Throws InvalidDeltaError / InvalidSignatureError. */
export function decodeDelta (bytes: Uint8Array): Delta {
  if (bytes.byteLength > MAX_DELTA_BYTES) throw new InvalidDeltaError(`delta of ${bytes.byteLength} bytes exceeds ${MAX_DELTA_BYTES}`)
  let outer: unknown
  let inner: unknown
  try {
    outer = decode(bytes, DECODE_OPTIONS)
    if (!Array.isArray(outer) || outer.length !== 2 || !(outer[0] instanceof Uint8Array) || !(outer[1] instanceof Uint8Array)) {
      throw new Error('expected [body, signature]')
    }
    inner = decode(outer[0], DECODE_OPTIONS)
  } catch (err) {
    throw new InvalidDeltaError('delta is not valid CBOR of the expected shape', { details: (err as Error).message, cause: err })
  }
  const [body, signature] = outer as [Uint8Array, Uint8Array]
  // One encoding per delta: a float for an integer (or any other second spelling) would be a second id for the same content.
  if (!equalBytes(encode(outer), bytes) || !equalBytes(encode(inner), body)) throw new InvalidDeltaError('delta is not in its canonical encoding')
  if (!Array.isArray(inner) || inner.length !== 8 || inner[0] !== VERSION) throw new InvalidDeltaError('unsupported delta version or shape')
  const [, context, author, parents, anchor, ms, c, actions] = inner as unknown[]
  const isId = (v: unknown): v is Uint8Array => v instanceof Uint8Array && v.byteLength === 32
  if (!isId(context) || !isId(author)) throw new InvalidDeltaError('context and author must be 32 bytes')
  const sortedIds = (v: unknown, what: string): Uint8Array[] => {
    if (!Array.isArray(v) || v.length > MAX_PARENTS || !v.every(isId)) throw new InvalidDeltaError(`${what} must be at most ${MAX_PARENTS} ids of 32 bytes`)
    for (let i = 1; i < v.length; i++) {
      if (compareBytes(v[i - 1], v[i]) >= 0) throw new InvalidDeltaError(`${what} must be sorted and distinct`)
    }
    return v
  }
  sortedIds(parents, 'parents')
  sortedIds(anchor, 'anchor')
  if (!Number.isSafeInteger(ms) || (ms as number) < 0 || !Number.isSafeInteger(c) || (c as number) < 0) throw new InvalidDeltaError('hlc must be two non-negative integers')
  if (!Array.isArray(actions) || actions.length === 0) throw new InvalidDeltaError('a delta carries at least one action')
  const checked = actions.map(validateAction)
  const id = sha256(body)
  if (!verify(author, signingBytes(id), signature)) throw new InvalidSignatureError('delta signature does not verify against its author')
  return { context, author, parents: parents as Uint8Array[], anchor: anchor as Uint8Array[], hlc: { ms: ms as number, c: c as number }, actions: checked, id, body, signature, bytes }
}

/** Id and parents of a delta this node stored (already verified): no signature check. */
export function peekDelta (bytes: Uint8Array): { id: Uint8Array, author: Uint8Array, parents: Uint8Array[], hlc: Timestamp } {
  const [body] = decode(bytes) as [Uint8Array, Uint8Array]
  const inner = decode(body) as unknown[]
  return { id: sha256(body), author: inner[2] as Uint8Array, parents: inner[3] as Uint8Array[], hlc: { ms: inner[5] as number, c: inner[6] as number } }
}
