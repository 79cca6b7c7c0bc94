// The catch-up client: brings a context up to date with one peer over the stream
// protocols — governance log, application, then deltas (a snapshot when this node has no
// history yet, else a walk back from the peer's heads). One sync per context at a time.
import { decode } from 'cborg'
import { concatBytes, equalBytes, toHex, utf8 } from '../../crypto/bytes.ts'
import type { KeyPair } from '../../crypto/ed25519.ts'
import { sha256 } from '../../crypto/hash.ts'
import { unwrapKey } from '../../crypto/keywrap.ts'
import { open } from '../../crypto/secretbox.ts'
import { NotFoundError } from '../../errors/index.ts'
import { roleOf } from '../../governance/acl.ts'
import { decodeOp, type GovOp } from '../../governance/offchain/op.ts'
import { decodeDelta, peekDelta } from '../../sync/delta.ts'
import { openEnvelope, parseEnvelope } from '../../sync/envelope.ts'
import { decodePage, SnapshotImport } from '../../sync/snapshot.ts'
import { encodeRequest, PROTOCOLS, type OpenClaim } from '../../sync/wire.ts'
import { SYNC_BATCH_DELTAS } from '../constants.ts'
import { SyncError, type Parts, type SyncProgress } from './parts.ts'

export class CatchUp {
  private readonly r: Parts
  readonly lastSync = new Map<string, number>()
  readonly lastError = new Map<string, string>()
  private readonly running = new Map<string, Promise<void>>()
  private readonly joining = new Set<string>()

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

  async * ask (peer: string, protocol: string, ctx: Uint8Array, params: unknown, asIdentity?: KeyPair): AsyncGenerator<Uint8Array> {
    const me = asIdentity ?? this.r.keys.me(ctx)
    if (me === undefined) throw new NotFoundError(`this node holds no identity in context ${toHex(ctx)}`)
    const network = this.r.c.network
    yield * network.request(peer, protocol, encodeRequest(protocol, ctx, me, network.peerId, params))
  }

  private openFrame (ctx: Uint8Array, frame: Uint8Array): Uint8Array {
    return openEnvelope(parseEnvelope(frame), this.r.keys.keyById(ctx), ctx)
  }

