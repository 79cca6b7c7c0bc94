// This node's signing identity in a context: every governance op it makes is signed by it.
import { toHex } from '../crypto/bytes.ts'
import type { KeyPair } from '../crypto/ed25519.ts'
import { NotFoundError } from '../errors/index.ts'
import type { ContextRecord } from './contexts.ts'
import type { Identities } from './identities.ts'

export function signerOf (identities: Identities, ctx: ContextRecord): KeyPair {
  const me = identities.get(ctx.id, ctx.identity)
  if (me === undefined) throw new NotFoundError(`this node holds no identity in context ${toHex(ctx.id)}`)
  return me
}
