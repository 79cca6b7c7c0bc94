// A context's id, derived from its creator, its application and a salt, the same way on
// every anchor (the off-chain genesis op, and each chain's contract; docs/encoding.md):
//   id = sha256("moorage:context:v1" ‖ creator ‖ application ‖ salt)
import { utf8 } from '../crypto/bytes.ts'
import { sha256 } from '../crypto/hash.ts'

const CONTEXT_DOMAIN = utf8('moorage:context:v1')

/** A context id is bound to its creator and application: nobody can forge another genesis for it. */
export function contextIdFor (creator: Uint8Array, application: Uint8Array, salt: Uint8Array): Uint8Array {
  return sha256(CONTEXT_DOMAIN, creator, application, salt)
}
