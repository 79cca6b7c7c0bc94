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
import { KINDS } from '../state/types.ts'
import { decode, encode } from 'cborg'
import { compareBytes, equalBytes, toHex } from '../crypto/bytes.ts'
import { sign, verify, type KeyPair } from '../crypto/ed25519.ts'
import { InvalidDeltaError } from '../errors/index.ts'
import { aheadReason } from '../state/hlc.ts'
import { accumulate, contribution, fromStored, hashEntity, ZERO32, type Entity } from '../state/entity.ts'
import { rootId } from '../state/ids.ts'
import { key, prefixRange, type Store, type Transaction } from '../store/index.ts'
import type { DagInfo } from './dag.ts'

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
  state?: Array<[Uint8Array, Entity]>
  children?: Array<[Uint8Array, Uint8Array]>
  ids?: Uint8Array[]
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

/** Pages of a context's snapshot from `cursor` on. */
export function * exportSnapshot (store: Store, context: Uint8Array, from: SnapshotCursor = { phase: 'state', after: null }, signer?: KeyPair): Generator<SnapshotPage> {
  // One read transaction for the whole export: every page comes from the same version.
  const transaction = store.readSnapshot()
  try {
    yield * pages(store, context, from, transaction, signer)
  } finally {
    transaction.done()
  }
}

