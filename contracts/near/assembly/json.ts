// A small strict JSON reader for request and view arguments (UTF-8 bytes in, a tree out)
// and helpers to write JSON text. Strict: no duplicate keys, no trailing data, integers
// only where integers are expected; a malformed argument stops the call with a
// `BadRequest:` panic and changes nothing.
import { fail, text } from './env';

export const J_NULL: i32 = 0;
export const J_BOOL: i32 = 1;
export const J_NUM: i32 = 2;
export const J_STR: i32 = 3;
export const J_ARR: i32 = 4;
export const J_OBJ: i32 = 5;

const MAX_DEPTH: i32 = 16;

export class JValue {
  kind: i32 = J_NULL;
  /** The value's raw bytes in the source: [start, end). */
  start: i32 = 0;
  end: i32 = 0;
  bool: bool = false;
  /** Unescaped string bytes, or the number's text. */
  bytes: Uint8Array = new Uint8Array(0);
  keys: string[] = [];
  items: JValue[] = [];

  get (key: string): JValue | null {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] == key) return this.items[i];
    return null;
  }
}

export function badRequest (why: string): void {
  fail('BadRequest: ' + why);
}

class Parser {
  pos: i32 = 0;
  constructor (public src: Uint8Array) {}

  ws (): void {
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) this.pos++;
      else break;
    }
  }

  err (what: string): void {
    badRequest('invalid JSON at byte ' + this.pos.toString() + ': ' + what);
  }

  peek (): i32 {
    if (this.pos >= this.src.length) this.err('unexpected end');
    return this.src[this.pos];
  }

  lit (word: string): void {
    for (let i = 0; i < word.length; i++) {
      if (this.pos >= this.src.length || <i32>this.src[this.pos] != word.charCodeAt(i)) this.err('expected ' + word);
      this.pos++;
    }
  }

  value (depth: i32): JValue {
    if (depth > MAX_DEPTH) this.err('nested too deeply');
    this.ws();
    const v = new JValue();
    v.start = this.pos;
    const c = this.peek();
    if (c == 0x7b) { // {
      v.kind = J_OBJ;
      this.pos++;
      this.ws();
      if (this.peek() == 0x7d) { this.pos++; } else {
        while (true) {
          this.ws();
          if (this.peek() != 0x22) this.err('expected a key');
          const key = text(this.str());
          for (let i = 0; i < v.keys.length; i++) if (v.keys[i] == key) this.err('duplicate key ' + key);
          this.ws();
          if (this.peek() != 0x3a) this.err('expected :');
          this.pos++;
          v.keys.push(key);
          v.items.push(this.value(depth + 1));
          this.ws();
          const d = this.peek();
          this.pos++;
          if (d == 0x7d) break;
          if (d != 0x2c) this.err('expected , or }');
        }
      }
    } else if (c == 0x5b) { // [
      v.kind = J_ARR;
      this.pos++;
      this.ws();
      if (this.peek() == 0x5d) { this.pos++; } else {
        while (true) {
          v.items.push(this.value(depth + 1));
          this.ws();
          const d = this.peek();
          this.pos++;
          if (d == 0x5d) break;
          if (d != 0x2c) this.err('expected , or ]');
        }
      }
    } else if (c == 0x22) {
      v.kind = J_STR;
      v.bytes = this.str();
    } else if (c == 0x74) { this.lit('true'); v.kind = J_BOOL; v.bool = true; }
    else if (c == 0x66) { this.lit('false'); v.kind = J_BOOL; }
    else if (c == 0x6e) { this.lit('null'); }
    else if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
      v.kind = J_NUM;
      const s = this.pos;
      while (this.pos < this.src.length) {
        const d = this.src[this.pos];
        if ((d >= 0x30 && d <= 0x39) || d == 0x2d || d == 0x2b || d == 0x2e || d == 0x65 || d == 0x45) this.pos++;
        else break;
      }
      v.bytes = this.src.slice(s, this.pos);
    } else this.err('unexpected character');
    v.end = this.pos;
    return v;
  }

  hex4 (): i32 {
    let r = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.peek();
      this.pos++;
      let d = -1;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      if (d < 0) this.err('bad \\u escape');
      r = (r << 4) | d;
    }
    return r;
  }

  /** A string token, unescaped to UTF-8. */
  str (): Uint8Array {
    this.pos++; // opening quote
    const out: u8[] = [];
    while (true) {
      const c = this.peek();
      this.pos++;
      if (c == 0x22) break;
      if (c < 0x20) this.err('control character in string');
      if (c != 0x5c) { out.push(<u8>c); continue; }
      const e = this.peek();
      this.pos++;
      if (e == 0x22 || e == 0x5c || e == 0x2f) out.push(<u8>e);
      else if (e == 0x62) out.push(8);
      else if (e == 0x66) out.push(12);
      else if (e == 0x6e) out.push(10);
      else if (e == 0x72) out.push(13);
      else if (e == 0x74) out.push(9);
      else if (e == 0x75) {
        let cp = this.hex4();
        if (cp >= 0xd800 && cp <= 0xdbff) {
          this.lit('\\u');
          const lo = this.hex4();
          if (lo < 0xdc00 || lo > 0xdfff) this.err('unpaired surrogate');
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        } else if (cp >= 0xdc00 && cp <= 0xdfff) this.err('unpaired surrogate');
        if (cp < 0x80) out.push(<u8>cp);
        else if (cp < 0x800) { out.push(<u8>(0xc0 | (cp >> 6))); out.push(<u8>(0x80 | (cp & 63))); }
        else if (cp < 0x10000) { out.push(<u8>(0xe0 | (cp >> 12))); out.push(<u8>(0x80 | ((cp >> 6) & 63))); out.push(<u8>(0x80 | (cp & 63))); }
        else { out.push(<u8>(0xf0 | (cp >> 18))); out.push(<u8>(0x80 | ((cp >> 12) & 63))); out.push(<u8>(0x80 | ((cp >> 6) & 63))); out.push(<u8>(0x80 | (cp & 63))); }
      } else this.err('bad escape');
    }
    const b = new Uint8Array(out.length);
    for (let i = 0; i < out.length; i++) b[i] = out[i];
    return b;
  }
}

