// The ratchet key store: the generation secrets a node holds (docs/encryption.md), in an
// LMDB env of its own (<home>/ratchet/keys.mdb), each sealed under the node's sealing key.
// LMDB reuses the pages of deleted records but leaves their bytes in the file until they
// are written over, so the store is compacted after every deletion: the live records are
// written to a fresh file, which replaces the old one. The records are few (a handful of
// generations per context), so that is cheap. They are read from the file as asked for;
// only while a compaction runs are they all in memory.
import { mkdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { decode, encode } from 'cborg'
import { open as openLmdb, type Database, type RootDatabase } from 'lmdb'
import { utf8 } from '../../crypto/bytes.ts'
import { open, seal } from '../../crypto/secretbox.ts'

/** A generation secret as stored: hex ids of its context, epoch and generation ('' for the first). */
export interface StoredGeneration {
  ctx: string
  epoch: string
  id: string
  n: number
  /** Empty for the first generation, whose secret is the epoch secret itself. */
  secret: Uint8Array
  /** When this node first held it (ms): the age a scheduled rotation counts from. */
  since: number
}

/** What the ratchets need of a store (the tests use one in memory). */
export interface GenerationStore {
  list: (ctx: string, epoch: string) => StoredGeneration[]
  put: (g: StoredGeneration) => void
  /** Drops one generation, every generation of the epoch when `id` is undefined, or of the context when `epoch` is too. */
  drop: (ctx: string, epoch?: string, id?: string) => void
}

const FILE = 'keys.mdb'
/** Mapped from the start (as MAP_BYTES in src/store/constants.ts): one map, not one more per doubling of the file. */
const MAP_BYTES = 1024 ** 3
const aad = (key: string): Uint8Array => utf8(`moorage:ratchet-store:v1:${key}`)
const keyOf = (g: Pick<StoredGeneration, 'ctx' | 'epoch' | 'id'>): string => `${g.ctx}/${g.epoch}/${g.id}`

export class RatchetStore implements GenerationStore {
  private readonly dir: string
  private readonly sealing: Uint8Array
  /** While compactions run: every live record (sealed), by key — what they write out, and what is read meanwhile. */
  private records: Map<string, Uint8Array> | undefined
  private root: RootDatabase
  private db: Database<Uint8Array, string>
  private compaction: Promise<void> | undefined
  private again = false
  private closed = false

  constructor (dir: string, sealing: Uint8Array) {
    this.dir = dir
    this.sealing = sealing
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    this.root = openLmdb({ path: join(dir, FILE), encoding: 'binary', mapSize: MAP_BYTES })
    this.db = this.root.openDB<Uint8Array, string>({ name: 'generations', encoding: 'binary' })
  }

  /** The records whose keys start with `prefix`. */
  private under (prefix: string): Array<[string, Uint8Array]> {
    if (this.records !== undefined) return [...this.records].filter(([k]) => k.startsWith(prefix))
    return [...this.db.getRange({ start: prefix, end: `${prefix}\uffff` })].map(({ key, value }) => [key, value])
  }

  list (ctx: string, epoch: string): StoredGeneration[] {
    const prefix = `${ctx}/${epoch}/`
    const out: StoredGeneration[] = []
    for (const [key, sealed] of this.under(prefix)) {
      const [n, secret, since] = decode(open(this.sealing, sealed, aad(key))) as [number, Uint8Array, number]
      out.push({ ctx, epoch, id: key.slice(prefix.length), n, secret, since })
    }
    return out
  }

  put (g: StoredGeneration): void {
    const key = keyOf(g)
    const sealed = seal(this.sealing, encode([g.n, g.secret, g.since]), aad(key))
    if (this.records !== undefined) {
      this.records.set(key, sealed)
      this.again = true
    } else if (!this.closed) {
      this.db.putSync(key, sealed)
    }
  }

  drop (ctx: string, epoch?: string, id?: string): void {
    const prefix = epoch === undefined ? `${ctx}/` : id === undefined ? `${ctx}/${epoch}/` : keyOf({ ctx, epoch, id })
    const keys = this.under(prefix).map(([k]) => k).filter((k) => id === undefined || k === prefix)
    if (keys.length === 0) return
    if (this.records !== undefined) {
      for (const k of keys) this.records.delete(k)
    } else if (!this.closed) {
      this.db.transactionSync(() => { for (const k of keys) this.db.removeSync(k) })
    }
    void this.compact()
  }

  /** Replaces the file with one holding the live records only; resolves once done. */
  async compact (): Promise<void> {
    if (this.closed) return
    if (this.compaction !== undefined) {
      this.again = true
      return await this.compaction
    }
    this.records ??= new Map([...this.db.getRange()].map(({ key, value }) => [key, value]))
    this.compaction = this.rewrite(this.records).finally(() => { this.compaction = undefined })
    await this.compaction
    if (this.again && !this.closed) {
      this.again = false
      await this.compact()
      return
    }
    // The file holds every live record now: they are read from it again.
    if (this.compaction === undefined) this.records = undefined
  }

  /** Resolves once no compaction is under way (tests, shutdown). */
  async settled (): Promise<void> {
    while (this.compaction !== undefined) await this.compaction
  }

  async close (): Promise<void> {
    await this.settled()
    if (this.closed) return
    this.closed = true
    await this.root.close()
  }

  private async rewrite (records: Map<string, Uint8Array>): Promise<void> {
    const fresh = join(this.dir, `${FILE}.compact`)
    rmSync(fresh, { force: true })
    rmSync(`${fresh}-lock`, { force: true })
    const next = openLmdb({ path: fresh, encoding: 'binary', mapSize: MAP_BYTES })
    const db = next.openDB<Uint8Array, string>({ name: 'generations', encoding: 'binary' })
    next.transactionSync(() => { for (const [k, v] of records) db.putSync(k, v) })
    await next.close()
    await this.root.close()
    renameSync(fresh, join(this.dir, FILE))
    rmSync(`${fresh}-lock`, { force: true })
    this.root = openLmdb({ path: join(this.dir, FILE), encoding: 'binary', mapSize: MAP_BYTES })
    this.db = this.root.openDB<Uint8Array, string>({ name: 'generations', encoding: 'binary' })
    // Records put while the file was being replaced.
    if (this.again) this.root.transactionSync(() => { for (const [k, v] of records) this.db.putSync(k, v) })
  }
}
