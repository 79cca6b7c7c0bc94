// Ethereum wallet signatures over the link message: an EOA's EIP-191 personal_sign
// signature recovers offline; otherwise a deployed contract wallet is asked through
// EIP-1271 (`isValidSignature` returns 0x1626ba7e) at the state of the node's RPC now,
// so a wallet whose owner changed stops verifying at use time. A signature ending in the
// EIP-6492 magic suffix wraps (factory, deploy calldata, signature) for a wallet not yet
// deployed: the validator's creation code deploys it and asks it, all inside one eth_call.
import { AbiCoder, Contract, hashMessage, hexlify, recoverAddress, toUtf8Bytes, type Provider } from 'ethers'
import type { WalletLink, WalletLinkVerifier, WalletSignRequest } from '../../../src/chain/module.ts'
import { WalletLinkRefusedError } from '../../../src/wallets/errors.ts'
import { linkMessage, parseEthereumAccount } from './message.ts'
import { QuietJsonRpcProvider } from '../rpc.ts'

const MAGIC_1271 = '0x1626ba7e'
const MAGIC_6492 = '6492649264926492649264926492649264926492649264926492649264926492'
const ABI_1271 = ['function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)']

export class EthereumWalletVerifier implements WalletLinkVerifier {
  readonly #provider: Provider | undefined

  constructor (options: { rpcUrl?: string, provider?: Provider } = {}) {
    this.#provider = options.provider ?? (options.rpcUrl === undefined ? undefined : new QuietJsonRpcProvider(options.rpcUrl))
  }

  handles (account: string): boolean { return parseEthereumAccount(account) !== undefined }

  message (statement: WalletLink['statement']): string { return linkMessage(statement) }

  request (statement: WalletLink['statement']): WalletSignRequest {
    const message = linkMessage(statement)
    return {
      method: 'personal_sign',
      params: [hexlify(toUtf8Bytes(message)), parseEthereumAccount(statement.account)!.address],
      answer: 'the 0x hex signature personal_sign returns (a contract wallet\'s EIP-1271 or EIP-6492 signature as it is)'
    }
  }

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
    if (link.proof.toLowerCase().endsWith(MAGIC_6492)) {
      const coder = AbiCoder.defaultAbiCoder()
      let parts: [string, string, string]
      try {
        const r = coder.decode(['address', 'bytes', 'bytes'], link.proof.slice(0, -MAGIC_6492.length))
        parts = [r[0] as string, r[1] as string, r[2] as string]
      } catch {
        return bad('the EIP-6492 envelope does not decode as (address, bytes, bytes)')
      }
      const { validatorBytecode } = await import('./validator.ts')
      const args = coder.encode(['address', 'bytes32', 'address', 'bytes', 'bytes'], [account.address, hash, ...parts])
      const answer = await this.#provider.call({ data: (await validatorBytecode()) + args.slice(2) })
      if (answer !== '0x01') return bad('the EIP-6492 signature does not verify (deploy and isValidSignature simulated)')
      return { account: link.account }
    }
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
