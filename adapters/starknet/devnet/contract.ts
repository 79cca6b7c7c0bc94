// The context config contract's semantics in TypeScript, following
// contracts/starknet/src/lib.cairo function by function (create_context, execute, the
// views). The devnet runs this where a real network runs the compiled Cairo.
//
// One difference, stated in docs/starknet.md: `apply` (what a request does once it is
// authenticated) is the shared governance reducer (src/governance/acl.ts), the rules the
// Cairo `apply` transcribes, and the request payload carries the action as canonical CBOR
// (src/governance/offchain/op.ts) packed into felts rather than the Cairo source's
// per-kind felt layout. Authentication — the one-time ed25519 binding, the Stark
// signature by the bound key, the per-identity nonce — is written out here as in Cairo.
import { decode, encode } from 'cborg'
import { ec } from 'starknet'
import { toHex } from '../../../src/crypto/bytes.ts'
import { verify } from '../../../src/crypto/ed25519.ts'
import { applyAction, cloneState, genesisState, roleOf, type GovState } from '../../../src/governance/acl.ts'
import type { ChainAction } from '../../../src/governance/anchor.ts'
import { contextIdFor } from '../../../src/governance/context-id.ts'
import { viewOf } from '../../../src/governance/offchain/index.ts'
import { decodeAction } from '../../../src/governance/offchain/op.ts'
import { refusal, type RefusalCode } from '../../../src/governance/refusals.ts'
import type { GovAction } from '../../../src/governance/types.ts'
import { bindingMessage, bindingSignature, feltsU256, packBytes, requestHash, unpackBytes, type RequestFields } from '../felts.ts'

/** A revert: the refusal text is the revert reason (lib.cairo: the assert's short string is its code). */
export class Revert extends Error {
  override name = 'ContractRevert'
  readonly reason: string
  constructor (reason: string) { super(reason); this.reason = reason }
}

const fail = (code: RefusalCode, args: Record<string, string | number | bigint> = {}): never => { throw new Revert(refusal(code, args)) }
const MAX_PAYLOAD = 64 * 1024

/** An event as the contract emits it: keys (the selector first) and data. */
export interface EmittedEvent { keys: bigint[], data: bigint[] }

export interface CallContext { chainId: bigint, self: bigint, nowMs: number, blockNumber: number, emit: (e: EmittedEvent) => void }

export interface ContextRecord { state: GovState, keys: Map<string, bigint>, createdBlock: number, creator: Uint8Array, application: Uint8Array }

/** The contract's storage: one record per context (lib.cairo's maps, grouped by context). */
export type ContractStorage = Map<string, ContextRecord>

export function cloneStorage (s: ContractStorage): ContractStorage {
  return new Map([...s].map(([k, r]) => [k, { ...r, state: cloneState(r.state), keys: new Map(r.keys) }]))
}

export const EVENT = { ContextCreated: 'ContextCreated', KeyBound: 'KeyBound', Applied: 'Applied' } as const

/** The entry points, by name; calldata and results are felts. */
export class ContextConfigContract {
  private readonly eventKey: (name: string) => bigint
  constructor (eventKey: (name: string) => bigint) { this.eventKey = eventKey }

  /** create_context(creator, application, salt, stark_key, binding) -> context */
  create_context (s: ContractStorage, cx: CallContext, cd: bigint[]): bigint[] {
    const r = reader(cd)
    const creator = r.u256(); const application = r.u256(); const salt = r.u256(); const starkKey = r.felt(); const binding = r.span()
    r.end()
    const context = contextIdFor(creator, application, salt)
    if (s.has(toHex(context))) fail('ContextExists', { context: toHex(context).slice(0, 12) })
    if (application.every((b) => b === 0)) fail('BadApplication')
    if (starkKey === 0n || !bindingValid(cx, context, creator, starkKey, binding)) fail('BadBinding', { who: toHex(creator).slice(0, 12) })
    const state = genesisState(context, application, creator)
    s.set(toHex(context), { state, keys: new Map([[toHex(creator), starkKey]]), createdBlock: cx.blockNumber, creator, application })
    const [cl, ch] = split(context)
    cx.emit({ keys: [this.eventKey(EVENT.ContextCreated), cl, ch, ...split(creator)], data: [...split(application)] })
    cx.emit({ keys: [this.eventKey(EVENT.KeyBound), cl, ch, ...split(creator)], data: [starkKey] })
    return [cl, ch]
  }

  /** execute(req, signature [r, s, key], binding) -> revision */
  execute (s: ContractStorage, cx: CallContext, cd: bigint[]): bigint[] {
    const r = reader(cd)
    const req: RequestFields = { context: r.u256(), identity: r.u256(), nonce: r.felt(), kind: Number(r.felt()), payload: r.span() }
    const signature = r.span(); const binding = r.span()
    r.end()
    const rec = s.get(toHex(req.context))
    if (rec === undefined) return fail('UnknownContext', { context: toHex(req.context).slice(0, 12) })
    if (signature.length !== 3) fail('BadSignature')
    const [sr, ss, key] = signature as [bigint, bigint, bigint]
    const who = toHex(req.identity).slice(0, 12)
    const [cl, ch] = split(req.context)
    const bound = rec.keys.get(toHex(req.identity))
    if (bound === undefined) {
      if (!bindingValid(cx, req.context, req.identity, key, binding)) fail('BadBinding', { who })
      rec.keys.set(toHex(req.identity), key)
      cx.emit({ keys: [this.eventKey(EVENT.KeyBound), cl, ch, ...split(req.identity)], data: [key] })
    } else if (bound !== key) {
      fail('WrongKey', { who, key: '0x' + bound.toString(16) })
    }
    // Checked against the key the identity bound: every right below is req.identity's.
    if (!starkVerify(requestHash(cx.chainId, cx.self, req), sr, ss, key)) fail('BadSignature')
    const last = rec.state.nonces.get(toHex(req.identity)) ?? 0n
    if (req.nonce <= last) fail('StaleNonce', { nonce: req.nonce, who, last })
    const action = payloadAction(req.payload)
    const reason = apply(rec.state, action, { author: req.identity, nonce: req.nonce, at: cx.nowMs })
    if (reason !== null) throw new Revert(reason)
    const revision = BigInt(rec.state.revision)
    cx.emit({ keys: [this.eventKey(EVENT.Applied), cl, ch, ...split(req.identity)], data: [req.nonce, revision, BigInt(req.kind), BigInt(req.payload.length), ...req.payload] })
    return [revision]
  }

