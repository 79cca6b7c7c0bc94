// Context records: application, this node's identity, xcall grants. Members, roles and
// the application in force come from the context's anchor (its governance state).
import { toHex } from '../crypto/bytes.ts'
import { roleOf } from '../governance/acl.ts'
import type { OffchainAnchor } from '../governance/offchain/index.ts'
import { NotFoundError } from '../errors/index.ts'
import type { Store } from '../store/index.ts'
import type { DeltaDag } from '../sync/dag.ts'
import type { ContextInfo, Role } from './types.ts'

export interface ContextRecord {
  id: Uint8Array
  applicationId: Uint8Array
  createdAt: number
  identity: Uint8Array
  xcallGrants: Uint8Array[]
  anchor: { kind: 'offchain' }
}

export class Contexts {
  private readonly store: Store
  private readonly dag: DeltaDag
  private readonly governance: OffchainAnchor
  /** Records read on the hot path of every call; small, so kept once read. */
  private readonly cache = new Map<string, ContextRecord | null>()

  constructor (store: Store, dag: DeltaDag, governance: OffchainAnchor) {
    this.store = store
    this.dag = dag
    this.governance = governance
  }

  find (id: Uint8Array): ContextRecord | undefined {
    const hex = toHex(id)
    const hit = this.cache.get(hex)
    if (hit !== undefined) return hit ?? undefined
    const rec = this.store.db.contexts.get(Buffer.from(id)) as ContextRecord | undefined
    if (rec !== undefined) this.cache.set(hex, rec)
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
  }

  /** Drops a cached record (after a transaction that wrote it rolled back). */
  forget (id: Uint8Array): void {
    this.cache.delete(toHex(id))
  }

  remove (id: Uint8Array): void {
    this.store.db.contexts.remove(Buffer.from(id))
    this.cache.delete(toHex(id))
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
      anchor: { kind: rec.anchor.kind },
      createdAt: rec.createdAt,
      identity: toHex(rec.identity),
      members: [...(this.governance.state(rec.id)?.members.values() ?? [])].map((m) => ({ identity: toHex(m.identity), role: m.role })),
      rootHash: dag === undefined ? '' : toHex(dag.rootHash),
      heads: (dag?.heads ?? []).map(toHex),
      deltaCount: dag?.count ?? 0,
      xcallGrants: rec.xcallGrants.map(toHex)
    }
  }
}
