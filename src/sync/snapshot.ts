// State snapshots for fresh joiners (or nodes too far behind): the context's entities,
// its children index and the ids of every delta applied, in pages. The importer checks
// the whole Merkle structure — every entity's hash, every accumulator, the root hash —
// before it writes anything, so a peer cannot slip in a state that does not match the
// root hash it announces. Deltas named in the snapshot are recorded as known (without
// bodies), so later deltas building on them apply normally.
//
// The metadata the root hash does not cover — heads, delta count, HLC — is covered by a
// statement the exporting member signs with its context identity (`statementBytes`); the
// importer checks the signature, that the signer is a member, that the heads are among the
// snapshot's delta ids, that the HLC is within the clock drift bound and that no entity
// carries a stamp later than it. A lying member is then at least accountable, and cannot
// push a joiner's clock into the far future.
//
// Pages carry their items packed (see SnapshotPage), entities in the store's own codec:
// the exporter sends the stored bytes as they are, the importer checks each page as it
// arrives (while the next one is on the wire) and keeps it as it came, and the write puts
// the checked bytes without encoding them again. 10⁶ entities as objects held until the
// last page made the import spend most of its time in the garbage collector.
import { decode, encode } from 'cborg'
import { asBinary } from 'lmdb'
import { compareBytes, equalBytes, toHex } from '../crypto/bytes.ts'
import { sign, verify, type KeyPair } from '../crypto/ed25519.ts'
import { InvalidDeltaError } from '../errors/index.ts'
import { aheadReason } from '../state/hlc.ts'
import { accumulateChild, hashEntity, ZERO32, type Entity } from '../state/entity.ts'
import { rootId } from '../state/ids.ts'
import { CHILD_MARK } from '../state/overlay.ts'
import { decodePeerEntity } from '../store/entity-codec.ts'
import { key, prefixRange, type Store, type Transaction } from '../store/index.ts'
import type { DagInfo } from './dag.ts'

// Small enough that the exporter reads the next page while the importer checks this one.
export const PAGE_ITEMS = 4096
/** A page is cut once its items reach this many bytes (one item, at most a 4 MiB value, may pass it). */
export const PAGE_BYTES = 8 * 1024 * 1024

/** Where an export resumes: the phase and the last key sent in it. */
export interface SnapshotCursor {
  phase: 'state' | 'children' | 'ids' | 'end'
  after: Uint8Array | null
}

export interface SnapshotPage {
  cursor: SnapshotCursor
  /** Heads of the exporter when the page was read; a change means the pages mix versions. */
  heads: Uint8Array[]
  /** Items the whole snapshot holds (entities + children + delta ids), for progress. */
  total: number
  /** Entities in ascending id order, each `id (32) ‖ varint length ‖ the entity as stored` (src/store/entity-codec.ts). */
  state?: Uint8Array
  /** Children-index pairs in ascending order, each `parent id (32) ‖ child id (32)`. */
  children?: Uint8Array
  /** Ids of the deltas applied, ascending, 32 bytes each. */
  ids?: Uint8Array
  end?: { info: DagInfo, entities: number, children: number, deltas: number, statement?: SnapshotStatement }
}

/** An exporting member's signature over what the root hash does not cover. */
export interface SnapshotStatement {
  identity: Uint8Array
  signature: Uint8Array
}

/** Canonical bytes of the statement: CBOR ["moorage:snapshot:v1", context, root hash, sorted heads, count, hlc ms, hlc counter]. */
export function statementBytes (context: Uint8Array, info: DagInfo): Uint8Array {
  return encode(['moorage:snapshot:v1', context, info.rootHash, [...info.heads].sort(compareBytes), info.count, info.hlc.ms, info.hlc.c])
}

export interface VerifyOptions {
  /** Whether the identity that signed the statement is a member; a statement is then required. */
  isMember?: (identity: Uint8Array) => boolean
  /** Wall-clock time to judge the HLC against (default now). */
  now?: number
}

const PHASES: Array<SnapshotCursor['phase']> = ['state', 'children', 'ids', 'end']
const ID = 32
const PAIR = 64

/** Pages of a context's snapshot from `cursor` on, of at most `pageItems` items each. */
export function * exportSnapshot (store: Store, context: Uint8Array, from: SnapshotCursor = { phase: 'state', after: null }, signer?: KeyPair, pageItems = PAGE_ITEMS): Generator<SnapshotPage> {
  // One read transaction for the whole export: every page comes from the same version.
  const transaction = store.readSnapshot()
  try {
    yield * pages(store, context, from, transaction, signer, pageItems)
  } finally {
    transaction.done()
  }
}

