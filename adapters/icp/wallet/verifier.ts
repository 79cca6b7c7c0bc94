// ICP wallet links: the principal is self-authenticating (sha224 of its DER public key ‖
// 0x02), so the proof carries that root key, an optional delegation chain from it to a
// session key (as Internet Identity-style logins and agent-js DelegationIdentity hand
// out), and the session key's signature over the link text. Checked offline: the root key
// must be the account's principal, every delegation signed by the key before it and
// unexpired when the statement was issued (so every node, at any later time, reaches the
// same verdict), and none restricted to canisters (a targeted delegation speaks for the
// principal towards those canisters only, not for a link). A canister-signature root
// (Internet Identity's own keys) signs through a certificate of its canister, checked
// against the network's root key: the IC's for mainnet, the devnet's (fetched from the
// node's loopback endpoint) for local; the certificate must be within 5 minutes of the
// statement's issuedAt (docs/icp.md).
import { HttpAgent, IC_ROOT_KEY } from '@dfinity/agent'
import { Principal } from '@dfinity/principal'
import type { WalletLink, WalletLinkVerifier, WalletSignRequest } from '../../../src/chain/module.ts'
import { parseHex, utf8 } from '../../../src/crypto/bytes.ts'
import { WalletLinkRefusedError } from '../../../src/wallets/errors.ts'
import { DEVNET_NETWORK } from '../constants.ts'
import { IcpEndpointError } from '../errors.ts'
import { isLoopback } from '../ids.ts'
import { MAX_DELEGATIONS } from '../signatures.ts'
import { verifySignedBy } from '../signed-by.ts'
import { linkText, parseIcpAccount } from './message.ts'

const MAX_PROOF = 16 * 1024

interface Proof { publicKey: Uint8Array, delegations: Array<{ delegation: { pubkey: Uint8Array, expiration: bigint, targets?: Uint8Array[] }, signature: Uint8Array }>, signature: Uint8Array }

/**
 * The proof is text, as every link's is on the governance log: JSON of the delegation chain
 * as agent-js's `DelegationChain.toJSON()` writes it (hex `publicKey`, `delegations`) plus
 * `signature`, the hex signature of the link text; `delegations` is [] for a plain key.
 */
export function formatIcpProof (chain: { publicKey: string, delegations: unknown[] }, signature: Uint8Array): string {
  return JSON.stringify({ publicKey: chain.publicKey, delegations: chain.delegations, signature: Buffer.from(signature).toString('hex') })
}

export interface IcpWalletVerifierInit {
  /** The node's ICP endpoint: a loopback one serves the local devnet's root key. */
  rpc?: string
  /** Root keys (DER) by network, over the ones above (tests give the devnet's). */
  rootKeys?: Record<string, Uint8Array>
}

export class IcpWalletVerifier implements WalletLinkVerifier {
  readonly #init: IcpWalletVerifierInit
  #localRootKey: Promise<Uint8Array> | undefined

  constructor (init: IcpWalletVerifierInit = {}) {
    this.#init = init
  }

