// Ethereum wallet signatures over the link message: an EOA's EIP-191 personal_sign
// signature recovers offline; otherwise a deployed contract wallet is asked through
// EIP-1271 (`isValidSignature` returns 0x1626ba7e) at the state of the node's RPC now,
// so a wallet whose owner changed stops verifying at use time.
import { Contract, hashMessage, JsonRpcProvider, recoverAddress, type Provider } from 'ethers'
import type { WalletLink, WalletLinkVerifier } from '../../../src/chain/module.ts'
import { WalletLinkRefusedError } from '../../../src/wallets/errors.ts'
import { linkMessage, parseEthereumAccount } from './message.ts'

const MAGIC_1271 = '0x1626ba7e'
const ABI_1271 = ['function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)']

export class EthereumWalletVerifier implements WalletLinkVerifier {
  readonly #provider: Provider | undefined

  constructor (options: { rpcUrl?: string, provider?: Provider } = {}) {
    this.#provider = options.provider ?? (options.rpcUrl === undefined ? undefined : new JsonRpcProvider(options.rpcUrl, undefined, { staticNetwork: true }))
  }

  handles (account: string): boolean { return parseEthereumAccount(account) !== undefined }

  async verify (link: WalletLink): Promise<{ account: string }> {
    const account = parseEthereumAccount(link.account)
    const bad = (why: string): never => { throw new WalletLinkRefusedError('BadWalletSignature', { why }) }
    if (account === undefined) return bad('not an eip155 account')
    if (typeof link.proof !== 'string' || !/^0x([0-9a-fA-F]{2}){1,4096}$/.test(link.proof)) return bad('the proof must be a 0x hex signature')
    const hash = hashMessage(linkMessage(link.statement))
    if (link.proof.length === 132) {
      try {
        if (recoverAddress(hash, link.proof) === account.address) return { account: link.account }
      } catch { /* not a valid ECDSA signature: maybe a contract wallet's */ }
    }
    if (this.#provider === undefined) return bad('the signer is not the account, and no RPC is configured to ask a contract wallet')
    const code = await this.#provider.getCode(account.address)
    if (code === '0x') return bad('the signer is not the account, and the account has no contract code')
    let answer: string
    try {
      answer = await new Contract(account.address, ABI_1271, this.#provider).getFunction('isValidSignature').staticCall(hash, link.proof)
    } catch (err) {
      return bad(`isValidSignature reverted (${(err as Error).message.split('\n')[0]})`)
    }
    if (answer.toLowerCase() !== MAGIC_1271) return bad(`isValidSignature answered ${answer}`)
    return { account: link.account }
  }
}
