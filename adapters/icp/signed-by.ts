// Whether a message is signed by a principal's key through its delegation chain, as the IC
// checks a request's sender: the root key is a DER key (signatures.ts) or a canister-
// signature key (canister-signature.ts), which signs the first delegation, or the message
// when there is none, by certificate under the network's root key. The devnet's envelope
// check (devnet/auth.ts) and the wallet-link verifier (wallet/verifier.ts) both use this.
import { parseCanisterSigKey, verifyCanisterSignature } from './canister-signature.ts'
import { delegationMessage, followDelegations, verifyDerSignature, type SignedDelegation } from './signatures.ts'

export type SignedBy =
  | { ok: true }
  /** The canister signature (of the first delegation, or of the message) does not hold; `why` says so. */
  | { ok: false, part: 'canister-signature', why: string }
  /** The delegation chain is malformed (400) or does not authorise (403). */
  | { ok: false, part: 'delegations', status: 400 | 403, why: string }
  /** The last key's signature of the message: `unsupported` for a key that is no ed25519, secp256k1 or P-256 key. */
  | { ok: false, part: 'signature', unsupported: boolean }

export interface SignedByInit {
  /** The root public key (DER): the one the principal is self-authenticating for. */
  publicKey: Uint8Array
  /** The delegation chain from it (undefined or [] for none), unchecked input. */
  delegations: unknown
  message: Uint8Array
  signature: Uint8Array
  /** When the chain must hold (expiry) and near which a canister signature's certificate must be. */
  atNs: bigint
  /** The canister the request goes to: delegations with targets must name it (undefined: none may have targets). */
  target?: Uint8Array | undefined
  /** The network's root key for a canister signature, or why there is none; asked only for a canister-signature root. */
  rootKey: () => Promise<Uint8Array | string>
}

export async function verifySignedBy (init: SignedByInit): Promise<SignedBy> {
  const canisterKey = parseCanisterSigKey(init.publicKey)
  if (canisterKey !== undefined) {
    const rootKey = await init.rootKey()
    if (typeof rootKey === 'string') return { ok: false, part: 'canister-signature', why: rootKey }
    const first = Array.isArray(init.delegations) ? (init.delegations as Array<SignedDelegation | undefined>)[0] : undefined
    if (first !== undefined && (typeof first?.delegation !== 'object' || first.delegation === null || !(first.signature instanceof Uint8Array))) {
      return { ok: false, part: 'delegations', status: 400, why: 'delegation 0 is malformed' }
    }
    let message: Uint8Array
    try { message = first === undefined ? init.message : delegationMessage(first.delegation) } catch { return { ok: false, part: 'delegations', status: 400, why: 'delegation 0 is malformed' } }
    const why = await verifyCanisterSignature(canisterKey, message, first === undefined ? init.signature : first.signature, rootKey, init.atNs)
    if (why !== undefined) return { ok: false, part: 'canister-signature', why: `${why} (the ${first === undefined ? 'signature' : 'first delegation'} by canister ${canisterKey.canister.toText()})` }
    if (first === undefined) return { ok: true }
  }
  const chain = followDelegations(init.publicKey, init.delegations, init.atNs, init.target, canisterKey !== undefined)
  if ('why' in chain) return { ok: false, part: 'delegations', status: chain.status, why: chain.why }
  const ok = verifyDerSignature(chain.key, init.message, init.signature)
  if (ok === true) return { ok: true }
  return { ok: false, part: 'signature', unsupported: ok === 'unsupported' }
}