function * pages (store: Store, context: Uint8Array, from: SnapshotCursor, transaction: Transaction, signer?: KeyPair): Generator<SnapshotPage> {
  const info = store.db.dag.get(Buffer.from(context), { transaction }) as DagInfo | undefined
  if (info === undefined) throw new InvalidDeltaError(`context ${toHex(context)} has no state to snapshot`)
  const counts = {
    entities: store.db.state.getKeysCount({ ...prefixRange(context), transaction }),
    children: store.db.children.getKeysCount({ ...prefixRange(context), transaction }),
    deltas: store.db.deltas.getKeysCount({ ...prefixRange(context), transaction })
  }
  const total = counts.entities + counts.children + counts.deltas
  for (let p = PHASES.indexOf(from.phase); p < PHASES.length; p++) {
    const phase = PHASES[p]!
    if (phase === 'end') {
      const statement = signer === undefined ? undefined : { identity: signer.publicKey, signature: sign(signer.secretKey, statementBytes(context, info)) }
      yield { cursor: { phase: 'end', after: null }, heads: info.heads, total, end: { info, ...counts, ...(statement !== undefined ? { statement } : {}) } }
      return
    }
    const db = phase === 'state' ? store.db.state : phase === 'children' ? store.db.children : store.db.deltas
    const range = prefixRange(context)
    const start = from.phase === phase && from.after !== null ? Buffer.concat([key(context, from.after), Buffer.from([0])]) : range.start
    let items: Array<[Uint8Array, unknown]> = []
    let bytes = 0
    const flush = (last: Uint8Array): SnapshotPage => {
      const page: SnapshotPage = { cursor: { phase, after: last }, heads: info.heads, total }
      if (phase === 'state') page.state = items.map(([k, v]) => [k, defined(fromStored(v))])
      else if (phase === 'children') page.children = items.map(([k]) => [k.subarray(0, 32), k.subarray(32)])
      else page.ids = items.map(([k]) => k)
      items = []
      bytes = 0
      return page
    }
    let last: Uint8Array | null = null
    for (const { key: k, value } of db.getRange({ start, end: range.end, transaction })) {
      last = new Uint8Array((k as Buffer).subarray(32))
      items.push([last, phase === 'state' ? value : null])
      bytes += (k as Buffer).byteLength + (phase === 'state' ? sizeOf(value) : 0)
      if (items.length >= PAGE_ITEMS || bytes >= PAGE_BYTES) yield flush(last)
    }
    if (items.length > 0 && last !== null) yield flush(last)
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
// types they expect (what the values mean is checked by verify()).
const isBytes = (x: unknown): x is Uint8Array => x instanceof Uint8Array
const isId = (x: unknown): boolean => isBytes(x) && x.byteLength === 32
const isCount = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0
const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x) && !isBytes(x)
const isList = (x: unknown, each: (y: unknown) => boolean): boolean => Array.isArray(x) && x.every(each)
const optional = (x: unknown, check: (y: unknown) => boolean): boolean => x === undefined || check(x)
const nullable = (x: unknown, check: (y: unknown) => boolean): boolean => x === null || check(x)
const isShare = (x: unknown): boolean => Array.isArray(x) && x.length === 3 && isBytes(x[0]) && (typeof x[1] === 'number' || typeof x[1] === 'bigint') && (typeof x[2] === 'number' || typeof x[2] === 'bigint') && isCount(Number(x[1])) && isCount(Number(x[2]))
const ENTITY_TYPES = new Set<string>([...KINDS, 'value', 'tomb', 'elem', 'item'])

function entityFault (e: unknown): string | undefined {
  if (!isObject(e)) return 'an entity is not a map'
  if (typeof e.t !== 'string' || !ENTITY_TYPES.has(e.t)) return 'an entity has no known type'
  if (!nullable(e.p, isId) || !isBytes(e.k) || !nullable(e.ts, isBytes) || !nullable(e.v, isBytes) || !isId(e.acc) || !isId(e.h)) return 'an entity field has the wrong type'
  if (!optional(e.rv, (x) => nullable(x, isBytes)) || !optional(e.rts, (x) => nullable(x, isBytes)) || !optional(e.cnt, (x) => isList(x, isShare)) ||
    !optional(e.tags, (x) => isList(x, isBytes)) || !optional(e.after, (x) => nullable(x, isBytes)) || !optional(e.at, isBytes)) return 'an entity field has the wrong type'
  return undefined
}

function pageFault (v: unknown): string | undefined {
  if (!isObject(v)) return 'a page is a map'
  const cursor = v.cursor
  if (!isObject(cursor) || !PHASES.includes(cursor.phase as SnapshotCursor['phase']) || !nullable(cursor.after, isBytes)) return 'the cursor is malformed'
  if (!isList(v.heads, isId) || !isCount(v.total)) return 'heads or total are malformed'
  if (!optional(v.state, (x) => isList(x, (y) => Array.isArray(y) && y.length === 2 && isId(y[0]) && entityFault(y[1]) === undefined))) return 'a state item is malformed'
  if (!optional(v.children, (x) => isList(x, (y) => Array.isArray(y) && y.length === 2 && isId(y[0]) && isId(y[1])))) return 'a children item is malformed'
  if (!optional(v.ids, (x) => isList(x, isId))) return 'a delta id is malformed'
  const end = v.end
  if (end === undefined) return undefined
  if (!isObject(end) || !isCount(end.entities) || !isCount(end.children) || !isCount(end.deltas)) return 'the end counts are malformed'
  const info = end.info
  if (!isObject(info) || !isList(info.heads, isId) || !isCount(info.count) || !isId(info.rootHash) || !isObject(info.hlc) || !isCount(info.hlc.ms) || !isCount(info.hlc.c)) return 'the end info is malformed'
  if (!optional(end.statement, (x) => isObject(x) && isId(x.identity) && isBytes(x.signature))) return 'the statement is malformed'
  return undefined
}

/** Collects pages; `verify` then `write` once the `end` page arrived. */
export class SnapshotImport {
  readonly context: Uint8Array
  private readonly entities = new Map<string, [Uint8Array, Entity]>()
  private readonly childPairs: Array<[Uint8Array, Uint8Array]> = []
  private readonly ids: Uint8Array[] = []
  private heads: Uint8Array[] | undefined
  cursor: SnapshotCursor = { phase: 'state', after: null }
  end: SnapshotPage['end']

  constructor (context: Uint8Array) {
    this.context = context
  }

  get received (): number {
    return this.entities.size + this.childPairs.length + this.ids.length
  }

  /** Adds a page; returns false when the exporter's heads changed (start over). */
  add (page: SnapshotPage): boolean {
    if (this.heads !== undefined && page.heads.map(toHex).join() !== this.heads.map(toHex).join()) return false
    this.heads = page.heads
    for (const [id, e] of page.state ?? []) this.entities.set(toHex(id), [id, normalise(e)])
    this.childPairs.push(...(page.children ?? []))
    this.ids.push(...(page.ids ?? []))
    if (page.end !== undefined) this.end = page.end
    this.cursor = page.cursor
    return true
  }

  /**
   * Checks every hash against the announced root hash, and the metadata against the
   * exporter's statement (see the top of this file); throws InvalidDeltaError.
   */
  verify (options: VerifyOptions = {}): void {
    const end = this.end
    if (end === undefined) throw new InvalidDeltaError('snapshot is incomplete')
    if (end.entities !== this.entities.size || end.children !== this.childPairs.length || end.deltas !== this.ids.length) {
      throw new InvalidDeltaError('snapshot counts do not match its pages')
    }
    this.verifyMetadata(end, options)
    const sums = new Map<string, Uint8Array>()
    for (const [parent, child] of this.childPairs) {
      const c = this.entities.get(toHex(child))
      if (c === undefined || c[1].p === null || !equalBytes(c[1].p, parent)) throw new InvalidDeltaError('snapshot children index names a missing or foreign entity')
      const hex = toHex(parent)
      sums.set(hex, accumulate(sums.get(hex) ?? ZERO32, contribution(child, c[1].h), null))
    }
    for (const [hex, [, e]] of this.entities) {
      if (!equalBytes(hashEntity(e), e.h)) throw new InvalidDeltaError(`snapshot entity ${hex.slice(0, 12)} does not match its hash`)
      if (!equalBytes(sums.get(hex) ?? ZERO32, e.acc)) throw new InvalidDeltaError(`snapshot entity ${hex.slice(0, 12)} does not match its children`)
    }
    const root = this.entities.get(toHex(rootId(this.context)))
    if (root === undefined || !equalBytes(root[1].h, end.info.rootHash)) throw new InvalidDeltaError('snapshot does not produce the announced root hash')
  }

  private verifyMetadata (end: NonNullable<SnapshotPage['end']>, options: VerifyOptions): void {
    const info = end.info
    if (options.isMember !== undefined) {
      const st = end.statement
      if (st === undefined || !(st.identity instanceof Uint8Array) || !(st.signature instanceof Uint8Array)) throw new InvalidDeltaError('snapshot carries no statement signed by a member')
      if (!verify(st.identity, statementBytes(this.context, info), st.signature)) throw new InvalidDeltaError('snapshot statement does not verify against its signer')
      if (!options.isMember(st.identity)) throw new InvalidDeltaError(`snapshot statement is signed by ${toHex(st.identity).slice(0, 12)}, not a member`)
    }
    const ids = new Set(this.ids.map(toHex))
    if (!info.heads.every((h) => ids.has(toHex(h)))) throw new InvalidDeltaError('snapshot heads are not among its delta ids')
    const ahead = aheadReason(info.hlc, options.now)
    if (ahead !== null) throw new InvalidDeltaError(`snapshot refused: ${ahead}`)
    for (const [hex, [, e]] of this.entities) {
      for (const stamp of [e.ts, e.rts, e.at]) {
        if (stamp instanceof Uint8Array && stamp.byteLength >= 12 && compareStamp(stamp, info.hlc) > 0) throw new InvalidDeltaError(`snapshot entity ${hex.slice(0, 12)} carries a stamp later than the snapshot's clock`)
      }
    }
  }

  /** Replaces the context's state and DAG with the snapshot (inside a transaction). */
  write (store: Store): void {
    const ctx = this.context
    for (const name of ['state', 'children', 'pending', 'waiting'] as const) {
      for (const k of [...store.db[name].getKeys(prefixRange(ctx))]) store.db[name].remove(k)
    }
    for (const [id, e] of this.entities.values()) store.db.state.put(key(ctx, id), e)
    for (const [parent, child] of this.childPairs) store.db.children.put(key(ctx, parent, child), 1)
    const known = new Uint8Array(0)
    for (const id of this.ids) if (!store.db.deltas.doesExist(key(ctx, id))) store.db.deltas.put(key(ctx, id), known)
    const info = this.end!.info
    store.db.dag.put(Buffer.from(ctx), { heads: [...info.heads].sort(compareBytes), count: this.ids.length, rootHash: info.rootHash, hlc: info.hlc } satisfies DagInfo)
  }
}

/** About the encoded size of a stored entity: its byte fields plus a little per field. */
function sizeOf (v: unknown): number {
  if (v instanceof Uint8Array) return v.byteLength + 4
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + sizeOf(x), 4)
  if (v !== null && typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + sizeOf(x), 4)
  return 9
}

/** A stamp's clock (8 bytes ms, 4 bytes counter, big-endian; ids.ts) against a timestamp. */
function compareStamp (stamp: Uint8Array, t: DagInfo['hlc']): number {
  const dv = new DataView(stamp.buffer, stamp.byteOffset, 12)
  const ms = dv.getUint32(0) * 0x1_0000_0000 + dv.getUint32(4)
  return ms - t.ms || dv.getUint32(8) - t.c
}

/** CBOR has no `undefined` in strict mode: drop absent optional fields. */
function defined (e: Entity): Entity {
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as unknown as Entity
}

function normalise (e: Entity): Entity {
  if (e.cnt !== undefined) e.cnt = e.cnt.map(([a, p, n]) => [a, BigInt(p), BigInt(n)])
  return e
}
