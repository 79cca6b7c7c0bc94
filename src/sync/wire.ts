// Catch-up protocols between members of a context. A request is one CBOR frame
//   [context, auth, params]   auth = [identity, unix ms, signature]
// where the signature (ed25519 by the requesting context identity) covers
//   "moorage:sync-auth:v1" ‖ protocol ‖ context ‖ requester peer id ‖ ms (8 bytes BE),
// so a request is bound to one protocol, one context and one libp2p peer, and is fresh.
// The responder serves it only if the identity may (member; for governance also an
// invitee). Response frames are envelopes (envelope.ts) under the group key, except
// governance frames, which are sealed under a session key wrapped for the requester's
// identity (an invitee has no group key yet).
import { decode, encode } from 'cborg'
import { concatBytes, utf8 } from '../crypto/bytes.ts'
import { sign, verify, type KeyPair } from '../crypto/ed25519.ts'
import { MoorageError } from '../errors/index.ts'

export const PROTOCOLS = {
  /** Governance ops of a context (all of them: governance DAGs are small). */
  gov: '/moorage/sync/gov/1',
  /** Current heads, delta count, root hash. */
  heads: '/moorage/sync/heads/1',
  /** Deltas by id, walking back through ancestors the requester lacks. */
  deltas: '/moorage/sync/deltas/1',
  /** Paged, resumable state snapshot. */
  snapshot: '/moorage/sync/snapshot/2',
  /** Application WASM by id, in resumable chunks. */
  app: '/moorage/app/1',
  /** Governance ops pushed to a member (a joiner's claim, before it is in the gossip mesh). */
  push: '/moorage/sync/push/1',
  /** A generation secret of an epoch the requester holds, sealed to a key of the request (src/sync/ratchet/delivery.ts). */
  generation: '/moorage/sync/generation/1'
} as const

export type ProtocolName = keyof typeof PROTOCOLS

/** What each protocol asks for, as error messages name it (protocol ids are internal). */
const PROTOCOL_WHAT: Record<ProtocolName, string> = {
  gov: 'governance log',
  heads: 'heads',
  deltas: 'deltas',
  snapshot: 'snapshot',
  app: 'application download',
  push: 'governance push',
  generation: 'generation secret'
}

/** "governance log" for `/moorage/sync/gov/1` (or `gov`); an unknown id as it is. */
export function describeProtocol (protocol: string): string {
  const name = protocol in PROTOCOLS ? protocol as ProtocolName : (Object.keys(PROTOCOLS) as ProtocolName[]).find((k) => PROTOCOLS[k] === protocol)
  return name === undefined ? protocol : PROTOCOL_WHAT[name]
}

export class SyncAuthError extends MoorageError {
  static override readonly status: number = 403
  override name = 'SyncAuthError'
}

/** A request signed outside AUTH_WINDOW_MS of the responder's clock (a replay, or a skewed clock). */
export class StaleRequestError extends SyncAuthError {
  override name = 'StaleRequestError'
}

export const AUTH_WINDOW_MS = 5 * 60_000

function authMessage (protocol: string, context: Uint8Array, peer: string, ms: number): Uint8Array {
  const t = new Uint8Array(8)
  new DataView(t.buffer).setBigUint64(0, BigInt(ms))
  return concatBytes(utf8('moorage:sync-auth:v1'), utf8(protocol), context, utf8(peer), t)
}

export function encodeRequest (protocol: string, context: Uint8Array, me: KeyPair, myPeer: string, params: unknown): Uint8Array {
  const ms = Date.now()
  return encode([context, [me.publicKey, ms, sign(me.secretKey, authMessage(protocol, context, myPeer, ms))], params])
}

export interface SyncRequest {
  context: Uint8Array
  identity: Uint8Array
  params: unknown
}

/** Decodes and authenticates a request from `peer`; throws SyncAuthError. */
export function decodeRequest (protocol: string, bytes: Uint8Array, peer: string, now = Date.now()): SyncRequest {
  let v: unknown
  try {
    v = decode(bytes, { strict: true, allowUndefined: false, allowIndefinite: false })
  } catch {
    throw new SyncAuthError('request is not CBOR')
  }
  if (!Array.isArray(v) || v.length !== 3 || !(v[0] instanceof Uint8Array) || v[0].byteLength !== 32 || !Array.isArray(v[1]) || v[1].length !== 3) {
    throw new SyncAuthError('request must be [context, [identity, ms, signature], params]')
  }
  const [context, [identity, ms, sig], params] = v as [Uint8Array, [unknown, unknown, unknown], unknown]
  if (!(identity instanceof Uint8Array) || identity.byteLength !== 32 || !Number.isSafeInteger(ms) || (ms as number) < 0 || !(sig instanceof Uint8Array)) throw new SyncAuthError('malformed request authentication')
  if (Math.abs(now - (ms as number)) > AUTH_WINDOW_MS) throw new StaleRequestError('request authentication is stale or from the future')
  if (!verify(identity, authMessage(protocol, context, peer, ms as number), sig)) throw new SyncAuthError('request signature does not verify for this peer')
  return { context, identity, params }
}


/** A peer asked more than its share of catch-up streams; it may retry later. */
export class SyncRateLimitError extends MoorageError {
  static override readonly status: number = 429
  override name = 'SyncRateLimitError'
}
