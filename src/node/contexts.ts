// Context records: application, this node's identity, xcall grants. Members, roles and
// the application in force come from the context's anchor (its governance state).
import { equalBytes, toHex } from '../crypto/bytes.ts'
import { roleOf } from '../governance/acl.ts'
import type { Governance } from './governance.ts'
import type { AnchorRef } from './chain/registry.ts'
import { NotFoundError } from '../errors/index.ts'
import type { Store } from '../store/index.ts'
import { Lru } from '../cache/lru.ts'
import { CONTEXT_RECORDS_MAX } from './constants.ts'
import type { DeltaDag } from '../sync/dag.ts'
import { removalOf } from './removed.ts'
import type { ContextInfo, Role } from './types.ts'

export interface ContextRecord {
  id: Uint8Array
  applicationId: Uint8Array
  createdAt: number
  identity: Uint8Array
  xcallGrants: Uint8Array[]
  anchor: AnchorRef
}

export class Contexts {
  private readonly store: Store
  private readonly dag: DeltaDag
  private readonly governance: Governance
  /** Records read on the hot path of every call: those of the contexts used lately. */
  private readonly cache = new Lru<ContextRecord>({ capacity: CONTEXT_RECORDS_MAX })

  constructor (store: Store, dag: DeltaDag, governance: Governance) {
    this.store = store
    this.dag = dag
    this.governance = governance
  }

  /**
   * The record last found, and the array it was asked for with: calls look their context
   * up more than once, and a busy node serves the same context over and over.
   */
  private lastId: Uint8Array | null = null
  private lastRec: ContextRecord | undefined

  find (id: Uint8Array): ContextRecord | undefined {
    if (this.lastId !== null) {
      if (id === this.lastId) return this.lastRec
      if (this.lastRec !== undefined && equalBytes(id, this.lastRec.id)) return this.remember(id, this.lastRec)
    }
    const hex = toHex(id)
    const hit = this.cache.get(hex)
    if (hit !== undefined) return this.remember(id, hit)
    const rec = this.store.db.contexts.get(Buffer.from(id)) as ContextRecord | undefined
    if (rec !== undefined) this.cache.set(hex, rec)
    return rec
  }

  private remember (id: Uint8Array, rec: ContextRecord | undefined): ContextRecord | undefined {
    this.lastId = id
    this.lastRec = rec
    return rec
  }

  get (id: Uint8Array): ContextRecord {
    const rec = this.find(id)
    if (rec === undefined) throw new NotFoundError(`context ${toHex(id)} does not exist on this node`, { hint: 'list contexts with `moor context list`' })
    return rec
  }

  /** Writes a record (inside a transaction). */
  put (rec: ContextRecord): void {
    this.store.db.contexts.put(Buffer.from(rec.id), rec)
    this.cache.delete(toHex(rec.id))
    this.lastId = null
  }

  /** Drops a cached record (after a transaction that wrote it rolled back). */
  forget (id: Uint8Array): void {
    this.cache.delete(toHex(id))
    this.lastId = null
  }

  remove (id: Uint8Array): void {
    this.store.db.contexts.remove(Buffer.from(id))
    this.cache.delete(toHex(id))
    this.lastId = null
  }

  all (): ContextRecord[] {
    return [...this.store.db.contexts.getRange({})].map(({ value }) => value as ContextRecord)
  }

  roleOf (rec: ContextRecord, identity: Uint8Array): Role | undefined {
    const state = this.governance.state(rec.id)
    return state === undefined ? undefined : roleOf(state, identity)
  }

  info (rec: ContextRecord): ContextInfo {
    const dag = this.dag.info(rec.id)
    return {
      id: toHex(rec.id),
      applicationId: toHex(rec.applicationId),
      anchor: { ...rec.anchor },
      createdAt: rec.createdAt,
      identity: toHex(rec.identity),
      members: [...(this.governance.state(rec.id)?.members.values() ?? [])].map((m) => ({ identity: toHex(m.identity), role: m.role, capabilities: [...m.capabilities] })),
      rootHash: dag === undefined ? '' : toHex(dag.rootHash),
      heads: (dag?.heads ?? []).map(toHex),
      deltaCount: dag?.count ?? 0,
      xcallGrants: rec.xcallGrants.map(toHex),
      removed: removalOf(this.governance, rec),
      anchorMissingSince: this.governance.onChain(rec.id) ? this.governance.chains.missing(rec.id)?.since ?? null : null
    }
  }
}
