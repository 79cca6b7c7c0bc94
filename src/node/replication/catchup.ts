// The catch-up client: brings a context up to date with one peer over the stream
// protocols — governance log, application, then deltas (a snapshot when this node has no
// history yet, else a walk back from the peer's heads). One sync per context and peer at a time (a slow peer delays only its own).
import { concatBytes, equalBytes, toHex, utf8 } from '../../crypto/bytes.ts'
import type { KeyPair } from '../../crypto/ed25519.ts'
import { sha256 } from '../../crypto/hash.ts'
import { unwrapKey } from '../../crypto/keywrap.ts'
import { open } from '../../crypto/secretbox.ts'
import { InvalidDeltaError, NotFoundError } from '../../errors/index.ts'
import { roleOf } from '../../governance/acl.ts'
import { decodeOp, type GovOp } from '../../governance/offchain/op.ts'
import { decodeDelta, peekDelta } from '../../sync/delta.ts'
import { InvalidEnvelopeError, parseEnvelope } from '../../sync/envelope.ts'
import { deliveryKey, generationInfo, openWith } from '../../sync/ratchet/delivery.ts'
import { generationId } from '../../sync/ratchet/index.ts'
import { decodePage, SnapshotImport } from '../../sync/snapshot.ts'
import { MAX_REQUEST_IDS, parseAppChunk, parseDeltasFrame, parseGenerationAnswer, parseGovAnswer, parseGovOps, parseHeadsAnswer, SyncParamsError, type InvitationClaim } from '../../sync/params.ts'
import { describeProtocol, encodeRequest, PROTOCOLS } from '../../sync/wire.ts'
import { GENERATION_RETRY_MS, MAX_APPLICATION_BYTES, MAX_FAILED_FETCHES, MAX_GOV_ANSWER_BYTES, MAX_HEADS_ANSWER_BYTES, MAX_SNAPSHOT_IMPORT_BYTES, PENALTY_FORGED, SYNC_BATCH_DELTAS } from '../constants.ts'
import { SyncError, type Parts, type SyncProgress } from './parts.ts'
import { countSyncRun } from '../../log/metrics.ts'

export class CatchUp {
  private readonly r: Parts
  readonly lastSync = new Map<string, number>()
  readonly lastError = new Map<string, string>()
  /** Syncs under way, one per context and peer: a peer that answers slowly (or not at all) delays only its own. */
  private readonly running = new Map<string, Promise<void>>()
  private readonly joining = new Set<string>()
  private readonly judged = new WeakSet<Error>()
  /** Generation fetches under way, by context, epoch and generation: one at a time each. */
  private readonly fetching = new Map<string, Promise<boolean>>()
  /** When a fetch of each generation last failed: not asked again for a while (bounded). */
  private readonly fetchFailed = new Map<string, number>()

  constructor (r: Parts) {
    this.r = r
  }

  async stop (): Promise<void> {
    await Promise.allSettled([...this.running.values()])
  }

  /** Marks a context as being joined (see syncWith); returns the function that ends it. */
  beginJoin (ctx: Uint8Array): () => void {
    const hex = toHex(ctx)
    this.joining.add(hex)
    return () => { this.joining.delete(hex) }
  }

  /**
   * Sends one catch-up request and yields the answer's frames, each at most `maxFrameBytes`.
   * Only to a peer admission lets this node ask about `ctx` (a request names this
   * node's identity in the context).
   */
  async * ask (peer: string, protocol: string, ctx: Uint8Array, params: unknown, asIdentity?: KeyPair, maxFrameBytes?: number): AsyncGenerator<Uint8Array> {
    const me = asIdentity ?? this.r.keys.me(ctx)
    if (me === undefined) throw new NotFoundError(`this node holds no identity in context ${toHex(ctx)}`)
    if (!this.r.admission.mayAsk(peer, ctx)) throw new SyncError(`peer ${peer} is not known as a member node of context ${toHex(ctx)}: not asked`)
    const network = this.r.c.network
    yield * network.request(peer, protocol, encodeRequest(protocol, ctx, me, network.peerId, params), { what: describeProtocol(protocol), ...(maxFrameBytes === undefined ? {} : { maxResponseFrameBytes: maxFrameBytes }) })
  }

