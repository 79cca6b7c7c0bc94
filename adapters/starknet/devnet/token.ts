// The devnet's STRK token: an OpenZeppelin-style ERC-20 whose balances are every holder's
// (the accounts' fee balances, the config contracts' context funds, any recipient's), kept
// in felt storage as OpenZeppelin Cairo lays it out (`ERC20_balances[holder]`,
// `ERC20_allowances[(owner, spender)]`, u256 as (low, high)), so storage proofs of a
// balance read the slots a deployed token holds. Its failures are OpenZeppelin's panics.
import { hash } from 'starknet'
import { panic, type CallContext } from './contract.ts'
import { u256, type FeltStore } from './storage.ts'

const sel = (name: string): bigint => BigInt(hash.getSelectorFromName(name))

export function balanceOf (store: FeltStore, holder: bigint): bigint { return store.readU256('ERC20_balances', [holder]) }
export function setBalance (store: FeltStore, holder: bigint, amount: bigint): void { store.writeU256('ERC20_balances', [holder], amount) }

function move (store: FeltStore, cx: CallContext, from: bigint, to: bigint, amount: bigint): void {
  if (from === 0n) panic('ERC20: transfer from 0')
  if (to === 0n) panic('ERC20: transfer to 0')
  const have = balanceOf(store, from)
  if (have < amount) panic('ERC20: insufficient balance')
  setBalance(store, from, have - amount)
  setBalance(store, to, balanceOf(store, to) + amount)
  cx.emit({ keys: [sel('Transfer'), from, to], data: [...u256(amount)] })
}

const MASK128 = (1n << 128n) - 1n
/** Cairo's Serde of (felt..., u256) calldata: exactly `felts` felts, then (low, high) below 2^128 each. */
function args (cd: readonly bigint[], felts: number): { f: bigint[], amount: bigint } {
  if (cd.length !== felts + 2 || cd[felts]! > MASK128 || cd[felts + 1]! > MASK128) panic('Failed to deserialize param')
  return { f: cd.slice(0, felts), amount: cd[felts]! | (cd[felts + 1]! << 128n) }
}
function one (cd: readonly bigint[], n: number): bigint[] { if (cd.length !== n) panic('Failed to deserialize param'); return [...cd] }

const ENTRY = new Map<bigint, { external: boolean, run: (store: FeltStore, cx: CallContext, cd: readonly bigint[]) => bigint[] }>()
for (const name of ['balance_of', 'balanceOf']) ENTRY.set(sel(name), { external: false, run: (s, _cx, cd) => u256(balanceOf(s, one(cd, 1)[0]!)) })
for (const name of ['allowance']) ENTRY.set(sel(name), { external: false, run: (s, _cx, cd) => { const [o, sp] = one(cd, 2); return u256(s.readU256('ERC20_allowances', [o!, sp!])) } })
for (const name of ['transfer']) {
  ENTRY.set(sel(name), { external: true, run: (s, cx, cd) => { const { f, amount } = args(cd, 1); move(s, cx, cx.caller ?? 0n, f[0]!, amount); return [1n] } })
}
for (const name of ['transfer_from', 'transferFrom']) {
  ENTRY.set(sel(name), {
    external: true,
    run: (s, cx, cd) => {
      const { f: [from, to], amount } = args(cd, 2)
      const spender = cx.caller ?? 0n
      const allowed = s.readU256('ERC20_allowances', [from!, spender])
      if (allowed < amount) panic('ERC20: insufficient allowance')
      s.writeU256('ERC20_allowances', [from!, spender], allowed - amount)
      move(s, cx, from!, to!, amount)
      return [1n]
    }
  })
}
ENTRY.set(sel('approve'), {
  external: true,
  run: (s, cx, cd) => {
    const { f: [spender], amount } = args(cd, 1)
    const owner = cx.caller ?? 0n
    if (spender === 0n) panic('ERC20: approve to 0')
    s.writeU256('ERC20_allowances', [owner, spender!], amount)
    cx.emit({ keys: [sel('Approval'), owner, spender!], data: [...u256(amount)] })
    return [1n]
  }
})

/** Whether entry point `selector` of the token writes; undefined for no such entry point. */
export function tokenIsExternal (selector: bigint): boolean | undefined { return ENTRY.get(selector)?.external }

/** Calls the token's entry point `selector` on `store` as `cx.caller`. */
export function tokenDispatch (store: FeltStore, cx: CallContext, selector: bigint, calldata: readonly bigint[]): bigint[] {
  const e = ENTRY.get(selector)
  if (e === undefined) panic('ENTRYPOINT_NOT_FOUND')
  return e.run(store, cx, calldata)
}