function * pages (store: Store, context: Uint8Array, from: SnapshotCursor, transaction: Transaction, signer: KeyPair | undefined, pageItems: number): Generator<SnapshotPage> {
  const info = store.db.dag.get(Buffer.from(context), { transaction }) as DagInfo | undefined
  if (info === undefined) throw new InvalidDeltaError(`context ${toHex(context)} has no state to snapshot`)
  const counts = {
    entities: store.db.state.getKeysCount({ ...prefixRange(context), transaction }),
    children: store.db.children.getKeysCount({ ...prefixRange(context), transaction }),
    deltas: store.db.deltas.getKeysCount({ ...prefixRange(context), transaction })
  }
  const total = counts.entities + counts.children + counts.deltas
  const out = new PageWriter()
  for (let p = PHASES.indexOf(from.phase); p < PHASES.length; p++) {
    const phase = PHASES[p]!
    if (phase === 'end') {
      const statement = signer === undefined ? undefined : { identity: signer.publicKey, signature: sign(signer.secretKey, statementBytes(context, info)) }
      yield { cursor: { phase: 'end', after: null }, heads: info.heads, total, end: { info, ...counts, ...(statement !== undefined ? { statement } : {}) } }
      return
    }
    const range = prefixRange(context)
    const start = from.phase === phase && from.after !== null ? Buffer.concat([key(context, from.after), Buffer.from([0])]) : range.start
    let items = 0
    let lastKey: Buffer | null = null
    const flush = (): SnapshotPage => {
      const page: SnapshotPage = { cursor: { phase, after: lastKey === null ? null : new Uint8Array(lastKey.subarray(32)) }, heads: info.heads, total, [phase]: out.take() }
      items = 0
      return page
    }
    // Whether the page is full once `k` is in.
    const full = (k: Buffer): boolean => {
      lastKey = k
      return ++items >= pageItems || out.size >= PAGE_BYTES
    }
    if (phase === 'state') {
      // Entities as their stored bytes.
      for (const { key: k, value } of store.stateBytes.getRange({ start, end: range.end, transaction }) as Iterable<{ key: Buffer, value: Uint8Array }>) {
        out.keyTail(k)
        out.varint(value.byteLength)
        out.bytes(value)
        if (full(k)) yield flush()
      }
    } else {
      // The children index and the delta ids are their keys.
      for (const k of (phase === 'children' ? store.db.children : store.db.deltas).getKeys({ start, end: range.end, transaction }) as Iterable<Buffer>) {
        out.keyTail(k)
        if (full(k)) yield flush()
      }
    }
    if (items > 0) yield flush()
  }
}

/** A growing buffer the pages are packed into. */
class PageWriter {
  private buf = Buffer.allocUnsafe(1024 * 1024)
  size = 0

  private reserve (n: number): void {
    if (this.size + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.size + n))
    this.buf.copy(next, 0, 0, this.size)
    this.buf = next
  }

  bytes (b: Uint8Array): void {
    this.reserve(b.byteLength)
    this.buf.set(b, this.size)
    this.size += b.byteLength
  }

  /** A key without its 32-byte context prefix. */
  keyTail (k: Buffer): void {
    this.reserve(k.byteLength - 32)
    this.size += k.copy(this.buf, this.size, 32)
  }

  varint (n: number): void {
    this.reserve(5)
    while (n >= 0x80) {
      this.buf[this.size++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    this.buf[this.size++] = n
  }

  /** What was written since the last take; the writer goes on in a new buffer. */
  take (): Uint8Array {
    const page = this.buf.subarray(0, this.size)
    this.buf = Buffer.allocUnsafe(this.buf.length)
    this.size = 0
    return page
  }
}

export function encodePage (page: SnapshotPage): Uint8Array {
  return encode(page)
}

export function decodePage (bytes: Uint8Array): SnapshotPage {
  let v: unknown
  try {
    v = decode(bytes, { strict: true, allowUndefined: false, allowIndefinite: false, allowBigInt: true })
  } catch (err) {
    throw new InvalidDeltaError('malformed snapshot page', { details: (err as Error).message, cause: err })
  }
  const why = pageFault(v)
  if (why !== undefined) throw new InvalidDeltaError('malformed snapshot page', { details: why })
  return v as SnapshotPage
}

// Shape checks of a page from a peer, so that importing and verifying it only meet the
// types they expect (what the items mean is checked by SnapshotImport).
const isBytes = (x: unknown): x is Uint8Array => x instanceof Uint8Array
const isId = (x: unknown): boolean => isBytes(x) && x.byteLength === ID
const isCount = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0
const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x) && !isBytes(x)
const isList = (x: unknown, each: (y: unknown) => boolean): boolean => Array.isArray(x) && x.every(each)
const optional = (x: unknown, check: (y: unknown) => boolean): boolean => x === undefined || check(x)
const nullable = (x: unknown, check: (y: unknown) => boolean): boolean => x === null || check(x)
const packedOf = (size: number) => (x: unknown): boolean => isBytes(x) && x.byteLength % size === 0