  /**
   * Fetches a generation of an epoch this node holds from `peer` (docs/encryption.md): the
   * request names a key pair made for it alone, the answer is wrapped to it (src/crypto/keywrap.ts), and
   * the secret must match the generation id asked for. Answers whether it is held now.
   */
  async fetchGeneration (peer: string, ctx: Uint8Array, epochId: Uint8Array, genId: Uint8Array): Promise<boolean> {
    const { keys } = this.r
    const me = keys.me(ctx)
    const epoch = keys.keyring(ctx).known.get(toHex(epochId))
    if (me === undefined || epoch === undefined) return false
    if (keys.ratchets.generation(ctx, epoch, genId) !== undefined) return true
    const key = `${toHex(ctx)}/${toHex(epochId)}/${toHex(genId)}`
    const busy = this.fetching.get(key)
    if (busy !== undefined) return await busy
    const failed = this.fetchFailed.get(key)
    if (failed !== undefined && Date.now() - failed < GENERATION_RETRY_MS) return false
    const run = (async () => {
      const delivery = await deliveryKey()
      let frames = 0
      try {
        for await (const frame of this.r.ask(peer, PROTOCOLS.generation, ctx, [epochId, genId, delivery.publicKey], me, 256)) {
          if (++frames > 1) throw new SyncParamsError('generation answer: more than one frame')
          const { n, enc, sealed } = parseGenerationAnswer(frame)
          const secret = await openWith(delivery, generationInfo(ctx, epochId, genId, n, me.publicKey), enc, sealed)
          if (!equalBytes(generationId(ctx, epochId, n, secret), genId)) throw new SyncParamsError('generation answer: the secret does not match the generation asked for')
          // Kept unless newer generations came meanwhile (then it is dropped at once).
          keys.ratchets.accept(ctx, epoch, genId, n, secret)
          secret.fill(0)
        }
      } catch (err) {
        this.fetchFailed.delete(key)
        this.fetchFailed.set(key, Date.now())
        while (this.fetchFailed.size > MAX_FAILED_FETCHES) this.fetchFailed.delete(this.fetchFailed.keys().next().value!)
        this.judgeFailure(peer, err)
        throw err
      }
      return keys.ratchets.generation(ctx, epoch, genId) !== undefined
    })().finally(() => { this.fetching.delete(key) })
    this.fetching.set(key, run)
    return await run
  }

  /** Opens an answer frame; one sealed under the current group key proves the peer a member node. */
  private openFrame (peer: string, ctx: Uint8Array, frame: Uint8Array): Uint8Array {
    const env = parseEnvelope(frame)
    if (env.kind !== 'frame') throw new InvalidEnvelopeError(`an answer frame came as a ${env.kind} envelope`)
    const plain = this.r.keys.ratchets.open(ctx, env, this.r.keys.epochs(ctx))
    const current = this.r.keys.keyring(ctx).current
    if (current !== undefined && equalBytes(current.id, env.keyId)) this.r.admission.noteMember(ctx, peer)
    return plain
  }

  /**
   * Fetches a context's governance log from `peer` (as a member, or as `asIdentity`, an
   * invitee; a claimer of an open invitation passes its `claim` = [invitation id, proof]).
   */
  async syncGov (peer: string, ctx: Uint8Array, asIdentity?: KeyPair, claim?: InvitationClaim): Promise<void> {
    const me = asIdentity ?? this.r.keys.me(ctx)
    if (me === undefined) return
    const ops: GovOp[] = []
    let frames = 0
    try {
      for await (const frame of this.r.ask(peer, PROTOCOLS.gov, ctx, claim ?? null, me, MAX_GOV_ANSWER_BYTES)) {
        if (++frames > 1) throw new SyncParamsError('governance answer: more than one frame')
        const { wrapped, sealed } = parseGovAnswer(frame)
        const aad = concatBytes(utf8('moorage:gov-session:v1'), ctx)
        const session = unwrapKey(wrapped, me.publicKey, me.secretKey, aad)
        for (const bytes of parseGovOps(open(session, sealed, aad))) ops.push(decodeOp(bytes))
      }
    } catch (err) {
      this.judgeFailure(peer, err)
      throw err
    }
    // Parents first, so nothing is held needlessly.
    ops.sort((a, b) => a.hlc.ms - b.hlc.ms || a.hlc.c - b.hlc.c)
    await this.r.receiveOps(ctx, ops, null)
  }

  async syncWith (peer: string, ctx: Uint8Array, onProgress?: (p: SyncProgress) => void, options: { joining?: boolean } = {}): Promise<void> {
    const hex = toHex(ctx)
    // While a join is under way it runs the catch-up itself (reporting progress); syncs
    // that heartbeats or new connections would start meanwhile wait for it to finish.
    if (this.joining.has(hex) && options.joining !== true) return
    countSyncRun()
    const key = `${hex}/${peer}`
    const busy = this.running.get(key)
    if (busy !== undefined) return await busy
    const run = this.doSync(peer, ctx, onProgress).then(() => {
      this.lastSync.set(hex, Date.now())
      this.lastError.delete(hex)
    }, (err: unknown) => {
      this.lastError.set(hex, (err as Error).message)
      this.judgeFailure(peer, err)
      throw err
    }).finally(() => { this.running.delete(key) })
    this.running.set(key, run)
    return await run
  }

