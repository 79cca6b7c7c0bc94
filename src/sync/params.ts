// The params of each catch-up request and the frames of each answer, checked field by
// field (no casts): a request that does not fit gets a SyncParamsError with the reason
// and no work is done; an answer that does not fit ends that sync with the same error.
// The limits here are also what a responder promises: an honest answer never exceeds them.
import { decode } from 'cborg'
import { MoorageError } from '../errors/index.ts'
import { MAX_DELTA_BYTES } from './delta.ts'
import type { SnapshotCursor } from './snapshot.ts'
import { describeProtocol } from './wire.ts'

export class SyncParamsError extends MoorageError {
  static override readonly status: number = 400
  override name = 'SyncParamsError'
}

/** Most ids in one `deltas` request (its wanted ids, and the requester's heads). */
export const MAX_REQUEST_IDS = 4096
/** Most deltas one `deltas` request may ask for. */
export const MAX_DELTAS_PER_REQUEST = 100_000
/** Most ops one `push` carries (a joiner pushes its claim, or a commit and a reveal). */
export const MAX_PUSH_OPS = 16
/** Longest snapshot cursor key: a children-index key (parent id ‖ child id). */
export const MAX_CURSOR_KEY_BYTES = 64
/** One `deltas` answer frame holds at most this many deltas … */
export const DELTA_FRAME_COUNT = 256
/** … and at most this many bytes of deltas (one larger delta travels alone). */
export const DELTA_FRAME_BYTES = 8 * 1024 * 1024
/**
 * One `deltas` answer stops after this many bytes (the requester asks again for what is
 * still missing): an answer of large deltas fits the request deadline.
 */
export const DELTAS_ANSWER_BYTES = 64 * 1024 * 1024
/** Most heads an answer to `heads` names. */
export const MAX_HEADS = 4096
/** Most governance ops one governance answer holds. */
export const MAX_GOV_OPS = 65_536

/** Proof of an open invitation's secret: [invitation id, sign(invitation key, claimMessage(...))]. */
export type OpenClaim = [Uint8Array, Uint8Array]

export interface DeltasParams { ids: Uint8Array[], stop: Uint8Array[], limit: number }
export interface AppParams { app: Uint8Array, offset: number }
/** A wallet-account invitation's claim: [invitation id, "wallet", the claimer's link (src/wallets/record.ts, checked by the server)]. */
export type WalletClaim = [Uint8Array, 'wallet', unknown[]]
export type InvitationClaim = OpenClaim | WalletClaim
export interface PushParams { ops: Uint8Array[], claim: InvitationClaim | null }

const bytes = (v: unknown, len?: number): v is Uint8Array => v instanceof Uint8Array && (len === undefined || v.byteLength === len)
const fail = (protocol: string, why: string): never => { throw new SyncParamsError(`${describeProtocol(protocol)} request: ${why}`) }

export function isOpenClaim (v: unknown): v is OpenClaim {
  return Array.isArray(v) && v.length === 2 && bytes(v[0], 32) && bytes(v[1], 64)
}

export function isWalletClaim (v: unknown): v is WalletClaim {
  return Array.isArray(v) && v.length === 3 && bytes(v[0], 32) && v[1] === 'wallet' && Array.isArray(v[2])
}

const isClaim = (v: unknown): v is InvitationClaim => isOpenClaim(v) || isWalletClaim(v)

function ids (protocol: string, what: string, v: unknown, max: number): Uint8Array[] {
  if (!Array.isArray(v)) return fail(protocol, `${what} must be a list of 32-byte ids`)
  if (v.length > max) return fail(protocol, `${what} holds ${v.length} ids, more than ${max}`)
  if (!v.every((id) => bytes(id, 32))) return fail(protocol, `${what} must be a list of 32-byte ids`)
  return v
}

/** gov: null, an open-invitation claim [invitation id (32 bytes), proof (64 bytes)], or a wallet claim. */
export function parseGovParams (v: unknown): InvitationClaim | null {
  if (v === null || isClaim(v)) return v
  return fail('gov', 'expected null, [invitation id, proof] or [invitation id, "wallet", link]')
}

/** heads: null. */
export function parseHeadsParams (v: unknown): null {
  if (v !== null) fail('heads', 'expected null')
  return null
}