  /**
   * Fetches a context's governance log from `peer` (as a member, or as `asIdentity`, an
   * invitee; a claimer of an open invitation passes its `claim` = [invitation id, proof]).
   */
  async syncGov (peer: string, ctx: Uint8Array, asIdentity?: KeyPair, claim?: OpenClaim): Promise<void> {
    const me = asIdentity ?? this.r.keys.me(ctx)
    if (me === undefined) return
    const ops: GovOp[] = []
    for await (const frame of this.r.ask(peer, PROTOCOLS.gov, ctx, claim ?? null, me)) {
      const [wrapped, sealed] = decode(frame) as [Uint8Array, Uint8Array]
      const aad = concatBytes(utf8('moorage:gov-session:v1'), ctx)
      const session = unwrapKey(wrapped, me.publicKey, me.secretKey, aad)
      for (const bytes of decode(open(session, sealed, aad)) as Uint8Array[]) ops.push(decodeOp(bytes))
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
    const busy = this.running.get(hex)
    if (busy !== undefined) return await busy
    const run = this.doSync(peer, ctx, onProgress).then(() => {
      this.lastSync.set(hex, Date.now())
      this.lastError.delete(hex)
    }, (err: unknown) => {
      this.lastError.set(hex, (err as Error).message)
      throw err
    }).finally(() => { this.running.delete(hex) })
    this.running.set(hex, run)
    return await run
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
    for await (const frame of this.r.ask(peer, PROTOCOLS.heads, ctx, null)) {
      const [heads, count] = decode(this.openFrame(ctx, frame)) as [Uint8Array[], number]
      remote = { heads, count }
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
      const stop = c.dag.info(ctx)?.heads ?? []
      for await (const frame of this.r.ask(peer, PROTOCOLS.deltas, ctx, [missing, stop, SYNC_BATCH_DELTAS])) {
        const raw = decode(this.openFrame(ctx, frame)) as Uint8Array[]
        // The peer walks back breadth-first from what we lack and stops only at our exact
        // heads, so after a fork (a partition, a write lost in a crash) it would send the
        // whole shared history. A frame of deltas we all have means the walk is inside
        // that history: stop the stream there; whatever is still missing (held deltas'
        // parents) is asked for by the next round.
        const fresh = raw.filter((bytes) => !c.dag.has(ctx, peekDelta(bytes).id))
        if (fresh.length > 0) await this.r.receiveDeltas(ctx, fresh.map(decodeDelta).reverse(), null)
        done += raw.length
        onProgress?.({ phase: 'deltas', done, total: remote.count })
        if (fresh.length === 0) break
      }
      missing = c.dag.missingParents(ctx)
    }
  }

  private async fetchSnapshot (peer: string, ctx: Uint8Array, onProgress?: (p: SyncProgress) => void): Promise<void> {
    const { c, log } = this.r
    for (let attempt = 0; attempt < 3; attempt++) {
      const imp = new SnapshotImport(ctx)
      let consistent = true
      // Resumable: on a broken stream, ask again from the last cursor.
      for (let resume = 0; resume < 5 && imp.end === undefined && consistent; resume++) {
        try {
          for await (const frame of this.r.ask(peer, PROTOCOLS.snapshot, ctx, imp.cursor)) {
            const page = decodePage(this.openFrame(ctx, frame))
            if (!imp.add(page)) { consistent = false; break }
            onProgress?.({ phase: 'snapshot', done: imp.received, total: page.total })
          }
        } catch (err) {
          if (resume === 4) throw err
        }
      }
      if (!consistent || imp.end === undefined) continue
      imp.verify()
      // A snapshot replaces the whole state: only while this node still has no history.
      // A write of its own, or a delta from gossip, may have landed while the pages came;
      // the snapshot would then erase it from the state and the heads (the node would
      // keep the delta's id, never apply it again, and diverge). It catches up by deltas.
      const written = await c.store.transaction(() => {
        if ((c.dag.info(ctx)?.count ?? 0) > 0) return false
        imp.write(c.store)
        return true
      })
      if (!written) {
        log.info('history arrived while a snapshot was fetched: catching up by deltas instead', { context: toHex(ctx) })
        return
      }
      c.clock.observe(imp.end.info.hlc)
      log.info('state restored from a snapshot', { context: toHex(ctx), deltas: imp.end.deltas, entities: imp.end.entities })
      // Subscribers (SSE, apps) learn that the state changed; no per-delta events here,
      // as the snapshot carries the deltas' ids only.
      c.bus.publish({ contextId: toHex(ctx), type: 'delta', kind: 'snapshot', data: toHex(imp.end.info.rootHash), deltaId: null, at: Date.now() })
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
          const [total, chunk] = decode(this.openFrame(ctx, frame)) as [number, Uint8Array]
          size = total
          chunks.push(chunk)
          offset += chunk.byteLength
          onProgress?.({ phase: 'application', done: offset, total })
        }
      } catch (err) {
        if (attempt === 4) throw err
      }
    }
    const wasm = concatBytes(...chunks)
    if (!equalBytes(sha256(wasm), appId)) throw new SyncError('the application received does not match its id')
    await this.r.c.applications.install(wasm)
    this.r.log.info('application fetched from a peer', { application: toHex(appId), bytes: wasm.byteLength })
  }

  /** Sends this node's own governance ops of a context directly to a peer (a joiner's claim). */
  async push (peer: string, ctx: Uint8Array, ops: GovOp[], asIdentity: KeyPair, claim?: OpenClaim): Promise<void> {
    for await (const _ of this.r.ask(peer, PROTOCOLS.push, ctx, [ops.map((o) => o.bytes), claim ?? null], asIdentity)) { /* ack */ }
  }

  /** Syncs a context with every connected member (used after start and by `moor context sync`). */
  async syncAll (ctx: Uint8Array, onProgress?: (p: SyncProgress) => void): Promise<void> {
    for (const peer of this.r.c.network.peers()) {
      try { await this.r.syncWith(peer, ctx, onProgress) } catch (err) { this.r.log.debug('sync attempt failed', { peer, error: (err as Error).message }) }
    }
  }
}
