// The serving side of the catch-up protocols (see src/sync/wire.ts): each handler admits
// the requester first, then answers from the store under the frame key of the epoch in
// force (src/sync/ratchet/); the governance log under a session key wrapped for the
// requester, who may be an invitee; a generation secret sealed to the request's own key.
import { randomBytes } from 'node:crypto'
import { encode } from 'cborg'
import { concatBytes, equalBytes, toHex, utf8 } from '../../crypto/bytes.ts'
import { wrapKey } from '../../crypto/keywrap.ts'
import { seal } from '../../crypto/secretbox.ts'
import { NotFoundError } from '../../errors/index.ts'
import { decodeOp } from '../../governance/offchain/op.ts'
import { walkBack } from '../../sync/dag.ts'
import { generationInfo, sealTo } from '../../sync/ratchet/delivery.ts'
import { encodePage, exportSnapshot } from '../../sync/snapshot.ts'
import { DELTA_FRAME_BYTES, DELTA_FRAME_COUNT, DELTAS_ANSWER_BYTES, parseAppParams, parseDeltasParams, parseGenerationParams, parseGovParams, parseHeadsParams, parsePushParams, parseSnapshotParams, SyncParamsError } from '../../sync/params.ts'
import { PROTOCOLS, SyncAuthError } from '../../sync/wire.ts'
import { APP_CHUNK_BYTES, PENALTY_FORGED } from '../constants.ts'
import type { Admission } from './admission.ts'
import { EMPTY, SyncError, type Parts } from './parts.ts'
import { CLAIM_REFUSED, ClaimRefusedError } from '../../claims/errors.ts'

export class Streams {
  private readonly r: Parts
  private readonly admission: Admission

  constructor (r: Parts, admission: Admission) {
    this.r = r
    this.admission = admission
  }

  async register (): Promise<void> {
    const n = this.r.c.network
    await n.handle(PROTOCOLS.gov, this.serveGov)
    await n.handle(PROTOCOLS.heads, this.serveHeads)
    await n.handle(PROTOCOLS.deltas, this.serveDeltas)
    await n.handle(PROTOCOLS.snapshot, this.serveSnapshot)
    await n.handle(PROTOCOLS.app, this.serveApp)
    await n.handle(PROTOCOLS.push, this.servePush)
    await n.handle(PROTOCOLS.generation, this.serveGeneration)
  }

  /** Seals answer frames under the frame key of the epoch in force. */
  private frameSealer (ctx: Uint8Array): (payload: Uint8Array) => Uint8Array {
    const key = this.r.keys.keyring(ctx).current
    if (key === undefined) throw new SyncError('no current group key on this node yet; retry shortly')
    const ratchets = this.r.keys.ratchets
    return (payload) => ratchets.seal(ctx, key, EMPTY, 'frame', EMPTY, payload)
  }

  private readonly serveGov = async (bytes: Uint8Array, from: string): Promise<Uint8Array> => {
    const { ctx, identity, wallet } = this.admission.admit(PROTOCOLS.gov, bytes, from, true, parseGovParams)
    if (wallet !== undefined) await this.admission.checkWallet(wallet, from)
    const aad = concatBytes(utf8('moorage:gov-session:v1'), ctx)
    const session = new Uint8Array(randomBytes(32))
    return encode([wrapKey(session, identity, aad), seal(session, encode(this.r.c.governance.offchain.opsBytes(ctx)), aad)])
  }

  private readonly serveHeads = async (bytes: Uint8Array, from: string): Promise<Uint8Array> => {
    const { ctx } = this.admission.admit(PROTOCOLS.heads, bytes, from, false, parseHeadsParams)
    const { c } = this.r
    const info = c.dag.info(ctx)!
    const rec = c.contexts.get(ctx)
    const app = c.governance.state(ctx)?.application ?? rec.applicationId
    return this.frameSealer(ctx)(encode([info.heads, info.count, info.rootHash, app]))
  }