  /** The root key that canister signatures on `network` are certified under, or why there is none. */
  async #rootKey (network: string): Promise<Uint8Array | string> {
    const given = this.#init.rootKeys?.[network]
    if (given !== undefined) return given
    if (network === 'mainnet') return new Uint8Array(Buffer.from(IC_ROOT_KEY, 'hex'))
    const rpc = this.#init.rpc
    if (network !== DEVNET_NETWORK || rpc === undefined || !isLoopback(rpc)) return `no root key is known for ICP network ${network} (mainnet's is built in; the local devnet's comes from a loopback endpoint)`
    this.#localRootKey ??= HttpAgent.create({ host: rpc, shouldFetchRootKey: true }).then((a) => a.rootKey!)
    try {
      return await this.#localRootKey
    } catch (e) {
      // The endpoint failing is no verdict on the link: an error, not a refusal.
      this.#localRootKey = undefined
      throw new IcpEndpointError(`ICP endpoint ${rpc} gave no root key: ${(e as Error).message}`, { cause: e })
    }
  }

  handles (account: string): boolean { return parseIcpAccount(account) !== undefined }

  message (statement: WalletLink['statement']): string { return linkText(statement) }

  request (statement: WalletLink['statement']): WalletSignRequest {
    return {
      method: 'sign',
      params: { message: linkText(statement), encoding: 'utf-8' },
      answer: 'JSON {"publicKey": hex DER, "delegations": [...], "signature": hex}: the identity\'s DelegationChain.toJSON() (delegations [] for a plain key identity) and its sign() of the message bytes'
    }
  }

  async verify (link: WalletLink): Promise<{ account: string }> {
    const bad = (why: string): never => { throw new WalletLinkRefusedError('BadWalletSignature', { why }) }
    const account = parseIcpAccount(link.account)
    if (account === undefined) return bad('not an icp:<network>:<principal> account')
    const proof = parseProof(link.proof)
    if (typeof proof === 'string') return bad(proof)
    const root = Principal.selfAuthenticating(proof.publicKey).toText()
    if (root !== account.principal) return bad(`the proof's public key is the key of principal ${root}, not of ${account.principal}`)
    for (const [i, d] of proof.delegations.entries()) {
      if (d.delegation.targets !== undefined) return bad(`delegation ${i} is restricted to canisters ${d.delegation.targets.map((t) => Principal.fromUint8Array(t).toText()).join(', ')}: it cannot sign for the principal elsewhere`)
    }
    const issuedNs = BigInt(Date.parse(link.statement.issuedAt)) * 1_000_000n
    // A canister-signature root signs the first delegation (or the text) by certificate.
    const r = await verifySignedBy({
      publicKey: proof.publicKey,
      delegations: proof.delegations,
      message: utf8(linkText(link.statement)),
      signature: proof.signature,
      atNs: issuedNs,
      rootKey: async () => await this.#rootKey(account.network)
    })
    if (r.ok) return { account: link.account }
    if (r.part === 'canister-signature') return bad(r.why)
    if (r.part === 'delegations') return bad(`${r.why} (the chain must hold when the statement was issued)`)
    if (r.unsupported) return bad('the signing key is not an ed25519, secp256k1 or P-256 key in DER (a canister signature signs only as the root)')
    return bad('the signature does not verify over this statement (the link text as this node renders it)')
  }
}

function parseProof (p: unknown): Proof | string {
  const form = 'the proof must be JSON {"publicKey", "delegations", "signature"} (hex), as DelegationChain.toJSON() plus the signature'
  if (typeof p !== 'string' || p.length > MAX_PROOF) return form
  let j: Record<string, unknown>
  try { j = JSON.parse(p) as Record<string, unknown> } catch { return form }
  if (typeof j !== 'object' || j === null) return form
  const hex = (v: unknown, what: string): Uint8Array => {
    const b = typeof v === 'string' && v.length > 0 ? parseHex(v) : undefined
    if (b === undefined) throw new TypeError(`${what} must be hex`)
    return b
  }
  try {
    const ds = j.delegations
    if (!Array.isArray(ds) || ds.length > MAX_DELEGATIONS) return `"delegations" must be an array of at most ${MAX_DELEGATIONS}`
    return {
      publicKey: hex(j.publicKey, '"publicKey"'),
      signature: hex(j.signature, '"signature"'),
      delegations: ds.map((d: { delegation?: { pubkey?: unknown, expiration?: unknown, targets?: unknown }, signature?: unknown }, i) => {
        const del = d?.delegation
        if (typeof del !== 'object' || del === null) throw new TypeError(`delegation ${i} has no "delegation"`)
        if (typeof del.expiration !== 'string' || !/^[0-9a-f]{1,16}$/.test(del.expiration)) throw new TypeError(`delegation ${i}'s expiration must be hex nanoseconds`)
        if (del.targets !== undefined && (!Array.isArray(del.targets) || del.targets.length > 1000)) throw new TypeError(`delegation ${i}'s targets must be an array`)
        return {
          delegation: {
            pubkey: hex(del.pubkey, `delegation ${i}'s pubkey`),
            expiration: BigInt(`0x${del.expiration}`),
            ...(del.targets !== undefined ? { targets: (del.targets as unknown[]).map((t, k) => hex(t, `delegation ${i}'s target ${k}`)) } : {})
          },
          signature: hex(d.signature, `delegation ${i}'s signature`)
        }
      })
    }
  } catch (e) {
    return (e as Error).message
  }
}
