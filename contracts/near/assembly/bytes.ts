// Fixed binary layouts for stored records: a writer and a reader of little-endian fields.
import { fail, U128 } from './env';

export class Writer {
  buf: u8[] = [];

  u8 (v: u8): Writer { this.buf.push(v); return this; }

  u32 (v: u32): Writer {
    for (let i = 0; i < 4; i++) this.buf.push(<u8>(v >> (8 * i)));
    return this;
  }

  u64 (v: u64): Writer {
    for (let i = 0; i < 8; i++) this.buf.push(<u8>(v >> (<u64>(8 * i))));
    return this;
  }

  u128 (v: U128): Writer { return this.raw(v.toLE()); }

  raw (b: Uint8Array): Writer {
    for (let i = 0; i < b.length; i++) this.buf.push(b[i]);
    return this;
  }

  /** u32 length, then the bytes. */
  bytes (b: Uint8Array): Writer { return this.u32(<u32>b.length).raw(b); }

  done (): Uint8Array {
    const out = new Uint8Array(this.buf.length);
    for (let i = 0; i < this.buf.length; i++) out[i] = this.buf[i];
    return out;
  }
}

export class Reader {
  pos: i32 = 0;
  constructor (public b: Uint8Array) {}

  need (n: i32): void {
    if (this.pos + n > this.b.length) fail('CorruptState: a stored record is shorter than its layout');
  }

  u8 (): u8 { this.need(1); return this.b[this.pos++]; }

  u32 (): u32 {
    this.need(4);
    let v: u32 = 0;
    for (let i = 3; i >= 0; i--) v = (v << 8) | <u32>this.b[this.pos + i];
    this.pos += 4;
    return v;
  }

  u64 (): u64 {
    this.need(8);
    let v: u64 = 0;
    for (let i = 7; i >= 0; i--) v = (v << 8) | <u64>this.b[this.pos + i];
    this.pos += 8;
    return v;
  }

  u128 (): U128 { return U128.fromLE(this.raw(16)); }

  raw (n: i32): Uint8Array {
    this.need(n);
    const out = this.b.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  bytes (): Uint8Array { return this.raw(<i32>this.u32()); }
}

export function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function equal (a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

export function isZero (a: Uint8Array): bool {
  for (let i = 0; i < a.length; i++) if (a[i] != 0) return false;
  return true;
}