  /**
   * Frames of at most DELTA_FRAME_COUNT deltas and DELTA_FRAME_BYTES (a larger delta goes
   * alone), up to DELTAS_ANSWER_BYTES in all.
   */
  private readonly serveDeltas = (bytes: Uint8Array, from: string): AsyncIterable<Uint8Array> => {
    const { ctx, params } = this.admission.admit(PROTOCOLS.deltas, bytes, from, false, parseDeltasParams)
    const sealFrame = this.frameSealer(ctx)
    const store = this.r.c.store
    return (async function * () {
      let batch: Uint8Array[] = []
      let size = 0
      let total = 0
      for (const d of walkBack(store, ctx, params.ids, params.stop, params.limit)) {
        if (total >= DELTAS_ANSWER_BYTES) break
        if (batch.length > 0 && (batch.length >= DELTA_FRAME_COUNT || size + d.byteLength > DELTA_FRAME_BYTES)) {
          yield sealFrame(encode(batch))
          batch = []
          size = 0
        }
        batch.push(d)
        size += d.byteLength
        total += d.byteLength
      }
      if (batch.length > 0) yield sealFrame(encode(batch))
    })()
  }

  private readonly serveSnapshot = (bytes: Uint8Array, from: string): AsyncIterable<Uint8Array> => {
    const { ctx, params } = this.admission.admit(PROTOCOLS.snapshot, bytes, from, false, parseSnapshotParams)
    const sealFrame = this.frameSealer(ctx)
    const store = this.r.c.store
    // Heads and clock go out under this node's signed statement (snapshot.ts).
    const me = this.r.keys.me(ctx)
    return (async function * () {
      for (const page of exportSnapshot(store, ctx, params, me)) {
        yield sealFrame(encodePage(page))
      }
    })()
  }

  private readonly serveApp = (bytes: Uint8Array, from: string): AsyncIterable<Uint8Array> => {
    const { ctx, params } = this.admission.admit(PROTOCOLS.app, bytes, from, false, parseAppParams)
    const s = this.r.c.governance.state(ctx)
    if (s === undefined || !equalBytes(s.application, params.app)) throw new SyncParamsError('app params: that application is not this context\'s')
    const wasm = this.r.c.applications.wasm(params.app)
    if (params.offset > wasm.byteLength) throw new SyncParamsError(`app params: offset ${params.offset} is past the module's ${wasm.byteLength} bytes`)
    const sealFrame = this.frameSealer(ctx)
    return (async function * () {
      for (let at = params.offset; at < wasm.byteLength; at += APP_CHUNK_BYTES) {
        yield sealFrame(encode([wasm.byteLength, wasm.subarray(at, at + APP_CHUNK_BYTES)]))
      }
    })()
  }

  /**
   * A generation secret this node keeps, for a member that holds the epoch: wrapped (src/crypto/keywrap.ts)
   * to the request's delivery key, bound to the context, epoch, generation and requester.
   */
  private readonly serveGeneration = async (bytes: Uint8Array, from: string): Promise<Uint8Array> => {
    const { ctx, identity, params } = this.admission.admit(PROTOCOLS.generation, bytes, from, false, parseGenerationParams)
    const { keys } = this.r
    const epoch = keys.keyring(ctx).known.get(toHex(params.epoch))
    if (epoch === undefined || !(keys.keyring(ctx).holders.get(toHex(identity))?.has(toHex(params.epoch)) ?? false)) throw new SyncAuthError('the requester holds no share of that epoch here')
    const gen = keys.ratchets.generation(ctx, epoch, params.gen)
    if (gen === undefined || gen.n === 0) throw new NotFoundError('this node keeps no such generation')
    const { enc, sealed } = await sealTo(params.deliveryKey, generationInfo(ctx, params.epoch, params.gen, gen.n, identity), gen.secret)
    return encode([gen.n, enc, sealed])
  }

  private readonly servePush = async (bytes: Uint8Array, from: string): Promise<Uint8Array> => {
    const { ctx, identity, params, wallet } = this.admission.admit(PROTOCOLS.push, bytes, from, true, parsePushParams)
    if (wallet !== undefined) await this.admission.checkWallet(wallet, from)
    let ops
    try {
      ops = params.ops.map(decodeOp)
    } catch (err) {
      this.admission.reject(from, PENALTY_FORGED, (err as Error).message)
      throw err
    }
    if (ops.some((op) => !equalBytes(op.author, identity))) {
      this.admission.reject(from, PENALTY_FORGED, 'pushed ops of another author')
      throw new SyncAuthError('only one\'s own ops can be pushed')
    }
    const refused = await this.r.receiveOps(ctx, ops, from, true)
    if (refused.length > 0) throw new ClaimRefusedError(`${CLAIM_REFUSED}${refused[0]!.reason}`)
    return encode(ops.length)
  }
}