/** deltas: [ids wanted, requester's heads, most deltas to send (1…MAX_DELTAS_PER_REQUEST)]. */
export function parseDeltasParams (v: unknown): DeltasParams {
  if (!Array.isArray(v) || v.length !== 3) return fail('deltas', 'expected [ids, heads, limit]')
  const limit = v[2] as unknown
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_DELTAS_PER_REQUEST) {
    return fail('deltas', `limit must be an integer from 1 to ${MAX_DELTAS_PER_REQUEST}`)
  }
  return { ids: ids('deltas', 'ids', v[0], MAX_REQUEST_IDS), stop: ids('deltas', 'heads', v[1], MAX_REQUEST_IDS), limit }
}

const PHASES: ReadonlyArray<SnapshotCursor['phase']> = ['state', 'children', 'ids', 'end']

/** snapshot: a cursor { phase, after: null | key of at most MAX_CURSOR_KEY_BYTES }. */
export function parseSnapshotParams (v: unknown): SnapshotCursor {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) return fail('snapshot', 'expected a cursor { phase, after }')
  const keys = Object.keys(v)
  if (keys.length !== 2 || !keys.includes('phase') || !keys.includes('after')) return fail('snapshot', 'expected a cursor { phase, after }')
  const { phase, after } = v as { phase: unknown, after: unknown }
  if (typeof phase !== 'string' || !(PHASES as readonly string[]).includes(phase)) return fail('snapshot', `phase must be one of ${PHASES.join(', ')}`)
  if (after !== null && !(bytes(after) && after.byteLength > 0 && after.byteLength <= MAX_CURSOR_KEY_BYTES)) {
    return fail('snapshot', `after must be null or a key of 1 to ${MAX_CURSOR_KEY_BYTES} bytes`)
  }
  return { phase: phase as SnapshotCursor['phase'], after }
}

/** app: [application id (32 bytes), offset (an integer ≥ 0; checked against the size by the server)]. */
export function parseAppParams (v: unknown): AppParams {
  if (!Array.isArray(v) || v.length !== 2 || !bytes(v[0], 32)) return fail('app', 'expected [application id, offset]')
  const offset = v[1] as unknown
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return fail('app', 'offset must be an integer ≥ 0')
  return { app: v[0], offset }
}

/** push: [ops (1…MAX_PUSH_OPS op encodings), null or an open-invitation claim]. */
export function parsePushParams (v: unknown): PushParams {
  if (!Array.isArray(v) || v.length !== 2) return fail('push', 'expected [ops, claim]')
  const [ops, claim] = v as [unknown, unknown]
  if (!Array.isArray(ops) || ops.length === 0 || ops.length > MAX_PUSH_OPS) return fail('push', `ops must be a list of 1 to ${MAX_PUSH_OPS} ops`)
  // Each op's own size bound is checked by its decoder.
  if (!ops.every((o) => bytes(o))) return fail('push', 'each op must be bytes')
  if (claim !== null && !isClaim(claim)) return fail('push', 'claim must be null, [invitation id, proof] or [invitation id, "wallet", link]')
  return { ops, claim }
}

export interface GenerationParams { epoch: Uint8Array, gen: Uint8Array, deliveryKey: Uint8Array }

/** generation: [epoch id, generation id, the request's X25519 delivery key] (32 bytes each). */
export function parseGenerationParams (v: unknown): GenerationParams {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => bytes(x, 32))) return fail('generation', 'expected [epoch id, generation id, delivery key], 32 bytes each')
  const [epoch, gen, deliveryKey] = v as [Uint8Array, Uint8Array, Uint8Array]
  return { epoch, gen, deliveryKey }
}

/** Every request's params decoder, by protocol name (for the handlers and the fuzzers). */
export const PARAMS = {
  gov: parseGovParams,
  heads: parseHeadsParams,
  deltas: parseDeltasParams,
  snapshot: parseSnapshotParams,
  app: parseAppParams,
  push: parsePushParams,
  generation: parseGenerationParams
} as const

// ---- answers (the requesting side) ------------------------------------------

const STRICT = { strict: true, allowUndefined: false, allowIndefinite: false } as const

function cbor (what: string, frame: Uint8Array): unknown {
  try {
    return decode(frame, STRICT)
  } catch (err) {
    throw new SyncParamsError(`${what}: not CBOR`, { details: (err as Error).message })
  }
}

