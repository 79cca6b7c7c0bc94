// The access-control operations of this node in a context: members with their roles and
// capabilities, role changes, capability grants, application updates. Each is a
// governance op signed by this node's identity; the anchor refuses what the identity may
// not do (GovernanceRejectedError with the reason).
import { equalBytes, toHex } from '../crypto/bytes.ts'
import { NotFoundError } from '../errors/index.ts'
import type { Governance } from './governance.ts'
import type { GovOp } from '../governance/offchain/op.ts'
import type { Capability } from '../governance/types.ts'
import type { Logger } from '../log/index.ts'
import type { Store } from '../store/index.ts'
import type { Applications } from './applications.ts'
import type { ContextRecord, Contexts } from './contexts.ts'
import { memberInfo } from './describe.ts'
import type { Identities } from './identities.ts'
import type { Replicator } from './replication.ts'
import { signerOf } from './signer.ts'
import type { MemberInfo } from './types.ts'

export interface GoverningComponents {
  store: Store
  governance: Governance
  identities: Identities
  contexts: Contexts
  applications: Applications
  replicator: Replicator
  logger: Logger
}

export class Governing {
  private readonly c: GoverningComponents

  constructor (components: GoverningComponents) {
    this.c = components
  }

  members (ctx: ContextRecord): MemberInfo[] {
    const s = this.c.governance.state(ctx.id)
    return [...(s?.members.values() ?? [])].map(memberInfo)
  }

  member (ctx: ContextRecord, identity: Uint8Array): MemberInfo {
    const m = this.c.governance.state(ctx.id)?.members.get(toHex(identity))
    if (m === undefined) throw new NotFoundError(`${toHex(identity)} is not a member of context ${toHex(ctx.id)}`, { hint: `list members with \`moor context members ${toHex(ctx.id)}\`` })
    return memberInfo(m)
  }

  async setRole (ctx: ContextRecord, identity: Uint8Array, role: 'member' | 'reader'): Promise<MemberInfo> {
    await this.c.governance.submit(ctx.id, signerOf(this.c.identities, ctx), { type: 'setRole', identity, role })
    return this.member(ctx, identity)
  }

  async grant (ctx: ContextRecord, identity: Uint8Array, capability: Capability): Promise<MemberInfo> {
    await this.c.governance.submit(ctx.id, signerOf(this.c.identities, ctx), { type: 'grant', identity, capability })
    return this.member(ctx, identity)
  }

  async revoke (ctx: ContextRecord, identity: Uint8Array, capability: Capability): Promise<MemberInfo> {
    await this.c.governance.submit(ctx.id, signerOf(this.c.identities, ctx), { type: 'revoke', identity, capability })
    return this.member(ctx, identity)
  }

  /** Moves a context to another application, which must be installed on this node. */
  async updateApplication (ctx: ContextRecord, application: Uint8Array): Promise<void> {
    this.c.applications.get(application) // NotFoundError when not installed
    await this.c.governance.submit(ctx.id, signerOf(this.c.identities, ctx), { type: 'updateApplication', application })
    await this.follow(ctx.id)
  }

  /**
   * Governance ops were adopted (local or from peers): a context whose governance now names
   * another application gets its record updated, and the module is fetched from peers
   * when this node lacks it.
   */
  adopted (ops: GovOp[]): void {
    const seen = new Set<string>()
    for (const op of ops) {
      if (op.action.type !== 'updateApplication' || seen.has(toHex(op.context))) continue
      seen.add(toHex(op.context))
      void this.follow(op.context).catch((err) => { this.c.logger.warn('could not follow an application update', { context: toHex(op.context), error: (err as Error).message }) })
    }
  }

  /** A chain-anchored context's governance changed: follow an application update. */
  chainUpdated (ctx: Uint8Array): void {
    void this.follow(ctx).catch((err) => { this.c.logger.warn('could not follow an application update', { context: toHex(ctx), error: (err as Error).message }) })
  }

  /** Brings the records of every context in step with its governance (at start). */
  async followAll (): Promise<void> {
    for (const rec of this.c.contexts.all()) await this.follow(rec.id)
  }

  private async follow (ctx: Uint8Array): Promise<void> {
    const app = this.c.governance.state(ctx)?.application
    const current = this.c.contexts.find(ctx)
    if (app === undefined || current === undefined || equalBytes(current.applicationId, app)) return
    const changed = await this.c.store.transaction(() => {
      const rec = this.c.contexts.find(ctx)
      if (rec === undefined || equalBytes(rec.applicationId, app)) return false
      this.c.contexts.put({ ...rec, applicationId: app })
      return true
    })
    if (!changed) return
    this.c.logger.info('context application updated', { context: toHex(ctx), application: toHex(app) })
    if (!this.c.applications.has(app)) this.c.replicator.tasks.run('fetching the updated application', async () => { await this.c.replicator.syncAll(ctx) }, { context: toHex(ctx) })
  }
}