/** Parses a whole JSON document (an empty input counts as `{}`). */
export function parseJson (src: Uint8Array): JValue {
  if (src.length == 0) {
    const v = new JValue();
    v.kind = J_OBJ;
    return v;
  }
  const p = new Parser(src);
  const v = p.value(0);
  p.ws();
  if (p.pos != src.length) p.err('trailing data');
  return v;
}

// ---- Typed field access: a missing or mistyped field is a BadRequest naming it. ----

export function field (o: JValue, key: string): JValue {
  if (o.kind != J_OBJ) badRequest('expected an object with "' + key + '"');
  const v = o.get(key);
  if (v === null) badRequest('missing field "' + key + '"');
  return v!;
}

export function has (o: JValue, key: string): bool {
  if (o.kind != J_OBJ) return false;
  const v = o.get(key);
  return v !== null && v.kind != J_NULL;
}

/** Only these keys may appear: an unknown field is refused rather than silently ignored. */
export function onlyKeys (o: JValue, allowed: string[], what: string): void {
  if (o.kind != J_OBJ) badRequest(what + ' must be an object');
  for (let i = 0; i < o.keys.length; i++) {
    if (!allowed.includes(o.keys[i])) badRequest('unknown field "' + o.keys[i] + '" in ' + what);
  }
}

export function asString (v: JValue, what: string): string {
  if (v.kind != J_STR) badRequest(what + ' must be a string');
  return text(v.bytes);
}

export function strField (o: JValue, key: string): string {
  return asString(field(o, key), '"' + key + '"');
}

export function boolField (o: JValue, key: string): bool {
  const v = field(o, key);
  if (v.kind != J_BOOL) badRequest('"' + key + '" must be true or false');
  return v.bool;
}

/** A non-negative integer given as a JSON number or a decimal string (for values past 2^53). */
export function asU64 (v: JValue, what: string): u64 {
  if (v.kind != J_NUM && v.kind != J_STR) badRequest(what + ' must be a non-negative integer');
  const b = v.bytes;
  if (b.length == 0 || b.length > 20) badRequest(what + ' must be a non-negative integer below 2^64');
  let r: u64 = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c < 0x30 || c > 0x39) badRequest(what + ' must be a non-negative integer');
    const next = r * 10 + <u64>(c - 0x30);
    if (r > 1844674407370955161 || next < r) badRequest(what + ' must be below 2^64');
    r = next;
  }
  if (b.length > 1 && b[0] == 0x30) badRequest(what + ' has a leading zero');
  return r;
}

export function u64Field (o: JValue, key: string): u64 {
  return asU64(field(o, key), '"' + key + '"');
}

export function u32Field (o: JValue, key: string): u32 {
  const n = u64Field(o, key);
  if (n > <u64>U32.MAX_VALUE) badRequest('"' + key + '" must be below 2^32');
  return <u32>n;
}

function nibble (c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1; // lower case only: one spelling per value
}

/** Lower-case hex, any even length up to `max` bytes. */
export function asHex (v: JValue, what: string, max: i32): Uint8Array {
  if (v.kind != J_STR) badRequest(what + ' must be a hex string');
  const s = v.bytes;
  if ((s.length & 1) != 0) badRequest(what + ' must have an even number of hex digits');
  if (s.length / 2 > max) badRequest(what + ' exceeds ' + max.toString() + ' bytes');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const h = nibble(s[2 * i]);
    const l = nibble(s[2 * i + 1]);
    if (h < 0 || l < 0) badRequest(what + ' must be lower-case hex');
    out[i] = <u8>((h << 4) | l);
  }
  return out;
}

export function hexField (o: JValue, key: string, max: i32): Uint8Array {
  return asHex(field(o, key), '"' + key + '"', max);
}

export function id32Field (o: JValue, key: string): Uint8Array {
  const b = hexField(o, key, 32);
  if (b.length != 32) badRequest('"' + key + '" must be 32 bytes (64 hex digits)');
  return b;
}

// ---- Writing ----

const HEX = '0123456789abcdef';

export function hex (b: Uint8Array): string {
  const out = new Uint8Array(b.length * 2);
  for (let i = 0; i < b.length; i++) {
    out[2 * i] = <u8>HEX.charCodeAt(b[i] >> 4);
    out[2 * i + 1] = <u8>HEX.charCodeAt(b[i] & 15);
  }
  return text(out);
}

/** A JSON string literal. */
export function q (s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += '\\"';
    else if (c == 0x5c) out += '\\\\';
    else if (c < 0x20) out += '\\u00' + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
    else out += String.fromCharCode(c);
  }
  return out + '"';
}

export function qh (b: Uint8Array): string {
  return '"' + hex(b) + '"';
}
