// NEAR's host functions (module "env", nearcore runtime/near-vm-runner imports), declared
// raw: near-sdk-as cannot be installed here. Every integer is a u64; pointers are offsets
// into this module's memory. Thin wrappers below turn registers into byte arrays.

@external("env", "read_register") declare function read_register(register_id: u64, ptr: u64): void;
@external("env", "register_len") declare function register_len(register_id: u64): u64;
@external("env", "current_account_id") declare function current_account_id(register_id: u64): void;
@external("env", "predecessor_account_id") declare function predecessor_account_id(register_id: u64): void;
@external("env", "input") declare function input(register_id: u64): void;
@external("env", "block_index") declare function block_index(): u64;
@external("env", "block_timestamp") declare function block_timestamp(): u64;
@external("env", "storage_usage") declare function storage_usage(): u64;
@external("env", "attached_deposit") declare function attached_deposit(balance_ptr: u64): void;
@external("env", "sha256") declare function sha256(value_len: u64, value_ptr: u64, register_id: u64): void;
@external("env", "ed25519_verify") declare function ed25519_verify(sig_len: u64, sig_ptr: u64, msg_len: u64, msg_ptr: u64, pub_key_len: u64, pub_key_ptr: u64): u64;
@external("env", "value_return") declare function value_return(value_len: u64, value_ptr: u64): void;
@external("env", "panic_utf8") declare function panic_utf8(len: u64, ptr: u64): void;
@external("env", "log_utf8") declare function log_utf8(len: u64, ptr: u64): void;
@external("env", "storage_write") declare function storage_write(key_len: u64, key_ptr: u64, value_len: u64, value_ptr: u64, register_id: u64): u64;
@external("env", "storage_read") declare function storage_read(key_len: u64, key_ptr: u64, register_id: u64): u64;
@external("env", "storage_remove") declare function storage_remove(key_len: u64, key_ptr: u64, register_id: u64): u64;
@external("env", "storage_has_key") declare function storage_has_key(key_len: u64, key_ptr: u64): u64;
@external("env", "promise_batch_create") declare function promise_batch_create(account_id_len: u64, account_id_ptr: u64): u64;
@external("env", "promise_batch_action_transfer") declare function promise_batch_action_transfer(promise_index: u64, amount_ptr: u64): void;
@external("env", "promise_batch_action_function_call") declare function promise_batch_action_function_call(promise_index: u64, method_name_len: u64, method_name_ptr: u64, arguments_len: u64, arguments_ptr: u64, amount_ptr: u64, gas: u64): void;
@external("env", "promise_then") declare function promise_then(promise_index: u64, account_id_len: u64, account_id_ptr: u64, method_name_len: u64, method_name_ptr: u64, arguments_len: u64, arguments_ptr: u64, amount_ptr: u64, gas: u64): u64;
@external("env", "promise_results_count") declare function promise_results_count(): u64;
@external("env", "promise_result") declare function promise_result(result_idx: u64, register_id: u64): u64;

const REG: u64 = 0;

@inline function ptr(b: Uint8Array): u64 {
  return <u64>b.dataStart;
}

function readReg(): Uint8Array {
  const len = register_len(REG);
  if (len == U64.MAX_VALUE) return new Uint8Array(0);
  const out = new Uint8Array(<i32>len);
  read_register(REG, ptr(out));
  return out;
}

export function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

export function text(b: Uint8Array): string {
  return String.UTF8.decodeUnsafe(b.dataStart, b.length);
}

/** Stops the call with `message`: every state change of the call is undone. */
export function fail(message: string): void {
  const b = utf8(message);
  panic_utf8(<u64>b.length, ptr(b));
  unreachable();
}

export function log(line: string): void {
  const b = utf8(line);
  log_utf8(<u64>b.length, ptr(b));
}

export function returnBytes(b: Uint8Array): void {
  value_return(<u64>b.length, ptr(b));
}

export function returnText(s: string): void {
  returnBytes(utf8(s));
}

export function callInput(): Uint8Array {
  input(REG);
  return readReg();
}

export function currentAccount(): string {
  current_account_id(REG);
  return text(readReg());
}

export function predecessor(): string {
  predecessor_account_id(REG);
  return text(readReg());
}

export function blockHeight(): u64 {
  return block_index();
}

/** The block's time in milliseconds (the unit of invitation expiries, as on every anchor). */
export function nowMs(): u64 {
  return block_timestamp() / 1000000;
}

export function storageUsage(): u64 {
  return storage_usage();
}

export function attachedDeposit(): U128 {
  const b = new Uint8Array(16);
  attached_deposit(ptr(b));
  return U128.fromLE(b);
}

export function sha256Of(b: Uint8Array): Uint8Array {
  sha256(<u64>b.length, ptr(b), REG);
  return readReg();
}

/** NEAR's own ed25519 verification (the host's, cofactorless as in ed25519-dalek's verify). */
export function ed25519Valid(signature: Uint8Array, message: Uint8Array, key: Uint8Array): bool {
  if (signature.length != 64 || key.length != 32) return false;
  return ed25519_verify(64, ptr(signature), <u64>message.length, ptr(message), 32, ptr(key)) == 1;
}

export function storageRead(key: Uint8Array): Uint8Array | null {
  if (storage_read(<u64>key.length, ptr(key), REG) == 0) return null;
  return readReg();
}

