// Whether this node's identity in a context was removed from it, and by whom, when and at
// which governance position: a removed node keeps its copy of the context (its data up to
// the removal stays readable here) but can no longer sync it, and says so instead of
// waiting for a group key nobody will share.
import { equalBytes, toHex } from '../crypto/bytes.ts'
import { RemovedFromContextError } from '../errors/index.ts'
import type { ContextRecord } from './contexts.ts'
import type { Governance } from './governance.ts'
import type { RemovedInfo } from './types.ts'

export function removalOf (governance: Governance, rec: ContextRecord): RemovedInfo | null {
  const state = governance.state(rec.id)
  // The common case, cheaply: still a member (or governance not read yet).
  if (state === undefined || state.members.has(toHex(rec.identity))) return null
  const entries = governance.entries(rec.id)
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!
    const a = e.action as { type: string, identity?: Uint8Array }
    if (!e.accepted || a.type !== 'removeMember' || !(a.identity instanceof Uint8Array) || !equalBytes(a.identity, rec.identity)) continue
    return { by: toHex(e.author), at: e.at, position: e.position }
  }
  return null
}

/** What `context sync` (and a plain re-join) answer for a context this node was removed from. */
export function removedError (rec: ContextRecord, removed: RemovedInfo): RemovedFromContextError {
  const id = toHex(rec.id)
  return new RemovedFromContextError(`this node was removed from context ${id} by ${removed.by} at ${new Date(removed.at).toISOString()} (governance position ${removed.position})`, {
    hint: `it can no longer sync this context. Ask an admin for a new invitation and join it with \`moor context join <invitation> --fresh-identity\` (which drops this node's copy), or drop it with \`moor context delete ${id}\``
  })
}
