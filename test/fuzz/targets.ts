// The fuzz targets: every decoder that reads peer or user input, each with its input mix
// (random bytes, random CBOR, valid encodings made with real keys and then mutated) and
// its oracle:
//   - only the decoder's documented error classes may be thrown (anything else is a crash);
//   - what it accepts is what was signed: a decoded delta, op or request re-encodes to
//     the very bytes it came from, under the key that signed it (no forgery, no second
//     encoding of the same content);
//   - where a store is involved, a refused input leaves it exactly as it was.
// test/fuzz/decoders.test.ts runs each with a modest count; `npm run fuzz` (scripts/fuzz.ts)
// runs them for a long time. A new decoder is one entry in TARGETS; a stream handler's
// params validator is one line in STREAM_PARAMS.

import { decode, encode } from 'cborg'
import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import { nesting } from '../../src/api/middleware/body.ts'
import { MAX_JSON_DEPTH } from '../../src/api/constants.ts'
import * as v from '../../src/api/validate.ts'
import { RPC_PARAMS } from '../../src/api/jsonrpc.ts'
import { CREATE_CONTEXT } from '../../src/api/routes/contexts.ts'
import { INVITE, JOIN } from '../../src/api/routes/invitations.ts'
import { PROPOSE } from '../../src/api/routes/proposals.ts'
import { WALLET_STATEMENT } from '../../src/api/routes/wallets.ts'
import { check, hexIdSchema, NAME_SCHEMA } from '../../src/api/schema.ts'
import { equalBytes, toHex, utf8 } from '../../src/crypto/bytes.ts'
import { generateKeyPair, sign, type KeyPair } from '../../src/crypto/ed25519.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { DecryptionError, InvalidDeltaError, InvalidInputError, InvalidSignatureError, PayloadTooLargeError } from '../../src/errors/index.ts'
import { createOp, decodeOp, InvalidGovernanceOpError, type OpAction } from '../../src/governance/offchain/op.ts'
import { silentLogger } from '../../src/log/index.ts'
import { FrameTooLargeError, MalformedFrameError } from '../../src/network/errors.ts'
import { dataFrame, decodeLength, endFrame, errorFrame, parseResponseFrame, tooLargeFrame } from '../../src/network/frames.ts'
import { decodeTicket, encodeTicket, type InvitationTicket } from '../../src/node/invitation.ts'
import { ClockDriftError } from '../../src/state/hlc.ts'
import { rootId, STAMP_LENGTH } from '../../src/state/ids.ts'
import { openStore, type Store } from '../../src/store/index.ts'
import { DeltaDag } from '../../src/sync/dag.ts'
import { createDelta, decodeDelta, type Delta } from '../../src/sync/delta.ts'
import { InvalidEnvelopeError, parseEnvelope, ENVELOPE_KINDS } from '../../src/sync/envelope.ts'
import { Ratchets } from '../../src/sync/ratchet/index.ts'
import { openWithSecret } from '../helpers/envelopes.ts'
import { decodePage, encodePage, exportSnapshot, SnapshotImport } from '../../src/sync/snapshot.ts'
import { decodeRequest, encodeRequest, PROTOCOLS, SyncAuthError } from '../../src/sync/wire.ts'
import { PARAMS, parseAppChunk, parseBeat, parseDeltasFrame, parseGenerationAnswer, parseGovAnswer, parseGovOps, parseHeadsAnswer, SyncParamsError } from '../../src/sync/params.ts'
import { tempDir } from '../helpers/tmp.ts'
import { bytesMix, cborValue, concat, hex, mutated, mutatedTree } from './mutate.ts'

type ErrorClass = abstract new (...args: any[]) => Error

/** An oracle failure: what the decoder did that it must not. */
export class Violation extends Error {
  override name = 'Violation'
}

export interface FuzzTarget<C = any, I = any> {
  name: string
  /** The function(s) fuzzed, for reports. */
  decoder: string
  /** Keys, valid encodings, a store: built once per run. */
  setup: () => C | Promise<C>
  inputs: (ctx: C) => fc.Arbitrary<I>
  /** Feeds one input; throws Violation when the oracle fails. */
  check: (ctx: C, input: I) => void
  /** Shows an input in a report (hex for bytes). */
  show: (input: I) => string
  teardown?: (ctx: C) => void | Promise<void>
}

