// Starknet's claim statements: what starknet_getStorageProof proves about a contract at a
// block (its storage, nonce and class), and ERC-20 balances read from OpenZeppelin Cairo's
// `ERC20_balances` storage. Checked field by field before any endpoint is asked.
import type { IdRule } from '../../../src/chain/module.ts'
import { bad, id, shown, statementFields } from '../../../src/claims/statement.ts'

export type StarknetStatement =
  /** The felt at one storage key of a contract. */
  | { kind: 'storage', contract: string, key: string }
  | { kind: 'nonce', contract: string }
  | { kind: 'class-hash', contract: string }
  /** An ERC-20's balance of `holder` (u256 at ERC20_balances[holder], OpenZeppelin Cairo layout). */
  | { kind: 'token-balance', token: string, holder: string }
  /** The account's STRK balance (the fee token's ERC20_balances). */
  | { kind: 'balance', account: string }

export const STARKNET_KINDS: Record<StarknetStatement['kind'], readonly string[]> = {
  storage: ['contract', 'key'],
  nonce: ['contract'],
  'class-hash': ['contract'],
  'token-balance': ['token', 'holder'],
  balance: ['account']
}

const HINT = 'e.g. {"kind":"storage","contract":"0x…","key":"0x…"}; docs/claims.md lists every kind'
const KEY = /^0x[0-9a-fA-F]{1,63}$/

export function parseStarknetStatement (v: unknown, felt: IdRule): StarknetStatement {
  const { kind, fields: f } = statementFields(v, STARKNET_KINDS, HINT)
  switch (kind as StarknetStatement['kind']) {
    case 'storage': {
      if (typeof f.key !== 'string' || !KEY.test(f.key) || BigInt(f.key) >= 2n ** 251n) return bad(`"key" must be a storage key (0x hex below 2^251), got ${shown(f.key)}`, HINT)
      return { kind: 'storage', contract: id(felt, f.contract, 'contract'), key: '0x' + BigInt(f.key).toString(16) }
    }
    case 'nonce': return { kind: 'nonce', contract: id(felt, f.contract, 'contract') }
    case 'class-hash': return { kind: 'class-hash', contract: id(felt, f.contract, 'contract') }
    case 'token-balance': return { kind: 'token-balance', token: id(felt, f.token, 'token'), holder: id(felt, f.holder, 'holder') }
    case 'balance': return { kind: 'balance', account: id(felt, f.account, 'account') }
  }
}
