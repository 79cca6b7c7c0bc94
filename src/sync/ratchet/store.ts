// The ratchet key store: the generation secrets a node holds (docs/encryption.md), in an
// LMDB env of its own (<home>/ratchet/keys.mdb), each sealed under the node's sealing key.
// LMDB reuses the pages of deleted records but leaves their bytes in the file until they
// are written over, so the store is compacted after every deletion: the live records are
// written to a fresh file, which replaces the old one. The records are few (a handful of
// generations per context), so that is cheap.
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
const aad = (key: string): Uint8Array => utf8(`moorage:ratchet-store:v1:${key}`)
const keyOf = (g: Pick<StoredGeneration, 'ctx' | 'epoch' | 'id'>): string => `${g.ctx}/${g.epoch}/${g.id}`

export class RatchetStore implements GenerationStore {
  private readonly dir: string
  private readonly sealing: Uint8Array
  /** Every live record (sealed), by key: what a compaction writes out. */
  private readonly records = new Map<string, Uint8Array>()
  private root: RootDatabase
  private db: Database<Uint8Array, string>
  private compaction: Promise<void> | undefined
  private again = false
  private closed = false

  constructor (dir: string, sealing: Uint8Array) {
    this.dir = dir
    this.sealing = sealing
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    this.root = openLmdb({ path: join(dir, FILE), encoding: 'binary' })
    this.db = this.root.openDB<Uint8Array, string>({ name: 'generations', encoding: 'binary' })
    for (const { key, value } of this.db.getRange()) this.records.set(key, value)
  }

  list (ctx: string, epoch: string): StoredGeneration[] {
    const prefix = `${ctx}/${epoch}/`
    const out: StoredGeneration[] = []
    for (const [key, sealed] of this.records) {
      if (!key.startsWith(prefix)) continue
      const [n, secret, since] = decode(open(this.sealing, sealed, aad(key))) as [number, Uint8Array, number]
      out.push({ ctx, epoch, id: key.slice(prefix.length), n, secret, since })
    }
    return out
  }

  put (g: StoredGeneration): void {
    const key = keyOf(g)
    const sealed = seal(this.sealing, encode([g.n, g.secret, g.since]), aad(key))
    this.records.set(key, sealed)
    if (this.compaction === undefined && !this.closed) this.db.putSync(key, sealed)
    else this.again = true
  }

  drop (ctx: string, epoch?: string, id?: string): void {
    const prefix = epoch === undefined ? `${ctx}/` : id === undefined ? `${ctx}/${epoch}/` : keyOf({ ctx, epoch, id })
    const keys = [...this.records.keys()].filter((k) => id === undefined ? k.startsWith(prefix) : k === prefix)
    if (keys.length === 0) return
    for (const k of keys) this.records.delete(k)
    void this.compact()
  }

  /** Replaces the file with one holding the live records only; resolves once done. */
  async compact (): Promise<void> {
    if (this.closed) return
    if (this.compaction !== undefined) {
      this.again = true
      return await this.compaction
    }
    this.compaction = this.rewrite().finally(() => { this.compaction = undefined })
    await this.compaction
    if (this.again && !this.closed) {
      this.again = false
      await this.compact()
    }
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

  private async rewrite (): Promise<void> {
    const fresh = join(this.dir, `${FILE}.compact`)
    rmSync(fresh, { force: true })
    rmSync(`${fresh}-lock`, { force: true })
    const next = openLmdb({ path: fresh, encoding: 'binary' })
    const db = next.openDB<Uint8Array, string>({ name: 'generations', encoding: 'binary' })
    next.transactionSync(() => { for (const [k, v] of this.records) db.putSync(k, v) })
    await next.close()
    await this.root.close()
    renameSync(fresh, join(this.dir, FILE))
    rmSync(`${fresh}-lock`, { force: true })
    this.root = openLmdb({ path: join(this.dir, FILE), encoding: 'binary' })
    this.db = this.root.openDB<Uint8Array, string>({ name: 'generations', encoding: 'binary' })
    // Records put while the file was being replaced.
    if (this.again) this.root.transactionSync(() => { for (const [k, v] of this.records) this.db.putSync(k, v) })
  }
}