/** Runs `fn`; an error of one of `errors` is the decoder refusing (undefined), any other a Violation. */
export function refusesOnly<T> (errors: readonly ErrorClass[], fn: () => T): T | undefined {
  try {
    return fn()
  } catch (err) {
    if (err instanceof Violation) throw err
    if (errors.some((E) => err instanceof E)) return undefined
    const e = err as Error
    throw new Violation(`threw ${e?.name ?? typeof err} (not one of ${errors.map((E) => E.name).join(', ')}): ${String(e?.message ?? err).slice(0, 300)}`, { cause: err })
  }
}

/** A byte decoder whose refusals are `errors`; `accept` checks what it did accept. */
function byteDecoder<C, T> (t: {
  name: string
  decoder: string
  errors: readonly ErrorClass[]
  setup: () => C | Promise<C>
  inputs: (ctx: C) => fc.Arbitrary<Uint8Array>
  decode: (ctx: C, bytes: Uint8Array) => T
  accept?: (ctx: C, bytes: Uint8Array, out: T) => void
  teardown?: (ctx: C) => void | Promise<void>
}): FuzzTarget<C, Uint8Array> {
  return {
    name: t.name,
    decoder: t.decoder,
    setup: t.setup,
    inputs: t.inputs,
    show: hex,
    check: (ctx, bytes) => {
      const out = refusesOnly(t.errors, () => t.decode(ctx, bytes))
      if (out !== undefined) t.accept?.(ctx, bytes, out)
    },
    ...(t.teardown !== undefined ? { teardown: t.teardown } : {})
  }
}

const id = (n: number): Uint8Array => sha256(utf8(`fuzz-id-${n}`))

// ---------------------------------------------------------------------------------------
// Frames (src/network/frames.ts): the length prefix and the response envelope, read the way
// FrameReader reads them, from chunks split anywhere.