  /** nonce_of(context, identity) -> u64 */
  nonce_of (s: ContractStorage, cd: bigint[]): bigint[] {
    const r = reader(cd); const c = r.u256(); const i = r.u256(); r.end()
    return [s.get(toHex(c))?.state.nonces.get(toHex(i)) ?? 0n]
  }

  /** key_of(context, identity) -> felt252 (0: none bound) */
  key_of (s: ContractStorage, cd: bigint[]): bigint[] {
    const r = reader(cd); const c = r.u256(); const i = r.u256(); r.end()
    return [s.get(toHex(c))?.keys.get(toHex(i)) ?? 0n]
  }

  /** revision_of(context) -> u64 (0: no such context) */
  revision_of (s: ContractStorage, cd: bigint[]): bigint[] {
    const r = reader(cd); const c = r.u256(); r.end()
    return [BigInt(s.get(toHex(c))?.state.revision ?? 0)]
  }

  /**
   * get_context(context) -> the context's state as CBOR bytes in felts (empty: none). Stands
   * for lib.cairo's per-field views (a real deployment reads them one by one, or indexes events).
   */
  get_context (s: ContractStorage, cd: bigint[]): bigint[] {
    const r = reader(cd); const c = r.u256(); r.end()
    const rec = s.get(toHex(c))
    if (rec === undefined) return [0n]
    return packBytes(encode(stateRecord(rec)))
  }
}

/** The request rule: the shared reducer, plus group-key shares (members only; readers re-share, never rotate). */
function apply (s: GovState, action: ChainAction, ctx: { author: Uint8Array, nonce: bigint, at: number }): string | null {
  if (action.type !== 'keys') return applyAction(s, action as GovAction, ctx)
  const who = toHex(ctx.author).slice(0, 12)
  const role = roleOf(s, ctx.author)
  if (role === undefined) return refusal('KeysNotMember', { who })
  if (role === 'reader' && action.rotate) return refusal('ReaderCannotRotate', { who })
  s.nonces.set(toHex(ctx.author), ctx.nonce)
  s.revision++
  return null
}

function payloadAction (payload: bigint[]): ChainAction {
  const bytes = unpackBytes(payload, MAX_PAYLOAD)
  if (bytes === undefined) return fail('UnknownRequest', { kind: 'malformed payload' })
  try {
    const a = decodeAction(decode(bytes, { useMaps: false }))
    if (a.type === 'genesis' || a.type === 'wallet' as string) return fail('UnknownRequest', { kind: a.type })
    return a as ChainAction
  } catch (err) {
    if (err instanceof Revert) throw err
    return fail('UnknownRequest', { kind: 'malformed payload' })
  }
}

function bindingValid (cx: CallContext, context: Uint8Array, identity: Uint8Array, key: bigint, binding: bigint[]): boolean {
  const sig = bindingSignature(binding)
  // Checked once per (context, identity) — Cairo's ed25519 verifier contract, here in TypeScript.
  return sig !== undefined && verify(identity, bindingMessage(cx.chainId, cx.self, context, key), sig)
}

/** check_ecdsa_signature: the key is the x coordinate; either point with that x verifies. */
export function starkVerify (msg: bigint, r: bigint, s: bigint, key: bigint): boolean {
  const x = key.toString(16).padStart(64, '0')
  for (const prefix of ['02', '03']) {
    try {
      if (ec.starkCurve.verify(new ec.starkCurve.Signature(r, s), msg.toString(16), prefix + x)) return true
    } catch { /* not a point, or a signature out of range */ }
  }
  return false
}

/** What a client reads back: the context's view (the shared view of src/governance/), its creation block and creator. */
function stateRecord (rec: ContextRecord): unknown {
  return { view: viewOf(rec.state), genesis: { seq: rec.createdBlock, creator: rec.creator, application: rec.application } }
}

function split (b: Uint8Array): [bigint, bigint] {
  const v = BigInt('0x' + Buffer.from(b).toString('hex'))
  return [v & ((1n << 128n) - 1n), v >> 128n]
}

/** Reads calldata as lib.cairo's Serde does; a short or long calldata is a revert. */
function reader (cd: bigint[]): { felt: () => bigint, u256: () => Uint8Array, span: () => bigint[], end: () => void } {
  let at = 0
  const felt = (): bigint => { if (at >= cd.length) fail('UnknownRequest', { kind: 'short calldata' }); return cd[at++]! }
  return {
    felt,
    u256: () => {
      const low = felt(); const high = felt()
      if (low >> 128n !== 0n || high >> 128n !== 0n) fail('UnknownRequest', { kind: 'u256 out of range' })
      return feltsU256(low, high)
    },
    span: () => {
      const n = Number(felt())
      if (n > cd.length - at) fail('UnknownRequest', { kind: 'short calldata' })
      const out = cd.slice(at, at + n); at += n; return out
    },
    end: () => { if (at !== cd.length) fail('UnknownRequest', { kind: 'long calldata' }) }
  }
}
