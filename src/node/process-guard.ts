// The last line of defence of a node process: a rejection nobody handled or an exception
// nobody caught. Every background task should have an owner that logs its failure; when
// one slips through anyway, the process must not die of it while it serves other contexts
// and clients. The guard logs it in full (it is a bug) and keeps serving — unless the
// error says the store itself is broken (LMDB reports corruption, a full map or disk, an
// I/O error, or the store is closed while the node is not stopping): then no write can be
// trusted any more, and the guard asks the process to stop cleanly, with that message.
// A closed store while the node is stopping is the expected race of a late background
// task at shutdown: logged, not fatal.

import { StoreClosedError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'

export interface ProcessGuardInit {
  logger: Logger
  /** True once the node has begun to stop. */
  stopping: () => boolean
  /** The store is broken: stop the node cleanly and exit non-zero. Called once. */
  onFatal: (reason: string) => void
}

/** LMDB return codes after which the environment cannot be trusted. */
const LMDB_FATAL = /\bMDB_(PANIC|CORRUPTED|MAP_FULL|MAP_RESIZED|VERSION_MISMATCH|INVALID|PAGE_NOTFOUND|TLS_FULL|BAD_RSLOT|BAD_TXN|READERS_FULL)\b/
/** System errors of the store's files: the disk, not the request. */
const FILE_FATAL = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS'])
/** How lmdb-js says its environment is closed. */
const LMDB_CLOSED = /Database is closed|from a closed database|environment is closed/i

export type Verdict = 'store-broken' | 'store-closed' | 'bug'

/** What an escaped error says about the node: a broken store, a closed one, or a bug elsewhere. */
export function classify (err: unknown): Verdict {
  let closed = false
  for (let e: unknown = err, depth = 0; e != null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { message, code } = e as { message?: unknown, code?: unknown }
    const text = typeof message === 'string' ? message : ''
    if (LMDB_FATAL.test(text) || (typeof code === 'string' && (LMDB_FATAL.test(code) || FILE_FATAL.has(code)))) return 'store-broken'
    if (e instanceof StoreClosedError || LMDB_CLOSED.test(text)) closed = true
  }
  return closed ? 'store-closed' : 'bug'
}

/** Installs the guard on `process`; returns its removal. */
export function installProcessGuard (init: ProcessGuardInit): () => void {
  const log = init.logger.child('guard')
  let fatal = false
  const handle = (kind: string) => (err: unknown): void => {
    const verdict = classify(err)
    const fields = { error: err instanceof Error ? err.stack ?? err.message : String(err) }
    if (verdict === 'store-closed' && init.stopping()) {
      log.warn(`${kind} after the store closed, while stopping (ignored)`, fields)
      return
    }
    if (verdict !== 'bug') {
      log.error(`${kind}: the store is broken; stopping the node`, fields)
      if (!fatal) {
        fatal = true
        init.onFatal(`the store is broken: ${err instanceof Error ? err.message : String(err)}`)
      }
      return
    }
    log.error(`${kind} (a bug: a background task without an owner); the node keeps serving`, fields)
  }
  const onRejection = handle('unhandled rejection')
  const onException = handle('uncaught exception')
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return () => {
    process.off('unhandledRejection', onRejection)
    process.off('uncaughtException', onException)
  }
}