/** The (decrypted) answer to `heads`: [heads, delta count, root hash, application id]. */
export function parseHeadsAnswer (frame: Uint8Array): { heads: Uint8Array[], count: number } {
  const v = cbor('heads answer', frame)
  if (!Array.isArray(v) || v.length !== 4) throw new SyncParamsError('heads answer: expected [heads, count, root hash, application]')
  const count = v[1] as unknown
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) throw new SyncParamsError('heads answer: count must be an integer ≥ 0')
  return { heads: ids('heads answer', 'heads', v[0], MAX_HEADS), count }
}

/** One (decrypted) frame of a `deltas` answer: at most DELTA_FRAME_COUNT delta encodings. */
export function parseDeltasFrame (frame: Uint8Array): Uint8Array[] {
  const v = cbor('deltas answer', frame)
  if (!Array.isArray(v) || v.length === 0 || v.length > DELTA_FRAME_COUNT) throw new SyncParamsError(`deltas answer: expected 1 to ${DELTA_FRAME_COUNT} deltas`)
  if (!v.every((d) => bytes(d) && d.byteLength <= MAX_DELTA_BYTES)) throw new SyncParamsError(`deltas answer: each delta must be bytes of at most ${MAX_DELTA_BYTES}`)
  return v
}

/** One (decrypted) frame of an `app` answer: [total size, a non-empty chunk]. */
export function parseAppChunk (frame: Uint8Array, maxSize: number): { total: number, chunk: Uint8Array } {
  const v = cbor('application answer', frame)
  if (!Array.isArray(v) || v.length !== 2 || !bytes(v[1]) || v[1].byteLength === 0) throw new SyncParamsError('application answer: expected [size, chunk]')
  const total = v[0] as unknown
  if (typeof total !== 'number' || !Number.isSafeInteger(total) || total < 1 || total > maxSize) {
    throw new SyncParamsError(`application answer: size must be an integer from 1 to ${maxSize}`)
  }
  return { total, chunk: v[1] }
}

/** The outer governance answer: [session key wrapped for the requester, sealed op list]. */
export function parseGovAnswer (frame: Uint8Array): { wrapped: Uint8Array, sealed: Uint8Array } {
  const v = cbor('governance answer', frame)
  if (!Array.isArray(v) || v.length !== 2 || !bytes(v[0]) || !bytes(v[1])) throw new SyncParamsError('governance answer: expected [wrapped key, sealed ops]')
  return { wrapped: v[0], sealed: v[1] }
}

/** Largest sealed generation answer: the nonce, a 32-byte secret and its tag. */
const MAX_GENERATION_SEALED = 24 + 32 + 16

/** A generation answer: [generation number, the wrapping's ephemeral X25519 key, the sealed secret]. */
export function parseGenerationAnswer (frame: Uint8Array): { n: number, enc: Uint8Array, sealed: Uint8Array } {
  const v = cbor('generation answer', frame)
  if (!Array.isArray(v) || v.length !== 3 || !bytes(v[1], 32) || !bytes(v[2]) || v[2].byteLength > MAX_GENERATION_SEALED) throw new SyncParamsError('generation answer: expected [number, ephemeral key, sealed secret]')
  const n = v[0] as unknown
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > 2 ** 32 - 1) throw new SyncParamsError('generation answer: number must be an integer from 1')
  return { n, enc: v[1], sealed: v[2] }
}

/** The (decrypted) op list of a governance answer: at most MAX_GOV_OPS op encodings. */
export function parseGovOps (plain: Uint8Array): Uint8Array[] {
  const v = cbor('governance answer', plain)
  if (!Array.isArray(v) || v.length > MAX_GOV_OPS) throw new SyncParamsError(`governance answer: expected at most ${MAX_GOV_OPS} ops`)
  if (!v.every((o) => bytes(o))) throw new SyncParamsError('governance answer: each op must be bytes')
  return v
}

/** A (decrypted) heartbeat: [DAG heads, governance heads, delta count, root hash]. */
export function parseBeat (plain: Uint8Array): { heads: Uint8Array[], govHeads: Uint8Array[] } {
  const v = cbor('heartbeat', plain)
  if (!Array.isArray(v) || v.length !== 4) throw new SyncParamsError('heartbeat: expected [heads, governance heads, count, root hash]')
  return { heads: ids('heartbeat', 'heads', v[0], MAX_HEADS), govHeads: ids('heartbeat', 'governance heads', v[1], MAX_HEADS) }
}