  /** An answer that does not fit its protocol is never an honest peer's (judged once per error). */
  private judgeFailure (peer: string, err: unknown): void {
    if (!(err instanceof SyncParamsError || err instanceof InvalidEnvelopeError) || this.judged.has(err)) return
    this.judged.add(err)
    this.r.admission.reject(peer, PENALTY_FORGED, err.shortMessage)
  }

  private async doSync (peer: string, ctx: Uint8Array, onProgress?: (p: SyncProgress) => void): Promise<void> {
    const { c, keys } = this.r
    onProgress?.({ phase: 'governance', done: 0, total: null })
    // A chain-anchored context's governance comes from the chain, not from peers.
    if (!c.governance.onChain(ctx)) await this.r.syncGov(peer, ctx)
    const rec = c.contexts.find(ctx)
    const s = c.governance.state(ctx)
    if (rec === undefined || s === undefined || roleOf(s, rec.identity) === undefined) return
    if (keys.keyring(ctx).current === undefined && keys.keyring(ctx).known.size === 0) return // no key yet: a later heartbeat retries
    let remote: { heads: Uint8Array[], count: number } | undefined
    for await (const frame of this.r.ask(peer, PROTOCOLS.heads, ctx, null, undefined, MAX_HEADS_ANSWER_BYTES)) {
      if (remote !== undefined) throw new SyncParamsError('heads answer: more than one frame')
      remote = parseHeadsAnswer(this.openFrame(peer, ctx, frame))
    }
    if (remote === undefined) throw new SyncError('peer sent no heads')
    // The module this node's own governance view names (it may be ahead of the peer's
    // after an application update); a peer that does not run it yet refuses, and the
    // next heartbeat from one that does retries.
    const needed = this.neededApplication(ctx)
    if (needed !== undefined) await this.fetchApp(peer, ctx, needed, onProgress)
    const local = c.dag.info(ctx)
    // What to fetch: the peer's heads this node lacks, and the parents its held deltas
    // wait for. (A head this node holds pending is "had" by `has`, yet its ancestors may
    // be missing: say deltas set aside because they named a governance point this node
    // had not seen, whose children then arrived. Looking at the heads alone, such a node
    // believed itself up to date and stayed stuck.)
    const lacking = (): Uint8Array[] => [...remote.heads.filter((h) => !c.dag.has(ctx, h)), ...c.dag.missingParents(ctx)]
    let missing = lacking()
    if (missing.length === 0) return
    if ((local?.count ?? 0) === 0 && remote.count > 0) {
      await this.fetchSnapshot(peer, ctx, onProgress)
      missing = lacking()
    }
    let done = 0
    for (let round = 0; round < 64 && missing.length > 0; round++) {
      const stop = (c.dag.info(ctx)?.heads ?? []).slice(0, MAX_REQUEST_IDS)
      let received = 0
      let taken = 0
      for await (const frame of this.r.ask(peer, PROTOCOLS.deltas, ctx, [missing.slice(0, MAX_REQUEST_IDS), stop, SYNC_BATCH_DELTAS])) {
        const raw = parseDeltasFrame(this.openFrame(peer, ctx, frame))
        received += raw.length
        if (received > SYNC_BATCH_DELTAS) throw new SyncParamsError(`deltas answer: more than the ${SYNC_BATCH_DELTAS} deltas asked for`)
        // Parents come before children (see walkBack), so each applies as it comes. A
        // delta this node has (a clock that ran against causality, or an older peer that
        // sends children first) is skipped; one whose parents are missing is held.
        const fresh = raw.filter((bytes) => !c.dag.has(ctx, peekDelta(bytes).id))
        if (fresh.length > 0) await this.r.receiveDeltas(ctx, fresh.map(decodeDelta), null)
        taken += fresh.length
        done += raw.length
        onProgress?.({ phase: 'deltas', done, total: remote.count })
      }
      // An answer stops at its byte budget: ask again for what is still missing (from
      // this node's new heads), and for the parents of what is held.
      // A round that brought nothing new ends it: the peer has no more for us.
      if (taken === 0) break
      missing = lacking()
    }
  }

