// NEAR wallet signatures over the link message (NEP-413): the ed25519 signature over the
// payload hash must verify with the key the wallet names, and that key must be a
// full-access key of the account at `final` on the node's RPC. The key check runs on every
// verify, so a link whose key was deleted (or demoted) stops verifying at use time. A
// function-call key is refused: anyone the account lets call one contract could otherwise
// speak for the whole account.
import { JsonRpcProvider } from 'near-api-js'
import type { WalletLink, WalletLinkVerifier, WalletSignRequest } from '../../../src/chain/module.ts'
import { verify as ed25519Verify } from '../../../src/crypto/ed25519.ts'
import { WalletLinkRefusedError } from '../../../src/wallets/errors.ts'
import { base58Decode } from '../base58.ts'
import { NearRpcError } from '../errors.ts'
import { linkPayload, linkText, parseNearAccount, payloadHash } from './message.ts'

/**
 * The proof is text, as every link's is on the governance log: `<public key>:<signature>`,
 * the two fields a NEP-413 wallet's `signMessage` returns (`ed25519:<base58>` and the
 * 64-byte signature in base64), e.g. `ed25519:8hSH…:Vn3k…==`.
 */
export function formatNep413Proof (publicKey: string, signature: Uint8Array): string {
  return `${publicKey}:${Buffer.from(signature).toString('base64')}`
}

const PROOF_RE = /^(ed25519:[1-9A-HJ-NP-Za-km-z]{32,44}):([A-Za-z0-9+/]{86}==)$/
const MISSING = new Set(['AccessKeyDoesNotExistError', 'AccountDoesNotExistError'])

export class NearWalletVerifier implements WalletLinkVerifier {
  readonly #rpc: string | undefined
  readonly #provider: JsonRpcProvider | undefined
  #network: Promise<string> | undefined

  constructor (options: { rpcUrl?: string } = {}) {
    this.#rpc = options.rpcUrl
    this.#provider = options.rpcUrl === undefined ? undefined : new JsonRpcProvider({ url: options.rpcUrl }, { retries: 3, backoff: 1.5, wait: 100 })
  }

  handles (account: string): boolean { return parseNearAccount(account) !== undefined }

  message (statement: WalletLink['statement']): string { return linkText(statement) }

  /** NEP-413 `signMessage` params as wallets take them; the 32-byte nonce in base64. */
  request (statement: WalletLink['statement']): WalletSignRequest {
    const p = linkPayload(statement)
    return {
      method: 'signMessage',
      params: { message: p.message, recipient: p.recipient, nonce: Buffer.from(p.nonce).toString('base64') },
      answer: '<publicKey>:<signature>, the two fields signMessage returns (ed25519:<base58> and the base64 signature)'
    }
  }

  async verify (link: WalletLink): Promise<{ account: string }> {
    const bad = (why: string): never => { throw new WalletLinkRefusedError('BadWalletSignature', { why }) }
    const account = parseNearAccount(link.account)
    if (account === undefined) return bad('not a near:<network>:<account id> account')
    const proof = parseProof(link.proof)
    if (typeof proof === 'string') return bad(proof)
    if (!ed25519Verify(proof.key, payloadHash(linkPayload(link.statement)), proof.signature)) {
      return bad('the NEP-413 signature does not verify over this statement (message, nonce and recipient as this node renders them)')
    }
    if (this.#provider === undefined) return bad('no NEAR RPC is configured to check that the key is a full-access key of the account')
    const network = await this.#networkId()
    if (network !== account.network) return bad(`the account is on network ${account.network}, the node's NEAR RPC serves ${network}`)
    let permission: unknown
    try {
      permission = (await this.#provider.viewAccessKey({ accountId: account.accountId, publicKey: proof.publicKey, finalityQuery: { finality: 'final' } })).permission
    } catch (err) {
      if (MISSING.has((err as Error).constructor.name)) return bad(`${proof.publicKey} is not an access key of ${account.accountId} at final`)
      throw new NearRpcError(`NEAR endpoint ${this.#rpc} failed on view_access_key: ${(err as Error).message}`, { cause: err })
    }
    if (permission !== 'FullAccess') return bad(`${proof.publicKey} is a function-call key of ${account.accountId}; NEP-413 links need a full-access key`)
    return { account: link.account }
  }

  /** The RPC's chain_id (status), asked once. */
  async #networkId (): Promise<string> {
    this.#network ??= (async () => {
      try {
        return (await this.#provider!.viewNodeStatus()).chain_id
      } catch (err) {
        this.#network = undefined
        throw new NearRpcError(`NEAR endpoint ${this.#rpc} failed on status: ${(err as Error).message}`, { cause: err })
      }
    })()
    return await this.#network
  }
}

function parseProof (p: unknown): { publicKey: string, key: Uint8Array, signature: Uint8Array } | string {
  const m = typeof p === 'string' ? PROOF_RE.exec(p) : null
  if (m === null) return 'the proof must be <ed25519:base58 public key>:<base64 signature>, as NEP-413 signMessage returns them'
  let key: Uint8Array
  try { key = base58Decode(m[1]!.slice('ed25519:'.length)) } catch { return 'the public key does not decode' }
  if (key.length !== 32) return 'the public key must be 32 bytes'
  return { publicKey: m[1]!, key, signature: new Uint8Array(Buffer.from(m[2]!, 'base64')) }
}