const FRAME_MAX = 4096
const framesTarget: FuzzTarget<{ valid: Array<{ bytes: Uint8Array, bodies: Uint8Array[] }> }, { bytes: Uint8Array, cuts: number[], bodies?: Uint8Array[] }> = {
  name: 'frames',
  decoder: 'network/frames.ts decodeLength + parseResponseFrame',
  setup: () => {
    const streams = [
      [dataFrame(utf8('hello')), endFrame()],
      [dataFrame(new Uint8Array(300)), dataFrame(new Uint8Array(0)), errorFrame('refused: not a member')],
      [tooLargeFrame('request frame is over the limit')],
      [dataFrame(new Uint8Array(FRAME_MAX - 1)), endFrame()]
    ]
    return {
      valid: streams.map((frames) => {
        const bytes = concat(...frames.map((f) => f.subarray()))
        return { bytes, bodies: frames.map((f) => { const l = new Uint8ArrayList(f); return l.subarray(decodeLength(l, Infinity, 'x')!.bytes) }) }
      })
    }
  },
  inputs: (ctx) => fc.oneof(
    fc.record({ bytes: bytesMix(ctx.valid.map((s) => s.bytes)), cuts: fc.array(fc.nat({ max: 5000 }), { maxLength: 6 }) }),
    fc.record({ which: fc.constantFrom(...ctx.valid), cuts: fc.array(fc.nat({ max: 5000 }), { maxLength: 8 }) })
      .map(({ which, cuts }) => ({ bytes: which.bytes, bodies: which.bodies, cuts }))
  ),
  show: (i) => `${hex(i.bytes)} cut at ${i.cuts.join(',')}`,
  check: (_ctx, input) => {
    const buffer = new Uint8ArrayList()
    const bodies: Uint8Array[] = []
    const cuts = [...new Set(input.cuts.map((c) => c % (input.bytes.byteLength + 1)))].sort((a, b) => a - b)
    let from = 0
    refusesOnly([FrameTooLargeError, MalformedFrameError], () => {
      for (const to of [...cuts, input.bytes.byteLength]) {
        buffer.append(input.bytes.subarray(from, to))
        from = to
        while (true) {
          const header = decodeLength(buffer, FRAME_MAX, 'response', 1)
          if (header === undefined || buffer.byteLength < header.bytes + header.length) break
          const body = buffer.subarray(header.bytes, header.bytes + header.length)
          buffer.consume(header.bytes + header.length)
          parseResponseFrame(body)
          bodies.push(body)
        }
      }
    })
    if (input.bodies !== undefined) {
      if (bodies.length !== input.bodies.length || !bodies.every((b, i) => equalBytes(b, input.bodies![i]!)) || buffer.byteLength !== 0) {
        throw new Violation(`valid frames split at ${cuts.join(',')} read back as ${bodies.length} bodies, not ${input.bodies.length}`)
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Stream requests (src/sync/wire.ts decodeRequest): signed by a real context identity.

interface RequestCtx { me: KeyPair, peer: string, contexts: Uint8Array[], valid: Uint8Array[], trees: unknown[] }
const requestTarget: FuzzTarget<RequestCtx, { protocol: string, bytes: Uint8Array }> = {
  name: 'stream-request',
  decoder: 'sync/wire.ts decodeRequest',
  setup: () => {
    const me = generateKeyPair()
    const peer = '12D3KooWFuzzPeerFuzzPeerFuzzPeerFuzzPeerFuzzPeer'
    const contexts = [id(1), id(2)]
    const params: unknown[] = [[[id(3)], [], 256], { phase: 'state', after: null }, { phase: 'ids', after: id(4) }, [id(5), 0], [[encode(['op'])], null], null]
    const valid: Uint8Array[] = []
    for (const protocol of Object.values(PROTOCOLS)) for (const ctx of contexts) for (const p of params) valid.push(encodeRequest(protocol, ctx, me, peer, p))
    return { me, peer, contexts, valid, trees: valid.map((b) => decode(b)) }
  },
  inputs: (ctx) => fc.record({
    protocol: fc.constantFrom(...Object.values(PROTOCOLS)),
    bytes: bytesMix(ctx.valid, [mutatedTree(ctx.trees).map((t) => encode(t))])
  }),
  show: (i) => `${i.protocol} ${hex(i.bytes)}`,
  check: (ctx, input) => {
    const req = refusesOnly([SyncAuthError], () => decodeRequest(input.protocol, input.bytes, ctx.peer))
    if (req === undefined) return
    // The signature binds identity, context, protocol and peer: only what `me` signed passes.
    if (!equalBytes(req.identity, ctx.me.publicKey) || !ctx.contexts.some((c) => equalBytes(c, req.context))) {
      throw new Violation('a request not signed by its identity was accepted')
    }
  }
}

// ---------------------------------------------------------------------------------------
// Envelopes (src/sync/envelope.ts): parse, then open with the context's real group key.

interface EnvelopeCtx { key: { id: Uint8Array, key: Uint8Array }, context: Uint8Array, valid: Uint8Array[], trees: unknown[], sealed: Map<string, { kind: string, subject: Uint8Array, payload: Uint8Array }> }
const envelopeTarget = byteDecoder<EnvelopeCtx, { env: ReturnType<typeof parseEnvelope>, plain: Uint8Array }>({
  name: 'envelope',
  decoder: 'sync/envelope.ts parseEnvelope + openEnvelope (sync/ratchet message keys)',
  errors: [InvalidEnvelopeError, DecryptionError],
  setup: () => {
    const key = { id: id(10), key: id(11) }
    const context = id(12)
    const sealed = new Map<string, { kind: string, subject: Uint8Array, payload: Uint8Array }>()
    const valid: Uint8Array[] = []
    const ratchets = new Ratchets()
    for (const kind of ENVELOPE_KINDS) {
      for (const [subject, payload] of [[id(13), utf8('a delta')], [new Uint8Array(0), new Uint8Array(0)], [id(14).subarray(0, 8), new Uint8Array(200)]] as const) {
        const bytes = ratchets.seal(context, key, id(15), kind, subject, payload)
        valid.push(bytes)
        sealed.set(hex(parseEnvelope(bytes).sealed), { kind, subject, payload })
      }
    }
    return { key, context, valid, trees: valid.map((b) => decode(b)), sealed }
  },
  inputs: (ctx) => bytesMix(ctx.valid, [mutatedTree(ctx.trees).map((t) => encode(t))]),
  decode: (ctx, bytes) => {
    const env = parseEnvelope(bytes)
    if (!equalBytes(env.keyId, ctx.key.id) || !equalBytes(env.context, ctx.context)) throw new DecryptionError('not under the fuzzed epoch')
    return { env, plain: openWithSecret(env, ctx.key.key) }
  },
  accept: (ctx, _bytes, { env, plain }) => {
    const original = ctx.sealed.get(hex(env.sealed))
    if (original === undefined || original.kind !== env.kind || !equalBytes(original.subject, env.subject) || !equalBytes(original.payload, plain)) {
      throw new Violation('an envelope opened to something that was not sealed that way')
    }
  }
})

// ---------------------------------------------------------------------------------------
// Deltas (src/sync/delta.ts decodeDelta), and their reception into a real store
// (src/sync/dag.ts receive): a refused delta leaves the store exactly as it was.

const DELTA_DOMAIN = utf8('moorage:delta:v1')

interface DeltaCtx { me: KeyPair, context: Uint8Array, valid: Uint8Array[], bodies: unknown[], store?: Store, dag?: DeltaDag, cleanup?: () => void }

function deltaMaterial (): DeltaCtx {
  const me = generateKeyPair()
  const context = id(20)
  const root = rootId(context)
  const stamp = new Uint8Array(STAMP_LENGTH)
  const actions: unknown[][] = [
    [[1, root, utf8('k'), utf8('v')]],
    [[0, root, utf8('m'), 1], [2, root, utf8('k')]],
    [[3, id(21), utf8('x')], [4, id(21), utf8('x'), [stamp]]],
    [[5, id(22), null, utf8('item')], [6, id(22), id(23), utf8('v')], [7, id(22), id(23)]],
    [[8, id(24), -5n], [9, id(25), new Uint8Array(100)]]
  ]
  const valid: Uint8Array[] = []
  const bodies: unknown[] = []
  actions.forEach((list, i) => {
    try {
      const d = createDelta({ context, author: me.publicKey, parents: i === 0 ? [] : [id(26 + i)], anchor: [id(30)], hlc: { ms: 1_700_000_000_000 + i, c: i }, actions: list as Delta['actions'] }, me.secretKey)
      decodeDelta(d.bytes)
      valid.push(d.bytes)
      bodies.push(decode(d.body))
    } catch { /* an action list the validator refuses is not a valid seed */ }
  })
  return { me, context, valid, bodies }
}

/**
 * A mutated body (its tree, or its bytes) signed by the real author: it passes the
 * signature, so the field checks and the canonical encoding are what is tested.
 */
function resignedMix (me: KeyPair, domain: Uint8Array, bodies: readonly unknown[]): fc.Arbitrary<Uint8Array> {
  const signed = (body: Uint8Array): Uint8Array => encode([body, sign(me.secretKey, concat(domain, sha256(body)))])
  return fc.oneof(mutatedTree(bodies).map((b) => signed(encode(b))), mutated(bodies.map((b) => encode(b))).map(signed))
}

function deltaInputs (ctx: DeltaCtx): fc.Arbitrary<Uint8Array> {
  return bytesMix(ctx.valid, [resignedMix(ctx.me, DELTA_DOMAIN, ctx.bodies)])
}

/** What a node accepts is canonical: re-encoding the decoded delta gives the same bytes. */
function canonicalDelta (ctx: DeltaCtx, bytes: Uint8Array, d: Delta): void {
  if (!equalBytes(d.author, ctx.me.publicKey)) throw new Violation('a delta not signed by its author was accepted')
  const again = createDelta({ context: d.context, author: d.author, parents: d.parents, anchor: d.anchor, hlc: d.hlc, actions: d.actions }, ctx.me.secretKey)
  if (!equalBytes(again.bytes, bytes)) throw new Violation('an accepted delta does not re-encode to its own bytes (a second encoding of the same content)')
}

const deltaTarget = byteDecoder<DeltaCtx, Delta>({
  name: 'delta',
  decoder: 'sync/delta.ts decodeDelta',
  errors: [InvalidDeltaError, InvalidSignatureError],
  setup: deltaMaterial,
  inputs: deltaInputs,
  decode: (_ctx, bytes) => decodeDelta(bytes),
  accept: canonicalDelta
})

/** The context's DAG record and the entry count of every database (O(1) each: LMDB keeps them). */
function dagSummary (ctx: DeltaCtx): string {
  const info = ctx.dag!.info(ctx.context)
  const entries = Object.entries(ctx.store!.db).map(([name, db]) => `${name}=${(db.getStats() as { entryCount: number }).entryCount}`)
  return JSON.stringify({ heads: info?.heads.map(toHex), count: info?.count, root: info === undefined ? null : toHex(info.rootHash), entries })
}

/** Delta material plus a real LMDB store in a temporary directory holding its (empty) context. */
function deltaStore (): DeltaCtx & { store: Store, dag: DeltaDag, cleanup: () => void } {
  const material = deltaMaterial()
  const dir = tempDir('moor-fuzz-store-')
  const store = openStore({ path: dir.path, noSync: true })
  const dag = new DeltaDag(store, silentLogger)
  store.transactionSync(() => dag.init(material.context))
  return { ...material, store, dag, cleanup: dir.cleanup }
}

const receiveTarget: FuzzTarget<DeltaCtx, Uint8Array> = {
  name: 'delta-receive',
  decoder: 'sync/delta.ts decodeDelta + sync/dag.ts receive, on a real LMDB store',
  setup: deltaStore,
  inputs: deltaInputs,
  show: hex,
  check: (ctx, bytes) => {
    const before = dagSummary(ctx)
    const outcome = refusesOnly([InvalidDeltaError, InvalidSignatureError, ClockDriftError], () => {
      const d = decodeDelta(bytes)
      canonicalDelta(ctx, bytes, d)
      return ctx.store!.transactionSync(() => ctx.dag!.receive(d))
    })
    if (outcome === undefined && dagSummary(ctx) !== before) throw new Violation('a refused delta changed the store')
  },
  teardown: async (ctx) => { await ctx.store!.close(); ctx.cleanup!() }
}

// ---------------------------------------------------------------------------------------
// Governance ops (src/governance/offchain/op.ts decodeOp).

const GOV_DOMAIN = utf8('moorage:gov:v1')
interface OpCtx { me: KeyPair, valid: Uint8Array[], bodies: unknown[] }
const opTarget = byteDecoder<OpCtx, ReturnType<typeof decodeOp>>({
  name: 'governance-op',
  decoder: 'governance/offchain/op.ts decodeOp',
  errors: [InvalidGovernanceOpError, InvalidSignatureError],
  setup: () => {
    const me = generateKeyPair()
    const actions: OpAction[] = [
      { type: 'genesis', application: id(40), salt: id(41) },
      { type: 'addMember', identity: id(42), role: 'member' },
      { type: 'removeMember', identity: id(42) },
      { type: 'setRole', identity: id(42), role: 'reader' },
      { type: 'grant', identity: id(42), capability: 'ManageMembers' },
      { type: 'revoke', identity: id(42), capability: 'Proxy' },
      { type: 'updateApplication', application: id(43) },
      { type: 'invite', invitation: { id: id(44), target: { type: 'identity', identity: id(45) }, role: 'member', expiresAt: 1_800_000_000_000, maxUses: 1 } },
      { type: 'invite', invitation: { id: id(46), target: { type: 'open', key: id(47) }, role: 'reader', expiresAt: 1_800_000_000_000, maxUses: 5 } },
      { type: 'revokeInvitation', invitation: id(44) },
      { type: 'claim', invitation: id(44) },
      { type: 'commitClaim', invitation: id(46), commitment: id(48) },
      { type: 'revealClaim', invitation: id(46), proof: new Uint8Array(64) },
      { type: 'leave' },
      { type: 'propose', proposal: id(49), actions: [{ type: 'setThreshold', threshold: 2 }, { type: 'setActiveLimit', limit: 4 }, { type: 'addAdmin', identity: id(42) }, { type: 'removeAdmin', identity: id(42) }, { type: 'setValue', key: utf8('k'), value: utf8('v') }, { type: 'deleteProposal', proposal: id(50) }] },
      { type: 'approve', proposal: id(49) },
      { type: 'keys', keyId: id(51), rotate: true, shares: [{ recipient: id(42), wrapped: new Uint8Array(72) }] }
    ]
    const ops = actions.map((action, i) => createOp({ context: id(52), author: me.publicKey, secretKey: me.secretKey, parents: i === 0 ? [] : [id(53)], nonce: BigInt(i + 1), hlc: { ms: 1_700_000_000_000 + i, c: 0 }, action }))
    const valid = ops.map((o) => o.bytes)
    return { me, valid, bodies: valid.map((b) => decode((decode(b) as [Uint8Array])[0])) }
  },
  inputs: (ctx) => bytesMix(ctx.valid, [resignedMix(ctx.me, GOV_DOMAIN, ctx.bodies)]),
  decode: (_ctx, bytes) => decodeOp(bytes),
  accept: (ctx, bytes, op) => {
    if (!equalBytes(op.author, ctx.me.publicKey)) throw new Violation('an op not signed by its author was accepted')
    const again = createOp({ context: op.context, author: op.author, secretKey: ctx.me.secretKey, parents: op.parents, nonce: op.nonce, hlc: op.hlc, action: op.action })
    if (!equalBytes(again.bytes, bytes)) throw new Violation(`an accepted ${op.action.type} op does not re-encode to its own bytes (a second encoding of the same content)`)
  }
})

// ---------------------------------------------------------------------------------------
// Snapshot pages (src/sync/snapshot.ts decodePage), collected and verified as a joiner does.

interface SnapshotCtx { context: Uint8Array, valid: Uint8Array[], trees: unknown[], store: Store, cleanup: () => void }
const snapshotTarget: FuzzTarget<SnapshotCtx, Uint8Array[]> = {
  name: 'snapshot-page',
  decoder: 'sync/snapshot.ts decodePage + SnapshotImport add/verify',
  setup: () => {
    const { store, dag, cleanup, ...material } = deltaStore()
    const root = rootId(material.context)
    let parents: Uint8Array[] = []
    for (let i = 0; i < 6; i++) {
      const d = createDelta({ context: material.context, author: material.me.publicKey, parents, anchor: [], hlc: { ms: 1_700_000_000_000 + i, c: 0 }, actions: [[1, root, utf8(`key-${i}`), utf8(`value-${i}`)]] }, material.me.secretKey)
      store.transactionSync(() => dag.receive(d))
      parents = [d.id]
    }
    const valid = [...exportSnapshot(store, material.context)].map(encodePage)
    return { context: material.context, valid, trees: valid.map((b) => decode(b)), store, cleanup }
  },
  // A whole import: the valid pages with one or two of them replaced by a mutated or random one.
  inputs: (ctx) => fc.tuple(
    fc.array(fc.tuple(fc.nat({ max: 16 }), bytesMix(ctx.valid, [mutatedTree(ctx.trees).map((t) => encode(t))])), { minLength: 1, maxLength: 2 })
  ).map(([swaps]) => {
    const pages = ctx.valid.slice()
    for (const [at, bytes] of swaps) pages[at % pages.length] = bytes
    return pages
  }),
  show: (pages) => pages.map(hex).join(' | '),
  check: (ctx, pages) => {
    refusesOnly([InvalidDeltaError], () => {
      const imp = new SnapshotImport(ctx.context)
      for (const bytes of pages) if (!imp.add(decodePage(bytes))) return
      imp.verify()
    })
  },
  teardown: async (ctx) => { await ctx.store.close(); ctx.cleanup() }
}

// ---------------------------------------------------------------------------------------
// Invitation strings (src/node/invitation.ts decodeTicket): user input, pasted.

interface TicketCtx { valid: string[], payloads: Uint8Array[] }
const ticketTarget: FuzzTarget<TicketCtx, string> = {
  name: 'invitation',
  decoder: 'node/invitation.ts decodeTicket',
  setup: () => {
    const base = { context: id(60), invitation: id(61), role: 'member' as const, expiresAt: 1_800_000_000_000, peers: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWFuzz'] }
    const tickets: InvitationTicket[] = [
      { kind: 'identity', invitee: generateKeyPair().publicKey, ...base },
      { kind: 'open', secret: id(62), ...base, role: 'reader', peers: [] },
      { kind: 'identity', invitee: id(63), ...base, anchor: { kind: 'ethereum', network: '31337', contract: '0x' + '1'.repeat(40), rpc: 'http://127.0.0.1:8545' } }
    ]
    const valid = tickets.map((t) => encodeTicket(t))
    return { valid, payloads: valid.map((s) => new Uint8Array(Buffer.from(s.slice('moorinv3.'.length), 'base64url'))) }
  },
  inputs: (ctx) => fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 100 }),
    fc.constantFrom(...ctx.valid),
    mutated(ctx.valid.map((s) => utf8(s))).map((b) => Buffer.from(b).toString('latin1')),
    fc.tuple(fc.constantFrom('moorinv3.', 'moorinv2.', 'moorinv1.', ' moorinv3.'), fc.oneof(mutated(ctx.payloads), fc.uint8Array({ maxLength: 300 }), fc.constant(encode(cborSample))))
      .map(([prefix, payload]) => prefix + Buffer.from(payload).toString('base64url')),
    fc.tuple(fc.constantFrom('moorinv3.', 'moorinv2.', 'moorinv1.'), cborValue).map(([prefix, value]) => prefix + Buffer.from(encode(value)).toString('base64url'))
  ),
  show: (s) => JSON.stringify(s),
  check: (_ctx, text) => {
    const ticket = refusesOnly([InvalidInputError], () => decodeTicket(text))
    if (ticket === undefined) return
    const again = refusesOnly([], () => decodeTicket(encodeTicket(ticket)))
    if (JSON.stringify(again, replacer) !== JSON.stringify(ticket, replacer)) throw new Violation('an accepted invitation does not read back the same after re-encoding')
  }
}
const cborSample = ['identity', new Uint8Array(32), new Uint8Array(32), new Uint8Array(32), 'member', 1, []]
const replacer = (_k: string, value: unknown): unknown => value instanceof Uint8Array ? hex(value) : value

// ---------------------------------------------------------------------------------------
// API bodies (src/api/validate.ts, src/api/schema.ts): the checks every route runs on parsed JSON, path and
// query strings, with any JSON value (bounded in depth, as the body parser bounds it).

type Check = (value: unknown) => unknown
const API_CHECKS: Array<[string, Check]> = [
  ['object', (x) => v.object(x, 'request body')],
  ['only', (x) => { v.only(v.object(x, 'body'), ['applicationId', 'initArgs', 'anchor'], 'body') }],
  ['hexId', (x) => v.hexId(x, 'params.id')],
  ['integer', (x) => v.integer(x, 'body.maxUses', 1, 1000)],
  // The routes' request schemas (src/api/schema.ts), as the routes check them.
  ['check CREATE_CONTEXT', (x) => check(CREATE_CONTEXT, x, 'body')],
  ['check JOIN', (x) => check(JOIN, x, 'body')],
  ['check INVITE', (x) => check(INVITE, x, 'body')],
  ['check PROPOSE', (x) => check(PROPOSE, x, 'body')],
  ['check WALLET_STATEMENT', (x) => check(WALLET_STATEMENT, x, 'body')],
  ['check RPC_PARAMS', (x) => check(RPC_PARAMS, x, 'params')],
  ['check hexIdSchema', (x) => check(hexIdSchema(), x, 'params.id')],
  ['check NAME_SCHEMA', (x) => check(NAME_SCHEMA, x, 'query.name')],
  ['queryInteger', (x) => v.queryInteger(typeof x === 'string' ? x : JSON.stringify(x), 'query.limit', 1, 1_000_000)],
  ['queryFlag', (x) => v.queryFlag(typeof x === 'string' ? x : JSON.stringify(x), 'query.rejected')],
  ['oneOf', (x) => v.oneOf(x, 'body.role', ['member', 'reader'])],
  ['name', (x) => v.name(x, 'query.name')],
  ['base64Wasm', (x) => v.base64Wasm(x, 'body.wasm')],
  ['wasmModule', (x) => v.wasmModule(typeof x === 'string' ? new Uint8Array(Buffer.from(x, 'latin1')) : utf8(JSON.stringify(x)), 'request body')],
  ['jsonBytes', (x) => v.jsonBytes(x)],
  ['kind', (x) => v.kind(x)]
]

const jsonInput: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.stringMatching(/^[0-9a-fA-F]{60,68}$/),
  fc.stringMatching(/^[A-Za-z0-9+/_=-]{0,80}$/),
  fc.constantFrom('AGFzbQEAAAA=', 'AGFzbQ', '', '-1', '1e3', '0x10', 'true', '1', 'member', 'admin', ' member', '__proto__', 'constructor'),
  fc.record({ applicationId: fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f]{64}$/), fc.jsonValue()), initArgs: fc.jsonValue(), anchor: fc.jsonValue(), invitation: fc.string(), rpc: fc.jsonValue(), identity: fc.jsonValue(), open: fc.jsonValue(), expiresInMs: fc.jsonValue() }, { requiredKeys: [] }),
  fc.integer({ min: 1, max: 300 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
  fc.constantFrom(JSON.parse('{"__proto__":{"x":1},"constructor":1}') as unknown)
)

const apiTarget: FuzzTarget<null, { check: number, value: unknown }> = {
  name: 'api-body',
  decoder: 'api/validate.ts (every check) + api/middleware/body.ts nesting',
  setup: () => null,
  inputs: () => fc.record({ check: fc.nat({ max: API_CHECKS.length - 1 }), value: jsonInput }),
  show: (i) => `${API_CHECKS[i.check]![0]}(${JSON.stringify(i.value)?.slice(0, 2000)})`,
  check: (_ctx, input) => {
    // What the routes see has passed the body parser's depth bound.
    if (nesting(input.value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return
    refusesOnly([InvalidInputError, PayloadTooLargeError], () => API_CHECKS[input.check]![1](input.value))
  }
}

// ---------------------------------------------------------------------------------------
// Stream handlers' params: one line per protocol, [protocol, validator, its error classes,
// valid params to mutate]. A validator takes the decoded CBOR params (unknown) and returns
// them typed or throws one of its errors, e.g.
//   ['deltas', validateDeltasParams, [InvalidStreamParamsError], [[[id(1)], [], 256]]],
type ParamsLine = [protocol: string, validate: (params: unknown) => unknown, errors: ErrorClass[], examples: unknown[]]
const pid = new Uint8Array(32).fill(7)
export const STREAM_PARAMS: ParamsLine[] = [
  ['gov', PARAMS.gov, [SyncParamsError], [null, [pid, new Uint8Array(64)]]],
  ['heads', PARAMS.heads, [SyncParamsError], [null]],
  ['deltas', PARAMS.deltas, [SyncParamsError], [[[pid], [], 256], [[pid, pid], [pid], 1]]],
  ['snapshot', PARAMS.snapshot, [SyncParamsError], [{ phase: 'children', after: new Uint8Array(64) }, { phase: 'heads', after: null }]],
  ['app', PARAMS.app, [SyncParamsError], [[pid, 0], [pid, 1_048_576]]],
  ['push', PARAMS.push, [SyncParamsError], [[[new Uint8Array(100)], null], [[new Uint8Array(100)], [pid, new Uint8Array(64)]]]],
  ['generation', PARAMS.generation, [SyncParamsError], [[pid, pid, pid]]]
]

// Answers and gossip payloads read on the requesting side: one line each, [name, parser,
// honest encodings to mutate]. Bytes in, a checked value or SyncParamsError out.
type AnswerLine = [name: string, parse: (bytes: Uint8Array) => unknown, examples: Uint8Array[]]
export const ANSWERS: AnswerLine[] = [
  ['heads', parseHeadsAnswer, [encode([[pid], 3, pid, pid])]],
  ['deltas', parseDeltasFrame, [encode([new Uint8Array(120), new Uint8Array(80)])]],
  ['app', (b) => parseAppChunk(b, 1024), [encode([10, new Uint8Array(4)])]],
  ['gov', parseGovAnswer, [encode([new Uint8Array(80), new Uint8Array(200)])]],
  ['gov-ops', parseGovOps, [encode([new Uint8Array(150)])]],
  ['beat', parseBeat, [encode([[pid], [pid], 1, pid])]],
  ['generation', parseGenerationAnswer, [encode([1, pid, new Uint8Array(48)])]]
]

function answerTarget ([name, parse, examples]: AnswerLine): FuzzTarget<null, Uint8Array> {
  return {
    name: `answer-${name}`,
    decoder: `${name} answer (sync/params.ts)`,
    setup: () => null,
    inputs: () => bytesMix(examples, [mutatedTree(examples.map((e) => decode(e))).map((t) => encode(t))]),
    show: hex,
    check: (_ctx, bytes) => { refusesOnly([SyncParamsError], () => parse(bytes)) }
  }
}

function paramsTarget ([protocol, validate, errors, examples]: ParamsLine): FuzzTarget<null, unknown> {
  return {
    name: `params-${protocol}`,
    decoder: `stream params of ${protocol}`,
    setup: () => null,
    inputs: () => fc.oneof(cborValue, fc.constantFrom(...examples), mutatedTree(examples)),
    show: (p) => JSON.stringify(p, (_k, x: unknown) => typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? hex(x) : x),
    check: (_ctx, params) => { refusesOnly(errors, () => validate(params)) }
  }
}

export const TARGETS: FuzzTarget[] = [
  framesTarget,
  requestTarget,
  envelopeTarget,
  deltaTarget,
  receiveTarget,
  opTarget,
  snapshotTarget,
  ticketTarget,
  apiTarget,
  ...STREAM_PARAMS.map(paramsTarget),
  ...ANSWERS.map(answerTarget)
]