  private async fetchSnapshot (peer: string, ctx: Uint8Array, onProgress?: (p: SyncProgress) => void): Promise<void> {
    const { c, log } = this.r
    for (let attempt = 0; attempt < 3; attempt++) {
      const imp = new SnapshotImport(ctx)
      let consistent = true
      // The pages are held until verified: their bytes are counted as they come.
      let bytes = 0
      // Resumable: on a broken stream, ask again from the last cursor.
      for (let resume = 0; resume < 5 && imp.end === undefined && consistent; resume++) {
        try {
          for await (const frame of this.r.ask(peer, PROTOCOLS.snapshot, ctx, imp.cursor)) {
            bytes += frame.byteLength
            if (bytes > MAX_SNAPSHOT_IMPORT_BYTES) throw new SyncParamsError(`snapshot answer: over the ${MAX_SNAPSHOT_IMPORT_BYTES}-byte import budget`)
            const page = decodePage(this.openFrame(peer, ctx, frame))
            if (!imp.add(page)) { consistent = false; break }
            onProgress?.({ phase: 'snapshot', done: imp.received, total: page.total })
          }
        } catch (err) {
          // A page that fails its checks is refused at once, not asked for again.
          if (resume === 4 || err instanceof SyncParamsError || err instanceof InvalidDeltaError) throw err
        }
      }
      if (!consistent || imp.end === undefined) continue
      // Heads and clock are covered by the exporter's signed statement; it must be a member.
      imp.verify({ isMember: (id) => { const s = c.governance.state(ctx); return s !== undefined && roleOf(s, id) !== undefined } })
      // A snapshot replaces the whole state: only while this node still has no history.
      // A write of its own, or a delta from gossip, may have landed while the pages came;
      // the snapshot would then erase it from the state and the heads (the node would
      // keep the delta's id, never apply it again, and diverge). It catches up by deltas.
      const written = await c.store.transaction(() => {
        if ((c.dag.info(ctx)?.count ?? 0) > 0) return false
        imp.write(c.store)
        return true
      })
      if (written) this.r.receiver.forgetHeld(ctx)
      if (!written) {
        log.info('history arrived while a snapshot was fetched: catching up by deltas instead', { context: toHex(ctx) })
        return
      }
      c.clock.observe(imp.end.info.hlc)
      log.info('state restored from a snapshot', { context: toHex(ctx), deltas: imp.end.deltas, entities: imp.end.entities })
      // Subscribers (SSE, apps) learn that the state changed; no per-delta events here,
      // as the snapshot carries the deltas' ids only.
      c.publisher.emit({ contextId: toHex(ctx), type: 'delta', kind: 'snapshot', data: toHex(imp.end.info.rootHash), deltaId: null, at: Date.now() })
      return
    }
    throw new SyncError('could not get a consistent snapshot (the peer kept changing)')
  }

  /** The application this context's governance names, when it is not installed here. */
  neededApplication (ctx: Uint8Array): Uint8Array | undefined {
    const { c } = this.r
    const app = c.governance.state(ctx)?.application ?? c.contexts.find(ctx)?.applicationId
    return app === undefined || c.applications.has(app) ? undefined : app
  }

  private async fetchApp (peer: string, ctx: Uint8Array, appId: Uint8Array, onProgress?: (p: SyncProgress) => void): Promise<void> {
    const chunks: Uint8Array[] = []
    let offset = 0
    let size: number | null = null
    for (let attempt = 0; attempt < 5 && (size === null || offset < size); attempt++) {
      try {
        for await (const frame of this.r.ask(peer, PROTOCOLS.app, ctx, [appId, offset])) {
          // The size the peer declares must stay the same, within the module cap, and the
          // chunks must not run past it.
          const { total, chunk } = parseAppChunk(this.openFrame(peer, ctx, frame), MAX_APPLICATION_BYTES)
          if (size !== null && total !== size) throw new SyncParamsError('application answer: the declared size changed')
          if (offset + chunk.byteLength > total) throw new SyncParamsError('application answer: more bytes than the declared size')
          size = total
          chunks.push(chunk)
          offset += chunk.byteLength
          onProgress?.({ phase: 'application', done: offset, total })
        }
      } catch (err) {
        if (attempt === 4 || err instanceof SyncParamsError) throw err
      }
    }
    const wasm = concatBytes(...chunks)
    if (!equalBytes(sha256(wasm), appId)) throw new SyncError('the application received does not match its id')
    await this.r.c.applications.install(wasm)
    this.r.log.info('application fetched from a peer', { application: toHex(appId), bytes: wasm.byteLength })
  }

  /** Sends this node's own governance ops of a context directly to a peer (a joiner's claim). */
  async push (peer: string, ctx: Uint8Array, ops: GovOp[], asIdentity: KeyPair, claim?: InvitationClaim): Promise<void> {
    for await (const _ of this.r.ask(peer, PROTOCOLS.push, ctx, [ops.map((o) => o.bytes), claim ?? null], asIdentity)) { /* ack */ }
  }

  /** Syncs a context with every connected peer known as a member node (`moor context sync`). */
  async syncAll (ctx: Uint8Array, onProgress?: (p: SyncProgress) => void): Promise<void> {
    for (const peer of this.r.admission.peersFor(ctx)) {
      try { await this.r.syncWith(peer, ctx, onProgress) } catch (err) { this.r.log.debug('sync attempt failed', { peer, error: (err as Error).message }) }
    }
  }
}
