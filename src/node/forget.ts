// Dropping this node's copy of a context: its deltas, governance log, private storage,
// identity and record, in one transaction; then it stops following the chain and the
// topic. Used by `context delete`/`leave` and by a join with a fresh identity into a
// context this node was removed from.
import { clearPrivate } from '../state/private.ts'
import type { Store } from '../store/index.ts'
import type { DeltaDag } from '../sync/dag.ts'
import type { ContextRecord, Contexts } from './contexts.ts'
import type { Governance } from './governance.ts'
import type { Identities } from './identities.ts'
import type { Replicator } from './replication.ts'

export interface ForgetComponents {
  store: Store
  dag: DeltaDag
  governance: Governance
  identities: Identities
  contexts: Contexts
  replicator: Replicator
}

export async function forgetContext (c: ForgetComponents, ctx: ContextRecord): Promise<void> {
  await c.store.transaction(() => {
    c.dag.clear(ctx.id)
    c.governance.offchain.clear(ctx.id)
    clearPrivate(c.store, ctx.id)
    c.identities.clear(ctx.id)
    c.contexts.remove(ctx.id)
  })
  if (ctx.anchor.kind !== 'offchain') await c.governance.chains.forget(ctx.id)
  c.replicator.refresh(ctx.id)
}
