// The text an Ethereum wallet signs to link itself: an EIP-4361 (SIWE) message built
// with the `siwe` package from the node's link statement, so wallets render it as a
// sign-in request naming the node's domain, the context and the context identity.
import { getAddress } from 'ethers'
import { SiweMessage } from 'siwe'
import type { WalletLink } from '../../../src/chain/module.ts'

/** `eip155:<chainId>:<address>` → chain id and checksummed address, or undefined. */
export function parseEthereumAccount (account: string): { chainId: number, address: string } | undefined {
  const m = /^eip155:([0-9]{1,15}):(0x[0-9a-fA-F]{40})$/.exec(account)
  if (m === null) return undefined
  return { chainId: Number(m[1]), address: getAddress(m[2]!.toLowerCase()) }
}

export function linkMessage (statement: WalletLink['statement']): string {
  const account = parseEthereumAccount(statement.account)
  if (account === undefined) throw new TypeError(`not an eip155 account: ${statement.account}`)
  return new SiweMessage({
    domain: statement.domain,
    address: account.address,
    // An unlink statement reads differently, so a link's signature can never pass for a revocation.
    statement: statement.purpose === 'unlink'
      ? `Revoke the link of this wallet to context identity ${statement.identity} in context ${statement.context}.`
      : `Link this wallet to context identity ${statement.identity} in context ${statement.context}.`,
    uri: `https://${statement.domain}`,
    version: '1',
    chainId: account.chainId,
    nonce: statement.nonce,
    issuedAt: statement.issuedAt,
    expirationTime: statement.expiry,
    resources: [`moorage:context:${statement.context}`, `moorage:identity:${statement.identity}`, ...(statement.purpose === 'unlink' ? ['moorage:unlink'] : [])]
  }).prepareMessage()
}