function pageFault (v: unknown): string | undefined {
  if (!isObject(v)) return 'a page is a map'
  const cursor = v.cursor
  if (!isObject(cursor) || !PHASES.includes(cursor.phase as SnapshotCursor['phase']) || !nullable(cursor.after, isBytes)) return 'the cursor is malformed'
  if (!isList(v.heads, isId) || !isCount(v.total)) return 'heads or total are malformed'
  if (!optional(v.state, isBytes)) return 'the entities are not a byte string'
  if (!optional(v.children, packedOf(PAIR))) return 'the children index is not a byte string of 64-byte pairs'
  if (!optional(v.ids, packedOf(ID))) return 'the delta ids are not a byte string of 32-byte ids'
  const end = v.end
  if (end === undefined) return undefined
  if (!isObject(end) || !isCount(end.entities) || !isCount(end.children) || !isCount(end.deltas)) return 'the end counts are malformed'
  const info = end.info
  if (!isObject(info) || !isList(info.heads, isId) || !isCount(info.count) || !isId(info.rootHash) || !isObject(info.hlc) || !isCount(info.hlc.ms) || !isCount(info.hlc.c)) return 'the end info is malformed'
  if (!optional(end.statement, (x) => isObject(x) && isId(x.identity) && isBytes(x.signature))) return 'the statement is malformed'
  return undefined
}

/** One packed entity of a page: its id and its stored bytes (views into the page). */
interface PackedEntity { id: Uint8Array, bytes: Uint8Array }

/** The entities of a page's `state`, in order; throws InvalidDeltaError on a malformed one. */
function * packedEntities (state: Uint8Array): Generator<PackedEntity> {
  let at = 0
  while (at < state.byteLength) {
    if (at + ID + 1 > state.byteLength) throw new InvalidDeltaError('malformed snapshot page', { details: 'an entity is cut short' })
    const id = state.subarray(at, at + ID)
    at += ID
    let n = 0
    for (let shift = 0; ; shift += 7) {
      if (at >= state.byteLength || shift > 28) throw new InvalidDeltaError('malformed snapshot page', { details: 'an entity length is malformed' })
      const x = state[at++]!
      n += (x & 0x7f) * 2 ** shift
      if (x < 0x80) break
    }
    if (at + n > state.byteLength) throw new InvalidDeltaError('malformed snapshot page', { details: 'an entity is cut short' })
    yield { id, bytes: state.subarray(at, at + n) }
    at += n
  }
}

/** An entity from a peer, decoded strictly (the bytes stored are exactly those decoded and checked). */
function peerEntity (bytes: Uint8Array): Entity {
  let e: Entity
  try {
    e = decodePeerEntity(bytes)
  } catch (err) {
    throw new InvalidDeltaError('malformed snapshot page', { details: `an entity does not decode: ${(err as Error).message}`, cause: err })
  }
  if ((e.p !== null && e.p.byteLength !== ID) || e.acc.byteLength !== ID || e.h.byteLength !== ID) throw new InvalidDeltaError('malformed snapshot page', { details: 'an entity field has the wrong size' })
  return e
}

/**
 * Compares the 32 bytes of `a` at `ai` with those of `b` at `bi` (-1, 0, 1): on the
 * import's hot paths a loop costs a fraction of Buffer#compare with offsets, whose
 * argument checks cost more than the comparison itself.
 */
