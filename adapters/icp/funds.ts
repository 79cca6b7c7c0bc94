// A context's funds on ICP: the ledger account the canister keeps them in (the canister's
// principal with subaccount sha256("moorage:icp:funds:v1" ‖ context), contracts/icp/src/Funds.mo)
// and the ICRC-1 methods a client uses to fund it and read balances.
import { IDL } from '@dfinity/candid'
import type { Principal } from '@dfinity/principal'
import { concatBytes, utf8 } from '../../src/crypto/bytes.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import type { AccountRecord } from './idl.ts'

/** The subaccount of the canister's ledger account holding `context`'s funds. */
export function fundsSubaccount (context: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8('moorage:icp:funds:v1'), context))
}

export const icrc1Idl: IDL.InterfaceFactory = ({ IDL }) => {
  const Account = IDL.Record({ owner: IDL.Principal, subaccount: IDL.Opt(IDL.Vec(IDL.Nat8)) })
  const TransferError = IDL.Variant({
    BadFee: IDL.Record({ expected_fee: IDL.Nat }),
    BadBurn: IDL.Record({ min_burn_amount: IDL.Nat }),
    InsufficientFunds: IDL.Record({ balance: IDL.Nat }),
    TooOld: IDL.Null,
    CreatedInFuture: IDL.Record({ ledger_time: IDL.Nat64 }),
    Duplicate: IDL.Record({ duplicate_of: IDL.Nat }),
    TemporarilyUnavailable: IDL.Null,
    GenericError: IDL.Record({ error_code: IDL.Nat, message: IDL.Text })
  })
  const TransferArg = IDL.Record({
    from_subaccount: IDL.Opt(IDL.Vec(IDL.Nat8)),
    to: Account,
    amount: IDL.Nat,
    fee: IDL.Opt(IDL.Nat),
    memo: IDL.Opt(IDL.Vec(IDL.Nat8)),
    created_at_time: IDL.Opt(IDL.Nat64)
  })
  return IDL.Service({
    icrc1_balance_of: IDL.Func([Account], [IDL.Nat], ['query']),
    icrc1_fee: IDL.Func([], [IDL.Nat], ['query']),
    icrc1_transfer: IDL.Func([TransferArg], [IDL.Variant({ Ok: IDL.Nat, Err: TransferError })], []),
    // The devnet ledger's (contracts/icp/ledger/): a controller creates funds.
    mint: IDL.Func([Account, IDL.Nat], [IDL.Nat], [])
  })
}

export interface TransferArgRecord {
  from_subaccount: [] | [Uint8Array]
  to: AccountRecord
  amount: bigint
  fee: [] | [bigint]
  memo: [] | [Uint8Array]
  created_at_time: [] | [bigint]
}

export interface Icrc1Ledger {
  icrc1_balance_of: (a: AccountRecord) => Promise<bigint>
  icrc1_fee: () => Promise<bigint>
  icrc1_transfer: (a: TransferArgRecord) => Promise<{ Ok: bigint } | { Err: Record<string, unknown> }>
  mint: (to: AccountRecord, amount: bigint) => Promise<bigint>
}

/** A principal's default account. */
export const accountOf = (owner: Principal): AccountRecord => ({ owner, subaccount: [] })
