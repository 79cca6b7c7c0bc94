// Starknet wallet links: SNIP-12 revision 1 typed data naming the link statement, signed by
// the account, checked by asking the account contract's `is_valid_signature` at the node's
// RPC. Only the felt 'VALID' is accepted (starknet.js's own helper accepts any non-zero). The
// domain carries the account's chain id, and the RPC must be on that chain.
import { RpcProvider, shortString, typedData, type TypedData } from 'starknet'
import type { WalletLink, WalletLinkVerifier, WalletSignRequest } from '../../../src/chain/module.ts'
import { WalletLinkRefusedError } from '../../../src/wallets/errors.ts'

const VALID = BigInt(shortString.encodeShortString('VALID'))
const ACCOUNT = /^starknet:([A-Za-z0-9_-]{1,31}):(0x[0-9a-fA-F]{1,64})$/

export function parseStarknetAccount (account: string): { chain: string, address: string } | undefined {
  const m = ACCOUNT.exec(account)
  return m === null ? undefined : { chain: m[1]!, address: '0x' + BigInt(m[2]!).toString(16).padStart(64, '0') }
}

/** The SNIP-12 (revision 1) typed data a wallet signs for a link statement on `chain`. */
export function linkTypedData (chain: string, s: WalletLink['statement']): TypedData {
  return {
    types: {
      StarknetDomain: [{ name: 'name', type: 'shortstring' }, { name: 'version', type: 'shortstring' }, { name: 'chainId', type: 'shortstring' }, { name: 'revision', type: 'shortstring' }],
      WalletLink: ['domain', 'account', 'context', 'identity', 'nonce', 'issuedAt', 'expiry', 'purpose'].map((name) => ({ name, type: 'string' }))
    },
    primaryType: 'WalletLink',
    domain: { name: 'Moorage', version: '1', chainId: chain, revision: '1' },
    message: { domain: s.domain, account: s.account, context: s.context, identity: s.identity, nonce: s.nonce, issuedAt: s.issuedAt, expiry: s.expiry, purpose: s.purpose ?? 'link' }
  }
}

export class StarknetWalletVerifier implements WalletLinkVerifier {
  readonly #provider: RpcProvider | undefined

  constructor (options: { rpcUrl?: string } = {}) {
    this.#provider = options.rpcUrl === undefined ? undefined : new RpcProvider({ nodeUrl: options.rpcUrl })
  }

  handles (account: string): boolean { return parseStarknetAccount(account) !== undefined }

  message (statement: WalletLink['statement']): string {
    return JSON.stringify(this.#typedData(statement))
  }

  /** SNIP-12 typed data for the wallet API's wallet_signTypedData. */
  request (statement: WalletLink['statement']): WalletSignRequest {
    return {
      method: 'wallet_signTypedData',
      params: this.#typedData(statement),
      answer: 'the signature\'s felts as 0x hex, joined by commas (e.g. 0x1f…,0x2a…)'
    }
  }

  #typedData (statement: WalletLink['statement']): TypedData {
    return linkTypedData(parseStarknetAccount(statement.account)?.chain ?? '', statement)
  }

  async verify (link: WalletLink): Promise<{ account: string }> {
    const bad = (why: string): never => { throw new WalletLinkRefusedError('BadWalletSignature', { why }) }
    const a = parseStarknetAccount(link.account)
    if (a === undefined) return bad('not a starknet account')
    const sig = parseFelts(link.proof)
    if (sig === undefined) return bad('the proof must be the signature\'s felts as 0x hex joined by commas (1 to 16 of them)')
    if (this.#provider === undefined) return bad('no RPC is configured to ask the account contract')
    const chain = shortString.decodeShortString(await this.#provider.getChainId())
    if (chain !== a.chain) return bad(`the RPC is on ${chain}, the account on ${a.chain}`)
    const hash = typedData.getMessageHash(linkTypedData(a.chain, link.statement), a.address)
    let out: string[]
    try {
      out = await this.#provider.callContract({ contractAddress: a.address, entrypoint: 'is_valid_signature', calldata: [hash, String(sig.length), ...sig] })
    } catch (err) {
      return bad(`the account contract refused the call: ${(err as Error).message.slice(0, 200)}`)
    }
    if (out.length !== 1 || BigInt(out[0]!) !== VALID) return bad('the account contract did not answer \'VALID\'')
    return { account: link.account }
  }
}

/** The proof as text, as every link's is on the governance log: `0x…,0x…` (the signature's felts). */
export function formatStarknetProof (signature: readonly string[]): string {
  return signature.join(',')
}

function parseFelts (proof: unknown): string[] | undefined {
  if (typeof proof !== 'string' || proof.length > 16 * 67) return undefined
  const felts = proof.split(',')
  return felts.length <= 16 && felts.every((x) => /^0x[0-9a-fA-F]{1,64}$/.test(x)) ? felts : undefined
}
