// Ethereum's claim statements: what eth_getProof can prove, checked field by field
// (addresses with the module's account rule, slots and token ids as uint256).
import type { IdRule } from '../../../src/chain/module.ts'
import { id, parseUint256, slotIndex, statementFields } from '../../../src/claims/statement.ts'

export type EthereumStatement =
  | { kind: 'balance', account: string }
  | { kind: 'storage', account: string, slot: string }
  /** balanceOf(holder) read from the mapping at `slotIndex` (Solidity layout): rests on that assumed layout. */
  | { kind: 'token-balance', token: string, holder: string, slotIndex: number }
  /** ownerOf(tokenId) read from the owners mapping at `slotIndex`: rests on that assumed layout. */
  | { kind: 'nft-owner', token: string, tokenId: string, slotIndex: number }
  | { kind: 'code-hash', account: string }

export const ETHEREUM_KINDS: Record<EthereumStatement['kind'], readonly string[]> = {
  balance: ['account'],
  storage: ['account', 'slot'],
  'token-balance': ['token', 'holder', 'slotIndex'],
  'nft-owner': ['token', 'tokenId', 'slotIndex'],
  'code-hash': ['account']
}

const HINT = 'e.g. {"kind":"token-balance","token":"0x…","holder":"0x…","slotIndex":0}; docs/claims.md lists every kind'

/** A statement object as parsed JSON gives it; `account` is the chain's account/contract rule. */
export function parseEthereumStatement (v: unknown, account: IdRule): EthereumStatement {
  const { kind, fields: f } = statementFields(v, ETHEREUM_KINDS, HINT)
  switch (kind as EthereumStatement['kind']) {
    case 'balance': return { kind: 'balance', account: id(account, f.account, 'account') }
    case 'code-hash': return { kind: 'code-hash', account: id(account, f.account, 'account') }
    case 'storage': return { kind: 'storage', account: id(account, f.account, 'account'), slot: '0x' + parseUint256(f.slot, 'slot').toString(16) }
    case 'token-balance': return { kind: 'token-balance', token: id(account, f.token, 'token'), holder: id(account, f.holder, 'holder'), slotIndex: slotIndex(f.slotIndex) }
    case 'nft-owner': return { kind: 'nft-owner', token: id(account, f.token, 'token'), tokenId: parseUint256(f.tokenId, 'tokenId').toString(), slotIndex: slotIndex(f.slotIndex) }
  }
}