export function storageWrite(key: Uint8Array, value: Uint8Array): void {
  storage_write(<u64>key.length, ptr(key), <u64>value.length, ptr(value), REG);
}

export function storageRemove(key: Uint8Array): void {
  storage_remove(<u64>key.length, ptr(key), REG);
}

export function storageHas(key: Uint8Array): bool {
  return storage_has_key(<u64>key.length, ptr(key)) == 1;
}

/** A receipt sending `amount` to `to`; returns the promise index. */
export function promiseTransfer(to: string, amount: U128): u64 {
  const acc = utf8(to);
  const p = promise_batch_create(<u64>acc.length, ptr(acc));
  const a = amount.toLE();
  promise_batch_action_transfer(p, ptr(a));
  return p;
}

/** A receipt calling `method` of `target` with `args`, `deposit` and `gas`; returns the promise index. */
export function promiseCall(target: string, method: string, args: Uint8Array, deposit: U128, gas: u64): u64 {
  const acc = utf8(target);
  const m = utf8(method);
  const p = promise_batch_create(<u64>acc.length, ptr(acc));
  const d = deposit.toLE();
  promise_batch_action_function_call(p, <u64>m.length, ptr(m), <u64>args.length, ptr(args), ptr(d), gas);
  return p;
}

/** Runs this contract's `method` with `args` after promise `after` resolves. */
export function promiseThenSelf(after: u64, method: string, args: Uint8Array, gas: u64): u64 {
  const acc = utf8(currentAccount());
  const m = utf8(method);
  const zero = new Uint8Array(16);
  return promise_then(after, <u64>acc.length, ptr(acc), <u64>m.length, ptr(m), <u64>args.length, ptr(args), ptr(zero), gas);
}

/** In a callback: whether the promise it waited for succeeded (1 = ok, 2 = failed). */
export function firstPromiseSucceeded(): bool {
  if (promise_results_count() < 1) return false;
  return promise_result(0, REG) == 1;
}

/** Unsigned 128-bit amounts (yoctoNEAR): two u64 halves. */
export class U128 {
  constructor (public lo: u64 = 0, public hi: u64 = 0) {}

  static fromLE (b: Uint8Array): U128 {
    let lo: u64 = 0;
    let hi: u64 = 0;
    for (let i = 7; i >= 0; i--) lo = (lo << 8) | <u64>b[i];
    for (let i = 15; i >= 8; i--) hi = (hi << 8) | <u64>b[i];
    return new U128(lo, hi);
  }

  toLE (): Uint8Array {
    const b = new Uint8Array(16);
    for (let i = 0; i < 8; i++) b[i] = <u8>(this.lo >> (<u64>(8 * i)));
    for (let i = 0; i < 8; i++) b[8 + i] = <u8>(this.hi >> (<u64>(8 * i)));
    return b;
  }

  isZero (): bool { return this.lo == 0 && this.hi == 0; }

  lt (o: U128): bool { return this.hi < o.hi || (this.hi == o.hi && this.lo < o.lo); }

  add (o: U128): U128 {
    const lo = this.lo + o.lo;
    const carry: u64 = lo < this.lo ? 1 : 0;
    const h = this.hi + o.hi;
    const hi = h + carry;
    if (h < this.hi || hi < h) fail('Overflow: amount exceeds 2^128 - 1');
    return new U128(lo, hi);
  }

  /** this - o; the caller checks o <= this. */
  sub (o: U128): U128 {
    const borrow: u64 = this.lo < o.lo ? 1 : 0;
    return new U128(this.lo - o.lo, this.hi - o.hi - borrow);
  }

  /** this * m for a small m (< 2^32). */
  mulSmall (m: u64): U128 {
    const a0 = this.lo & 0xffffffff;
    const a1 = this.lo >> 32;
    const p0 = a0 * m;
    const p1 = a1 * m + (p0 >> 32);
    const lo = (p0 & 0xffffffff) | (p1 << 32);
    const hi = this.hi * m + (p1 >> 32);
    return new U128(lo, hi);
  }

  /** Parses a decimal string of digits only; null if it is not one or exceeds 2^128 - 1. */
  static parse (s: string): U128 | null {
    if (s.length == 0 || s.length > 39) return null;
    let r = new U128();
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return null;
      // r * 10 must fit (amounts this large exceed NEAR's whole supply anyway)
      if (r.hi > 0x1999999999999998) return null;
      const t = r.mulSmall(10);
      const d = new U128(<u64>(c - 48), 0);
      const lo = t.lo + d.lo;
      const hi = t.hi + (lo < t.lo ? 1 : 0);
      if (hi < t.hi) return null;
      r = new U128(lo, hi);
    }
    return r;
  }

  toString (): string {
    if (this.hi == 0) return this.lo.toString();
    let hi = this.hi;
    let lo = this.lo;
    let digits = '';
    while (hi != 0 || lo != 0) {
      // divide (hi, lo) by 10: process 32-bit limbs
      let rem: u64 = 0;
      const limbs: u64[] = [hi >> 32, hi & 0xffffffff, lo >> 32, lo & 0xffffffff];
      for (let i = 0; i < 4; i++) {
        const cur = (rem << 32) | limbs[i];
        limbs[i] = cur / 10;
        rem = cur % 10;
      }
      hi = (limbs[0] << 32) | limbs[1];
      lo = (limbs[2] << 32) | limbs[3];
      digits = String.fromCharCode(<i32>(48 + rem)) + digits;
    }
    return digits;
  }
}