function compare32 (a: Uint8Array, ai: number, b: Uint8Array, bi: number): number {
  for (let i = 0; i < ID; i++) {
    const x = a[ai + i]!
    const y = b[bi + i]!
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

/** The same for 64 bytes (children-index pairs). */
function compare64 (a: Uint8Array, ai: number, b: Uint8Array, bi: number): number {
  return compare32(a, ai, b, bi) || compare32(a, ai + ID, b, bi + ID)
}

// Per entity, what the cross-checks need once its page is checked: a fixed record.
const R_ID = 0
const R_PARENT = 32
const R_HASH = 64
const R_ACC = 96
const RECORD = 128
const HAS_PARENT = 1
/** Listed in the children index under its parent. */
const LISTED = 2
/** Its accumulator matched its listed children. */
const ACC_CHECKED = 4

/**
 * Collects and checks pages as they come; `verify` then `write` once the `end` page
 * arrived. Each page is checked when added — items in ascending order (no duplicates),
 * every entity in its canonical stored form and matching its hash, every children-index
 * pair naming existing entities of that parent, summed into the parent's accumulator —
 * and kept as it came; what needs the whole snapshot (counts, accumulators of entities
 * without children, the root hash, the statement) is checked by `verify`. Nothing is
 * written before `verify` passed.
 */
export class SnapshotImport {
  readonly context: Uint8Array
  /** Per entity, ascending by id: id, parent, hash, accumulator (RECORD bytes each). */
  private records = Buffer.allocUnsafe(RECORD * 1024)
  private flags = new Uint8Array(1024)
  private count = 0
  private readonly statePages: Uint8Array[] = []
  private readonly childPages: Buffer[] = []
  private readonly idPages: Buffer[] = []
  private pairs = 0
  private idCount = 0
  private lastPair: Uint8Array | null = null
  private lastId: Uint8Array | null = null
  /** The parent whose children are being summed (pairs come grouped by parent), and the sum. */
  private group: { parent: Uint8Array, sum: Uint8Array } | null = null
  /** The latest stamp any entity carries (ms, counter). */
  private latest = { ms: -1, c: -1 }
  private phase = 0
  private heads: Uint8Array[] | undefined
  cursor: SnapshotCursor = { phase: 'state', after: null }
  end: SnapshotPage['end']

  constructor (context: Uint8Array) {
    this.context = context
  }

  get received (): number {
    return this.count + this.pairs + this.idCount
  }

  /**
   * Adds a page, checking what it can be checked against (throws InvalidDeltaError);
   * returns false when the exporter's heads changed (start over).
   */
  add (page: SnapshotPage): boolean {
    if (this.heads !== undefined && page.heads.map(toHex).join() !== this.heads.map(toHex).join()) return false
    this.heads = page.heads
    if (page.state !== undefined) this.addState(page.state)
    if (page.children !== undefined) this.addChildren(page.children)
    if (page.ids !== undefined) this.addIds(page.ids)
    if (page.end !== undefined) this.end = page.end
    this.cursor = page.cursor
    return true
  }

  /** Phases come in order: entities, then the children index (it is checked against them), then ids. */
  private enter (phase: number): void {
    if (phase < this.phase) throw new InvalidDeltaError('snapshot pages out of order', { details: `${PHASES[phase]!} items after ${PHASES[this.phase]!} items` })
    this.phase = phase
  }

  private addState (state: Uint8Array): void {
    this.enter(0)
    for (const { id, bytes } of packedEntities(state)) {
      const last = this.count - 1
      if (last >= 0 && compare32(this.records, last * RECORD, id, 0) >= 0) throw new InvalidDeltaError('snapshot entities are not in ascending order')
      const e = peerEntity(bytes)
      if (!equalBytes(hashEntity(e), e.h)) throw new InvalidDeltaError(`snapshot entity ${toHex(id).slice(0, 12)} does not match its hash`)
      for (const stamp of [e.ts, e.rts, e.at]) if (stamp instanceof Uint8Array && stamp.byteLength >= 12) this.noteStamp(stamp)
      this.grow()
      const at = this.count * RECORD
      this.records.set(id, at + R_ID)
      if (e.p !== null) this.records.set(e.p, at + R_PARENT)
      this.records.set(e.h, at + R_HASH)
      this.records.set(e.acc, at + R_ACC)
      this.flags[this.count] = e.p !== null ? HAS_PARENT : 0
      this.count++
    }
    this.statePages.push(state)
  }

  private grow (): void {
    if (this.count < this.flags.length) return
    const records = Buffer.allocUnsafe(this.records.length * 2)
    this.records.copy(records)
    this.records = records
    const flags = new Uint8Array(this.flags.length * 2)
    flags.set(this.flags)
    this.flags = flags
  }

  /** A stamp's clock: 8 bytes ms, 4 bytes counter, big-endian (ids.ts). */
  private noteStamp (s: Uint8Array): void {
    const u32 = (i: number): number => ((s[i]! << 24) >>> 0) + (s[i + 1]! << 16) + (s[i + 2]! << 8) + s[i + 3]!
    const ms = u32(0) * 0x1_0000_0000 + u32(4)
    const c = u32(8)
    if (ms > this.latest.ms || (ms === this.latest.ms && c > this.latest.c)) this.latest = { ms, c }
  }

  /**
   * Index of the entity `id` (bytes `from`…`from + 32` of `bytes`) among those received,
   * or -1; `hint` is tried first (the children of one parent come in ascending order, so
   * often in the entities' own order).
   */
  private find (id: Uint8Array, from = 0, hint = -1): number {
    if (hint >= 0 && hint < this.count && compare32(this.records, hint * RECORD, id, from) === 0) return hint
    let lo = 0
    let hi = this.count - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const c = compare32(this.records, mid * RECORD, id, from)
      if (c === 0) return mid
      if (c > 0) hi = mid - 1
      else lo = mid + 1
    }
    return -1
  }

  private addChildren (children: Uint8Array): void {
    this.enter(1)
    const page = Buffer.from(children.buffer, children.byteOffset, children.byteLength)
    if (page.byteLength > 0 && this.lastPair !== null && compare64(page, 0, this.lastPair, 0) <= 0) throw new InvalidDeltaError('snapshot children index is not in ascending order')
    let hint = -1
    for (let at = 0; at < page.byteLength; at += PAIR) {
      if (at > 0 && compare64(page, at, page, at - PAIR) <= 0) throw new InvalidDeltaError('snapshot children index is not in ascending order')
      const i = this.find(page, at + ID, hint)
      if (i < 0 || (this.flags[i]! & HAS_PARENT) === 0 || compare32(this.records, i * RECORD + R_PARENT, page, at) !== 0) {
        throw new InvalidDeltaError('snapshot children index names a missing or foreign entity')
      }
      if (this.group === null || compare32(page, at, this.group.parent, 0) !== 0) {
        this.closeGroup()
        this.group = { parent: new Uint8Array(page.subarray(at, at + ID)), sum: new Uint8Array(ZERO32) }
      }
      accumulateChild(this.group.sum, page.subarray(at + ID, at + PAIR), this.records.subarray(i * RECORD + R_HASH, i * RECORD + R_HASH + ID), null)
      this.flags[i]! |= LISTED
      this.pairs++
      hint = i + 1
    }
    if (page.byteLength > 0) this.lastPair = new Uint8Array(page.subarray(page.byteLength - PAIR))
    this.childPages.push(page)
  }

  /** The summed children of one parent must be its accumulator. */
  private closeGroup (): void {
    const g = this.group
    if (g === null) return
    this.group = null
    const j = this.find(g.parent)
    if (j < 0) throw new InvalidDeltaError('snapshot children index names a missing parent')
    if (compare32(this.records, j * RECORD + R_ACC, g.sum, 0) !== 0) throw new InvalidDeltaError(`snapshot entity ${toHex(g.parent).slice(0, 12)} does not match its children`)
    this.flags[j]! |= ACC_CHECKED
  }

  private addIds (ids: Uint8Array): void {
    this.enter(2)
    const page = Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength)
    for (let at = 0; at < page.byteLength; at += ID) {
      const ascending = at > 0 ? compare32(page, at, page, at - ID) > 0 : this.lastId === null || compare32(page, 0, this.lastId, 0) > 0
      if (!ascending) throw new InvalidDeltaError('snapshot delta ids are not in ascending order')
    }
    if (page.byteLength > 0) this.lastId = new Uint8Array(page.subarray(page.byteLength - ID))
    this.idCount += page.byteLength / ID
    this.idPages.push(page)
  }

  /**
   * The checks that need the whole snapshot: the counts, every accumulator, every entity
   * under the root, the root hash, and the metadata against the exporter's statement (see
   * the top of this file); throws InvalidDeltaError.
   */
  verify (options: VerifyOptions = {}): void {
    const end = this.end
    if (end === undefined) throw new InvalidDeltaError('snapshot is incomplete')
    if (end.entities !== this.count || end.children !== this.pairs || end.deltas !== this.idCount) {
      throw new InvalidDeltaError('snapshot counts do not match its pages')
    }
    this.verifyMetadata(end, options)
    this.closeGroup()
    const root = rootId(this.context)
    for (let i = 0; i < this.count; i++) {
      const at = i * RECORD
      const f = this.flags[i]!
      if ((f & ACC_CHECKED) === 0 && compare32(this.records, at + R_ACC, ZERO32, 0) !== 0) throw new InvalidDeltaError(`snapshot entity ${toHex(this.records.subarray(at, at + 12))} does not match its children`)
      // Every entity hangs under the root (so the root hash covers it): listed under its
      // parent, or the root itself.
      if ((f & HAS_PARENT) !== 0 ? (f & LISTED) === 0 : compare32(this.records, at, root, 0) !== 0) throw new InvalidDeltaError(`snapshot entity ${toHex(this.records.subarray(at, at + 12))} is not under the root`)
    }
    const r = this.find(root)
    if (r < 0 || compare32(this.records, r * RECORD + R_HASH, end.info.rootHash, 0) !== 0) throw new InvalidDeltaError('snapshot does not produce the announced root hash')
  }

  private verifyMetadata (end: NonNullable<SnapshotPage['end']>, options: VerifyOptions): void {
    const info = end.info
    if (options.isMember !== undefined) {
      const st = end.statement
      if (st === undefined || !(st.identity instanceof Uint8Array) || !(st.signature instanceof Uint8Array)) throw new InvalidDeltaError('snapshot carries no statement signed by a member')
      if (!verify(st.identity, statementBytes(this.context, info), st.signature)) throw new InvalidDeltaError('snapshot statement does not verify against its signer')
      if (!options.isMember(st.identity)) throw new InvalidDeltaError(`snapshot statement is signed by ${toHex(st.identity).slice(0, 12)}, not a member`)
    }
    if (!info.heads.every((h) => this.hasId(h))) throw new InvalidDeltaError('snapshot heads are not among its delta ids')
    const ahead = aheadReason(info.hlc, options.now)
    if (ahead !== null) throw new InvalidDeltaError(`snapshot refused: ${ahead}`)
    if (this.latest.ms > info.hlc.ms || (this.latest.ms === info.hlc.ms && this.latest.c > info.hlc.c)) throw new InvalidDeltaError('snapshot has an entity that carries a stamp later than the snapshot\'s clock')
  }

  /** Whether `id` is among the delta ids (each page ascending, and the pages in order). */
  private hasId (id: Uint8Array): boolean {
    for (const page of this.idPages) {
      const n = page.byteLength / ID
      if (n === 0 || Buffer.compare(id, page.subarray((n - 1) * ID)) > 0) continue
      let lo = 0
      let hi = n - 1
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1
        const c = Buffer.compare(id, page.subarray(mid * ID, mid * ID + ID))
        if (c === 0) return true
        if (c > 0) lo = mid + 1
        else hi = mid - 1
      }
      return false
    }
    return false
  }

  /** Replaces the context's state and DAG with the snapshot (inside a transaction; after `verify`). */
  write (store: Store): void {
    const ctx = this.context
    for (const name of ['state', 'children', 'pending', 'waiting'] as const) {
      for (const k of [...store.db[name].getKeys(prefixRange(ctx))]) store.db[name].remove(k)
    }
    // One key buffer per layout, reused: lmdb-js copies a key as it writes it.
    const k2 = Buffer.concat([ctx, new Uint8Array(ID)])
    const k3 = Buffer.concat([ctx, new Uint8Array(PAIR)])
    // The entities' bytes were checked to be their stored form: put as they are.
    for (const page of this.statePages) {
      for (const { id, bytes } of packedEntities(page)) {
        k2.set(id, 32)
        store.db.state.put(k2, asBinary(bytes))
      }
    }
    for (const page of this.childPages) {
      for (let at = 0; at < page.byteLength; at += PAIR) {
        page.copy(k3, 32, at, at + PAIR)
        store.db.children.put(k3, CHILD_MARK)
      }
    }
    const known = new Uint8Array(0)
    // A delta's body, where this node has one, is kept: looked up only if it has any.
    const bodies = [...store.db.deltas.getKeys({ ...prefixRange(ctx), limit: 1 })].length > 0
    for (const page of this.idPages) {
      for (let at = 0; at < page.byteLength; at += ID) {
        page.copy(k2, 32, at, at + ID)
        if (!bodies || !store.db.deltas.doesExist(k2)) store.db.deltas.put(k2, known)
      }
    }
    const info = this.end!.info
    store.db.dag.put(Buffer.from(ctx), { heads: [...info.heads].sort(compareBytes), count: this.idCount, rootHash: info.rootHash, hlc: info.hlc } satisfies DagInfo)
  }
}
