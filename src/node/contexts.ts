// Context records: application, this node's identity, members and roles, xcall grants.
// The `offchain` anchor at its simplest: the creator is the only member and admin.
import { randomBytes } from 'node:crypto'
import { equalBytes, toHex } from '../crypto/bytes.ts'
import { NotFoundError } from '../errors/index.ts'
import type { Store } from '../store/index.ts'
import type { DeltaDag } from '../sync/dag.ts'
import type { ContextInfo, Role } from './types.ts'

export interface ContextRecord {
  id: Uint8Array
  applicationId: Uint8Array
  createdAt: number
  identity: Uint8Array
  members: Array<{ identity: Uint8Array, role: Role }>
  xcallGrants: Uint8Array[]
  anchor: { kind: 'offchain' }
}

export class Contexts {
  private readonly store: Store
  private readonly dag: DeltaDag

  constructor (store: Store, dag: DeltaDag) {
    this.store = store
    this.dag = dag
  }

  newId (): Uint8Array {
    return new Uint8Array(randomBytes(32))
  }

  find (id: Uint8Array): ContextRecord | undefined {
    return this.store.db.contexts.get(Buffer.from(id)) as ContextRecord | undefined
  }

  get (id: Uint8Array): ContextRecord {
    const rec = this.find(id)
    if (rec === undefined) throw new NotFoundError(`context ${toHex(id)} does not exist on this node`, { hint: 'list contexts with `moor context list`' })
    return rec
  }

  /** Writes a record (inside a transaction). */
  put (rec: ContextRecord): void {
    this.store.db.contexts.put(Buffer.from(rec.id), rec)
  }

  remove (id: Uint8Array): void {
    this.store.db.contexts.remove(Buffer.from(id))
  }

  all (): ContextRecord[] {
    return [...this.store.db.contexts.getRange({})].map(({ value }) => value as ContextRecord)
  }

  roleOf (rec: ContextRecord, identity: Uint8Array): Role | undefined {
    return rec.members.find((m) => equalBytes(m.identity, identity))?.role
  }

  info (rec: ContextRecord): ContextInfo {
    const dag = this.dag.info(rec.id)
    return {
      id: toHex(rec.id),
      applicationId: toHex(rec.applicationId),
      anchor: { kind: rec.anchor.kind },
      createdAt: rec.createdAt,
      identity: toHex(rec.identity),
      members: rec.members.map((m) => ({ identity: toHex(m.identity), role: m.role })),
      rootHash: dag === undefined ? '' : toHex(dag.rootHash),
      heads: (dag?.heads ?? []).map(toHex),
      deltaCount: dag?.count ?? 0,
      xcallGrants: rec.xcallGrants.map(toHex)
    }
  }
}
