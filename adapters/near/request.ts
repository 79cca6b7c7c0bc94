// Requests as the context config contract takes them (contracts/near/assembly/requests.ts):
// `mutate({"request": "<JSON text>", "signature": "<128 hex>"})`, the signature an ed25519
// one by the context identity over
//   "moorage:near:v1" \0 chain_id \0 contract_account \0 request_text,
// so a request signed for one contract (or chain) is refused by every other.
import { sign } from '../../src/crypto/ed25519.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { toHex, utf8 } from '../../src/crypto/bytes.ts'
import { SIGNING_DOMAIN } from './constants.ts'

export interface SignedRequest { request: string, signature: string }

export function requestMessage (chainId: string, contract: string, request: string): Uint8Array {
  return utf8(`${SIGNING_DOMAIN}\0${chainId}\0${contract}\0${request}`)
}

/** The arguments of one `mutate` call: `action` (already in the contract's JSON form) signed by `identity`. */
export function signRequest (init: { chainId: string, contract: string, context: Uint8Array, identity: { publicKey: Uint8Array, secretKey: Uint8Array }, nonce: bigint, action: Record<string, unknown> }): SignedRequest {
  const request = JSON.stringify({ context: toHex(init.context), identity: toHex(init.identity.publicKey), nonce: String(init.nonce), action: init.action })
  return { request, signature: toHex(sign(init.identity.secretKey, requestMessage(init.chainId, init.contract, request))) }
}

/** A context's id: sha256("moorage:context:v1" ‖ creator ‖ application ‖ salt), as the contract checks it. */
export function contextIdFor (creator: Uint8Array, application: Uint8Array, salt: Uint8Array): Uint8Array {
  return sha256(utf8('moorage:context:v1'), creator, application, salt)
}
