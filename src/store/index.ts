// The node's one LMDB environment and its typed sub-databases. Keys are raw bytes
// (context id first, so a context's data is one key range); values are msgpack unless a
// database stores canonical bytes itself, except `state`, whose entities use the codec of
// entity-codec.ts.
import { open, type Database, type RootDatabase, type Transaction } from 'lmdb'

export type { Transaction } from 'lmdb'
import { mkdirSync } from 'node:fs'
import { SchemaVersionError, StoreClosedError } from '../errors/index.ts'
import { DATABASES, MAP_BYTES, SCHEMA_VERSION, type DatabaseName } from './constants.ts'
import { entityEncoder } from './entity-codec.ts'

export { SCHEMA_VERSION } from './constants.ts'

export interface StoreInit {
  path: string
  /** Skip fsync on commit (benchmarks of CPU cost only; never for a real node). */
  noSync?: boolean
}

export type Db = Database<any, Buffer>

export interface Store {
  readonly path: string
  readonly schemaVersion: number
  readonly db: Record<DatabaseName, Db>
  /** The `state` database read as its stored bytes, without the entity codec (a snapshot sends entities as they are stored). */
  readonly stateBytes: Db
  /**
   * Runs `fn` inside the next batched write transaction; resolves after the commit is
   * durable. `fn` must be synchronous; everything it writes commits together or not at all.
   */
  transaction<T> (fn: () => T): Promise<T>
  /**
   * Runs `fn` in a child of the current write transaction (call it inside `transaction`):
   * if `fn` throws, everything it wrote is rolled back and the error propagates.
   */
  atomic<T> (fn: () => T): T
  /**
   * Runs `fn` in a write transaction of its own, committed before this returns: it waits
   * for the write lock instead of joining the next batch, and so skips the batch's
   * hand-offs between threads. For small writes that should land at once (a delta
   * received by gossip); `flushed()` resolves once it is on disk, as for any commit.
   * Call it outside `transaction` (inside, it would be a child transaction, like `atomic`).
   */
  transactionSync<T> (fn: () => T): T
  /** A read transaction: one consistent view across many reads (pass as `transaction`); call done(). */
  readSnapshot (): Transaction
  /** Resolves once everything written so far is committed. */
  flushed (): Promise<void>
  close (): Promise<void>
}

export function openStore (init: StoreInit): Store {
  mkdirSync(init.path, { recursive: true, mode: 0o700 })
  const root: RootDatabase = open({
    path: init.path,
    maxDbs: 32,
    noSync: init.noSync === true,
    // Reads within one transaction must see its own writes; no write-through cache.
    cache: false,
    mapSize: MAP_BYTES
  })
  const db = {} as Record<DatabaseName, Db>
  for (const name of DATABASES) {
    // Entities are written on every mutation: a compact codec of their own, not msgpack
    // (lmdb-js takes `encoder` as a database option; its typings omit it).
    const options = name === 'state' ? { name, keyEncoding: 'binary' as const, encoder: entityEncoder } : { name, keyEncoding: 'binary' as const }
    db[name] = root.openDB(options) as Db
  }
  checkSchema(root, db.meta, init.path)
  const stateBytes = root.openDB({ name: 'state', keyEncoding: 'binary', encoding: 'binary' }) as Db
  let closed = false
  return {
    path: init.path,
    schemaVersion: SCHEMA_VERSION,
    db,
    stateBytes,
    transaction<T> (fn: () => T): Promise<T> {
      if (closed) return Promise.reject(new StoreClosedError('the store is closed'))
      return root.transaction(fn) as Promise<T>
    },
    readSnapshot () {
      return root.useReadTransaction()
    },
    atomic<T> (fn: () => T): T {
      return root.transactionSync(fn) as T
    },
    transactionSync<T> (fn: () => T): T {
      if (closed) throw new StoreClosedError('the store is closed')
      return root.transactionSync(fn) as T
    },
    async flushed () {
      await root.flushed
    },
    async close () {
      if (closed) return
      closed = true
      await root.flushed
      await root.close()
    }
  }
}

const VERSION_KEY = Buffer.from('schemaVersion')

function checkSchema (root: RootDatabase, meta: Db, path: string): void {
  const found = meta.get(VERSION_KEY) as number | undefined
  if (found === undefined) {
    root.transactionSync(() => { meta.putSync(VERSION_KEY, SCHEMA_VERSION) })
    return
  }
  if (found !== SCHEMA_VERSION) {
    void root.close()
    throw new SchemaVersionError(`store at ${path} has schema version ${found}; this build reads version ${SCHEMA_VERSION}`, {
      hint: found > SCHEMA_VERSION ? 'upgrade moorage to open this store' : 'migrate the store, or start from a new home'
    })
  }
}

/** Concatenates key parts (ids are fixed-length, so keys of one layout never collide). */
export function key (...parts: Uint8Array[]): Buffer {
  return Buffer.concat(parts)
}

/** [start, end) bounds of every key that begins with `prefix`. */
export function prefixRange (prefix: Uint8Array): { start: Buffer, end: Buffer } {
  const end = Buffer.from(prefix)
  let i = end.length - 1
  while (i >= 0 && end[i] === 0xff) i--
  if (i < 0) return { start: Buffer.from(prefix), end: Buffer.alloc(prefix.length + 1, 0xff) }
  const upper = end.subarray(0, i + 1)
  upper[i] = upper[i]! + 1
  return { start: Buffer.from(prefix), end: Buffer.from(upper) }
}
