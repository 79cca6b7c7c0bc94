// The JSON forms of wallet links the node, the API and the CLI share.
import type { WalletSignRequest } from '../chain/module.ts'
import type { LinkStatement } from './statement.ts'

export interface WalletStatementRequest {
  /** CAIP-10 account, e.g. eip155:1:0xAbc… */
  account: string
  /** The identity to link (64 hex); default: this node's identity in the context, or a new one for a context this node has not joined. */
  identity?: string
  /** How long the link lasts once made (default 30 days, at most 366). */
  expiresInMs?: number
  /** "unlink": a statement for the wallet to revoke its link. */
  purpose?: 'unlink'
}

export interface WalletStatementInfo {
  contextId: string
  identity: string
  account: string
  /** Submit it with the signature; it is spent then, or after ten minutes. */
  nonce: string
  statement: LinkStatement
  /** The text to sign with the wallet (an Ethereum wallet: personal_sign of this). */
  message: string
  /** The wallet call to make (method and params as the chain's wallets take them) and how to write its answer as `signature`. */
  request: WalletSignRequest
  /** This node is not in the context yet: the signature goes with `join` (a wallet-account invitation). */
  joining: boolean
}

export interface WalletLinkInfo {
  contextId: string
  identity: string
  account: string
  issuedAt: string
  expiry: string
  /** When the op that made it was stamped (ms). */
  linkedAt: number
  expired: boolean
  /** With `recheck`: whether the wallet signature still verifies now (a contract wallet's owner may have changed). */
  verifies?: boolean
  /** Why it does not count, when it does not. */
  reason?: string
}

export interface WalletSubmit {
  nonce: string
  /** The wallet's signature over `message`, as the chain writes it (0x hex on Ethereum). */
  signature: string
}
