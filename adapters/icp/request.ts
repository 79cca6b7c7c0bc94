// Requests as the context config canister takes them (contracts/icp/src/Main.mo):
// `mutate(request, signature)`, the request the Candid encoding of a `Request` record and
// the signature an ed25519 one by the context identity over
//   "moorage:icp:v1" \0 canister_id_bytes \0 request,
// so a request signed for one canister is refused by every other.
import { IDL } from '@dfinity/candid'
import { Principal } from '@dfinity/principal'
import { sign } from '../../src/crypto/ed25519.ts'
import { concatBytes, utf8 } from '../../src/crypto/bytes.ts'
import { SIGNING_DOMAIN } from './constants.ts'
import { Request, type Variant } from './idl.ts'

export interface SignedRequest { request: Uint8Array, signature: Uint8Array }

export function requestMessage (canister: string, request: Uint8Array): Uint8Array {
  return concatBytes(utf8(SIGNING_DOMAIN), new Uint8Array([0]), Principal.fromText(canister).toUint8Array(), new Uint8Array([0]), request)
}

/** The arguments of one `mutate` call: `action` (in its Candid form) signed by `identity`. */
export function signRequest (init: { canister: string, context: Uint8Array, identity: { publicKey: Uint8Array, secretKey: Uint8Array }, nonce: bigint, action: Variant }): SignedRequest {
  const request = new Uint8Array(IDL.encode([Request], [{ context: init.context, identity: init.identity.publicKey, nonce: init.nonce, action: init.action }]))
  return { request, signature: sign(init.identity.secretKey, requestMessage(init.canister, request)) }
}

/** A request's record (the change feed reads the log's request bytes with it). */
export function decodeRequest (bytes: Uint8Array): { context: Uint8Array, identity: Uint8Array, nonce: bigint, action: Variant } {
  return IDL.decode([Request], bytes)[0] as unknown as { context: Uint8Array, identity: Uint8Array, nonce: bigint, action: Variant }
}
