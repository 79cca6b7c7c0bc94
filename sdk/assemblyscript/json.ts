// A small self-contained JSON module: a value tree (JSONValue and subclasses), a parser,
// a serializer and a streaming JSONWriter. Malformed input and missing or wrong-typed
// fields abort the call through `panic` with a descriptive message.
import { panic } from "./io";
import { parseJsonFloat } from "./float";

export namespace JSONKind {
  export const NULL: i32 = 0;
  export const BOOL: i32 = 1;
  export const NUMBER: i32 = 2;
  export const STRING: i32 = 3;
  export const ARRAY: i32 = 4;
  export const OBJECT: i32 = 5;
}

/** Human readable name of a JSONKind, used in error messages. */
export function kindName(kind: i32): string {
  switch (kind) {
    case JSONKind.NULL: return "null";
    case JSONKind.BOOL: return "boolean";
    case JSONKind.NUMBER: return "number";
    case JSONKind.STRING: return "string";
    case JSONKind.ARRAY: return "array";
    case JSONKind.OBJECT: return "object";
  }
  return "unknown";
}

// 2^63 as f64: the exclusive bound of the i64 range.
const I64_BOUND: f64 = 9223372036854775808.0;

/** A JSON value. Inspect `kind` or the `is*` getters; `as*` converts or panics. */
export class JSONValue {
  readonly kind: i32;

  constructor(kind: i32) {
    this.kind = kind;
  }

  get isNull(): bool { return this.kind == JSONKind.NULL; }
  get isBool(): bool { return this.kind == JSONKind.BOOL; }
  get isNumber(): bool { return this.kind == JSONKind.NUMBER; }
  get isString(): bool { return this.kind == JSONKind.STRING; }
  get isArray(): bool { return this.kind == JSONKind.ARRAY; }
  get isObject(): bool { return this.kind == JSONKind.OBJECT; }
  /** True for numbers with an exact i64 value. */
  get isInteger(): bool {
    return this.kind == JSONKind.NUMBER && changetype<JSONNumber>(this).integral;
  }

  /** A short description for error messages, e.g. `number 1.5` or `object`. */
  describe(): string {
    switch (this.kind) {
      case JSONKind.NUMBER:
      case JSONKind.BOOL:
      case JSONKind.NULL:
        return kindName(this.kind) + " " + JSON.stringify(this);
      case JSONKind.STRING: {
        const s = changetype<JSONString>(this).value;
        return "string " + JSON.quote(s.length > 40 ? s.substring(0, 40) + "..." : s);
      }
    }
    return kindName(this.kind);
  }

  asString(): string {
    if (this.kind != JSONKind.STRING) panic("expected a string, got " + this.describe());
    return changetype<JSONString>(this).value;
  }
  asBool(): bool {
    if (this.kind != JSONKind.BOOL) panic("expected a boolean, got " + this.describe());
    return changetype<JSONBool>(this).value;
  }
  asNumber(): f64 {
    if (this.kind != JSONKind.NUMBER) panic("expected a number, got " + this.describe());
    return changetype<JSONNumber>(this).toF64();
  }
  asInteger(): i64 {
    if (!this.isInteger) panic("expected an integer, got " + this.describe());
    return changetype<JSONNumber>(this).intValue;
  }
  asArray(): JSONArray {
    if (this.kind != JSONKind.ARRAY) panic("expected an array, got " + this.describe());
    return changetype<JSONArray>(this);
  }
  asObject(): JSONObject {
    if (this.kind != JSONKind.OBJECT) panic("expected an object, got " + this.describe());
    return changetype<JSONObject>(this);
  }

  /** Compact JSON text of this value. */
  toString(): string {
    return JSON.stringify(this);
  }
}

export class JSONNull extends JSONValue {
  constructor() { super(JSONKind.NULL); }
}

export class JSONBool extends JSONValue {
  value: bool;
  constructor(value: bool) {
    super(JSONKind.BOOL);
    this.value = value;
  }
}

/** A number. Integers that fit in i64 are kept exactly (`integral`, `intValue`). */
export class JSONNumber extends JSONValue {
  integral: bool;
  intValue: i64;
  floatValue: f64;

  constructor(integral: bool, intValue: i64, floatValue: f64) {
    super(JSONKind.NUMBER);
    this.integral = integral;
    this.intValue = intValue;
    this.floatValue = floatValue;
  }

  static fromInteger(v: i64): JSONNumber {
    return new JSONNumber(true, v, <f64>v);
  }

  static fromFloat(v: f64): JSONNumber {
    // Keep integral floats exact so that e.g. 3.0 or 1e3 can be read back with getInteger.
    if (isFinite(v) && Math.floor(v) == v && v >= -I64_BOUND && v < I64_BOUND) {
      return new JSONNumber(true, <i64>v, v);
    }
    return new JSONNumber(false, 0, v);
  }

  toF64(): f64 {
    return this.integral ? <f64>this.intValue : this.floatValue;
  }
}

export class JSONString extends JSONValue {
  value: string;
  constructor(value: string) {
    super(JSONKind.STRING);
    this.value = value;
  }
}

/** A JSON array. Getters panic on out-of-range indices or wrong element types. */
export class JSONArray extends JSONValue {
  items: JSONValue[];

  constructor() {
    super(JSONKind.ARRAY);
    this.items = new Array<JSONValue>();
  }

  get length(): i32 { return this.items.length; }

  at(index: i32): JSONValue {
    if (index < 0 || index >= this.items.length) {
      panic("array index " + index.toString() + " out of range (length " + this.items.length.toString() + ")");
    }
    return unchecked(this.items[index]);
  }

  getString(index: i32): string { return this.at(index).asString(); }
  getInteger(index: i32): i64 { return this.at(index).asInteger(); }
  getNumber(index: i32): f64 { return this.at(index).asNumber(); }
  getBool(index: i32): bool { return this.at(index).asBool(); }
  getObject(index: i32): JSONObject { return this.at(index).asObject(); }
  getArray(index: i32): JSONArray { return this.at(index).asArray(); }

  /** All elements as strings (panics if any is not a string). */
  toStrings(): string[] {
    const out = new Array<string>(this.items.length);
    for (let i = 0; i < this.items.length; i++) unchecked(out[i] = unchecked(this.items[i]).asString());
    return out;
  }

  push(v: JSONValue): JSONArray { this.items.push(v); return this; }
  pushString(v: string): JSONArray { return this.push(new JSONString(v)); }
  pushInteger(v: i64): JSONArray { return this.push(JSONNumber.fromInteger(v)); }
  pushNumber(v: f64): JSONArray { return this.push(JSONNumber.fromFloat(v)); }
  pushBool(v: bool): JSONArray { return this.push(new JSONBool(v)); }
  pushNull(): JSONArray { return this.push(new JSONNull()); }
}

/**
 * A JSON object; keys keep their first insertion order, a repeated key overwrites the value.
 * `getX(key)` panics with `missing <type> argument "key"` when the key is absent and
 * `argument "key" must be <type>, got ...` when it has another type.
 */
export class JSONObject extends JSONValue {
  keys: string[];
  values: JSONValue[];
  private index: Map<string, i32>;

  constructor() {
    super(JSONKind.OBJECT);
    this.keys = new Array<string>();
    this.values = new Array<JSONValue>();
    this.index = new Map<string, i32>();
  }

  get size(): i32 { return this.keys.length; }

  has(key: string): bool { return this.index.has(key); }

  /** The value under `key`, or null when absent. */
  get(key: string): JSONValue | null {
    if (!this.index.has(key)) return null;
    return unchecked(this.values[this.index.get(key)]);
  }

  set(key: string, value: JSONValue): JSONObject {
    if (this.index.has(key)) {
      unchecked(this.values[this.index.get(key)] = value);
    } else {
      this.index.set(key, this.keys.length);
      this.keys.push(key);
      this.values.push(value);
    }
    return this;
  }
  setString(key: string, v: string): JSONObject { return this.set(key, new JSONString(v)); }
  setInteger(key: string, v: i64): JSONObject { return this.set(key, JSONNumber.fromInteger(v)); }
  setNumber(key: string, v: f64): JSONObject { return this.set(key, JSONNumber.fromFloat(v)); }
  setBool(key: string, v: bool): JSONObject { return this.set(key, new JSONBool(v)); }
  setNull(key: string): JSONObject { return this.set(key, new JSONNull()); }
  /** Sets `key` to a string, or to null when `v` is null. */
  setStringOrNull(key: string, v: string | null): JSONObject {
    if (v === null) return this.setNull(key);
    return this.set(key, new JSONString(v));
  }

  /** True when `key` is absent or explicitly null. */
  isMissing(key: string): bool {
    const v = this.get(key);
    return v === null || v.kind == JSONKind.NULL;
  }

  private require(key: string, kind: i32, what: string): JSONValue {
    const found = this.get(key);
    if (found === null) panic("missing " + what + " argument " + JSON.quote(key));
    const v = changetype<JSONValue>(found);
    if (v.kind != kind) {
      panic("argument " + JSON.quote(key) + " must be " + article(what) + ", got " + v.describe());
    }
    return v;
  }

  getString(key: string): string {
    return changetype<JSONString>(this.require(key, JSONKind.STRING, "string")).value;
  }
  getBool(key: string): bool {
    return changetype<JSONBool>(this.require(key, JSONKind.BOOL, "boolean")).value;
  }
  getNumber(key: string): f64 {
    return changetype<JSONNumber>(this.require(key, JSONKind.NUMBER, "number")).toF64();
  }
  getInteger(key: string): i64 {
    const n = changetype<JSONNumber>(this.require(key, JSONKind.NUMBER, "integer"));
    if (!n.integral) panic("argument " + JSON.quote(key) + " must be an integer, got " + n.describe());
    return n.intValue;
  }
  getObject(key: string): JSONObject {
    return changetype<JSONObject>(this.require(key, JSONKind.OBJECT, "object"));
  }
  getArray(key: string): JSONArray {
    return changetype<JSONArray>(this.require(key, JSONKind.ARRAY, "array"));
  }

  // Optional variants: absent or null yields the default; a present value of the wrong type panics.
  getStringOr(key: string, def: string): string {
    return this.isMissing(key) ? def : this.getString(key);
  }
  getStringOrNull(key: string): string | null {
    return this.isMissing(key) ? null : this.getString(key);
  }
  getIntegerOr(key: string, def: i64): i64 {
    return this.isMissing(key) ? def : this.getInteger(key);
  }
  getNumberOr(key: string, def: f64): f64 {
    return this.isMissing(key) ? def : this.getNumber(key);
  }
  getBoolOr(key: string, def: bool): bool {
    return this.isMissing(key) ? def : this.getBool(key);
  }
  getObjectOrNull(key: string): JSONObject | null {
    return this.isMissing(key) ? null : this.getObject(key);
  }
  getArrayOrNull(key: string): JSONArray | null {
    return this.isMissing(key) ? null : this.getArray(key);
  }
}

function article(what: string): string {
  const c = what.charCodeAt(0);
  // a/e/i/o/u
  if (c == 97 || c == 101 || c == 105 || c == 111 || c == 117) return "an " + what;
  return "a " + what;
}

// ---------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------

const MAX_DEPTH: i32 = 256;

class Parser {
  src: string;
  ptr: usize;
  len: i32;
  pos: i32 = 0;
  depth: i32 = 0;

  constructor(src: string) {
    this.src = src;
    this.ptr = changetype<usize>(src);
    this.len = src.length;
  }

  @inline code(i: i32): i32 {
    return <i32>load<u16>(this.ptr + (<usize>i << 1));
  }

  fail(what: string): void {
    let near = "end of input";
    if (this.pos < this.len) {
      near = JSON.quote(this.src.substring(this.pos, this.pos + 12));
    }
    panic("invalid JSON at offset " + this.pos.toString() + ": " + what + " (near " + near + ")");
    unreachable();
  }

  skipWs(): void {
    let p = this.pos;
    const n = this.len;
    while (p < n) {
      const c = this.code(p);
      if (c == 32 || c == 10 || c == 13 || c == 9) p++;
      else break;
    }
    this.pos = p;
  }

  expectWord(word: string): void {
    const n = word.length;
    if (this.pos + n > this.len) this.fail("unexpected token");
    for (let i = 0; i < n; i++) {
      if (this.code(this.pos + i) != word.charCodeAt(i)) this.fail("unexpected token");
    }
    this.pos += n;
  }

  value(): JSONValue {
    this.skipWs();
    if (this.pos >= this.len) {
      this.fail("unexpected end of input");
    }
    const c = this.code(this.pos);
    switch (c) {
      case 123: return this.object(); // {
      case 91: return this.array(); // [
      case 34: return new JSONString(this.string()); // "
      case 116: { this.expectWord("true"); return new JSONBool(true); }
      case 102: { this.expectWord("false"); return new JSONBool(false); }
      case 110: { this.expectWord("null"); return new JSONNull(); }
    }
    if (c == 45 || (c >= 48 && c <= 57)) return this.number();
    this.fail("unexpected character");
    return new JSONNull();
  }

  enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail("nesting deeper than " + MAX_DEPTH.toString());
  }

  object(): JSONObject {
    this.enter();
    const obj = new JSONObject();
    this.pos++; // {
    this.skipWs();
    if (this.pos < this.len && this.code(this.pos) == 125) {
      this.pos++;
      this.depth--;
      return obj;
    }
    while (true) {
      this.skipWs();
      if (this.pos >= this.len || this.code(this.pos) != 34) this.fail("expected a string key");
      const key = this.string();
      this.skipWs();
      if (this.pos >= this.len || this.code(this.pos) != 58) this.fail("expected ':'");
      this.pos++;
      obj.set(key, this.value());
      this.skipWs();
      if (this.pos >= this.len) this.fail("unterminated object");
      const c = this.code(this.pos);
      this.pos++;
      if (c == 44) continue; // ,
      if (c == 125) break; // }
      this.pos--;
      this.fail("expected ',' or '}'");
    }
    this.depth--;
    return obj;
  }

  array(): JSONArray {
    this.enter();
    const arr = new JSONArray();
    this.pos++; // [
    this.skipWs();
    if (this.pos < this.len && this.code(this.pos) == 93) {
      this.pos++;
      this.depth--;
      return arr;
    }
    while (true) {
      arr.items.push(this.value());
      this.skipWs();
      if (this.pos >= this.len) this.fail("unterminated array");
      const c = this.code(this.pos);
      this.pos++;
      if (c == 44) continue; // ,
      if (c == 93) break; // ]
      this.pos--;
      this.fail("expected ',' or ']'");
    }
    this.depth--;
    return arr;
  }

  hex4(): i32 {
    if (this.pos + 4 > this.len) this.fail("truncated \\u escape");
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.code(this.pos + i);
      let d = -1;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      if (d < 0) this.fail("invalid \\u escape");
      v = (v << 4) | d;
    }
    this.pos += 4;
    return v;
  }

  /** Parses a string literal starting at the opening quote. */
  string(): string {
    this.pos++; // opening quote
    const start = this.pos;
    const n = this.len;
    // Fast path: no escapes.
    let p = start;
    while (p < n) {
      const c = this.code(p);
      if (c == 34) {
        this.pos = p + 1;
        return this.src.substring(start, p);
      }
      if (c == 92) break;
      if (c < 32) {
        this.pos = p;
        this.fail("control character in string");
      }
      p++;
    }
    if (p >= n) {
      this.pos = p;
      this.fail("unterminated string");
    }
    // Slow path: collect UTF-16 code units.
    const units = new Array<u16>();
    for (let i = start; i < p; i++) units.push(<u16>this.code(i));
    this.pos = p;
    while (true) {
      if (this.pos >= n) this.fail("unterminated string");
      const c = this.code(this.pos);
      this.pos++;
      if (c == 34) break;
      if (c < 32) {
        this.pos--;
        this.fail("control character in string");
      }
      if (c != 92) {
        units.push(<u16>c);
        continue;
      }
      if (this.pos >= n) this.fail("unterminated escape");
      const e = this.code(this.pos);
      this.pos++;
      switch (e) {
        case 34: units.push(34); break; // \"
        case 92: units.push(92); break; // \\
        case 47: units.push(47); break; // \/
        case 98: units.push(8); break; // \b
        case 102: units.push(12); break; // \f
        case 110: units.push(10); break; // \n
        case 114: units.push(13); break; // \r
        case 116: units.push(9); break; // \t
        case 117: units.push(<u16>this.hex4()); break; // \uXXXX (pairs combine naturally in UTF-16)
        default: {
          this.pos--;
          this.fail("invalid escape");
        }
      }
    }
    const count = units.length;
    const buf = new ArrayBuffer(count << 1);
    memory.copy(changetype<usize>(buf), units.dataStart, <usize>count << 1);
    return String.UTF16.decode(buf);
  }

  number(): JSONNumber {
    const start = this.pos;
    const n = this.len;
    let p = start;
    let neg = false;
    if (this.code(p) == 45) {
      neg = true;
      p++;
    }
    if (p >= n) {
      this.pos = p;
      this.fail("truncated number");
    }
    let c = this.code(p);
    if (c == 48) {
      p++;
    } else if (c >= 49 && c <= 57) {
      while (p < n) {
        c = this.code(p);
        if (c < 48 || c > 57) break;
        p++;
      }
    } else {
      this.pos = p;
      this.fail("invalid number");
    }
    const intEnd = p;
    let isFloat = false;
    if (p < n && this.code(p) == 46) { // .
      isFloat = true;
      p++;
      const fracStart = p;
      while (p < n) {
        c = this.code(p);
        if (c < 48 || c > 57) break;
        p++;
      }
      if (p == fracStart) {
        this.pos = p;
        this.fail("expected digits after '.'");
      }
    }
    if (p < n && (this.code(p) == 101 || this.code(p) == 69)) { // e E
      isFloat = true;
      p++;
      if (p < n && (this.code(p) == 43 || this.code(p) == 45)) p++;
      const expStart = p;
      while (p < n) {
        c = this.code(p);
        if (c < 48 || c > 57) break;
        p++;
      }
      if (p == expStart) {
        this.pos = p;
        this.fail("expected digits in exponent");
      }
    }
    this.pos = p;
    if (!isFloat) {
      // Exact integer path with overflow detection.
      const digitsStart = neg ? start + 1 : start;
      if (intEnd - digitsStart <= 19) {
        let acc: u64 = 0;
        let ok = true;
        for (let i = digitsStart; i < intEnd; i++) {
          const d = <u64>(this.code(i) - 48);
          if (acc > (<u64>0xFFFFFFFFFFFFFFFF - d) / 10) {
            ok = false;
            break;
          }
          acc = acc * 10 + d;
        }
        if (ok) {
          if (!neg && acc <= <u64>i64.MAX_VALUE) return JSONNumber.fromInteger(<i64>acc);
          if (neg && acc <= <u64>9223372036854775808) return JSONNumber.fromInteger(<i64>(0 - acc));
        }
      }
    }
    return JSONNumber.fromFloat(parseJsonFloat(this.ptr + (<usize>start << 1), p - start));
  }
}

// ---------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------

/**
 * Streaming JSON builder. Commas and colons are inserted automatically:
 *
 *   const w = new JSONWriter();
 *   w.beginObject();
 *   w.key("name"); w.string("ada");
 *   w.key("tags"); w.beginArray(); w.string("x"); w.endArray();
 *   w.endObject();
 *   w.toString(); // {"name":"ada","tags":["x"]}
 */
export class JSONWriter {
  private parts: string[] = new Array<string>();
  private counts: i32[] = new Array<i32>();
  private afterKey: bool = false;

  private beforeValue(): void {
    if (this.afterKey) {
      this.afterKey = false;
      return;
    }
    const d = this.counts.length;
    if (d > 0) {
      const c = unchecked(this.counts[d - 1]);
      if (c > 0) this.parts.push(",");
      unchecked(this.counts[d - 1] = c + 1);
    }
  }

  beginObject(): JSONWriter {
    this.beforeValue();
    this.parts.push("{");
    this.counts.push(0);
    return this;
  }
  endObject(): JSONWriter {
    this.counts.pop();
    this.parts.push("}");
    return this;
  }
  beginArray(): JSONWriter {
    this.beforeValue();
    this.parts.push("[");
    this.counts.push(0);
    return this;
  }
  endArray(): JSONWriter {
    this.counts.pop();
    this.parts.push("]");
    return this;
  }
  /** Writes an object key; the next value written belongs to it. */
  key(k: string): JSONWriter {
    this.beforeValue();
    this.parts.push(JSON.quote(k));
    this.parts.push(":");
    this.afterKey = true;
    return this;
  }
  string(s: string): JSONWriter {
    this.beforeValue();
    this.parts.push(JSON.quote(s));
    return this;
  }
  stringOrNull(s: string | null): JSONWriter {
    if (s === null) return this.nullValue();
    return this.string(s);
  }
  integer(v: i64): JSONWriter {
    this.beforeValue();
    this.parts.push(v.toString());
    return this;
  }
  number(v: f64): JSONWriter {
    this.beforeValue();
    this.parts.push(formatNumber(v));
    return this;
  }
  bool(v: bool): JSONWriter {
    this.beforeValue();
    this.parts.push(v ? "true" : "false");
    return this;
  }
  nullValue(): JSONWriter {
    this.beforeValue();
    this.parts.push("null");
    return this;
  }
  /** Inserts already-serialized JSON text verbatim (not validated). */
  raw(json: string): JSONWriter {
    this.beforeValue();
    this.parts.push(json);
    return this;
  }
  /** Writes a value tree. */
  value(v: JSONValue): JSONWriter {
    switch (v.kind) {
      case JSONKind.NULL: return this.nullValue();
      case JSONKind.BOOL: return this.bool(changetype<JSONBool>(v).value);
      case JSONKind.NUMBER: {
        const n = changetype<JSONNumber>(v);
        return n.integral ? this.integer(n.intValue) : this.number(n.floatValue);
      }
      case JSONKind.STRING: return this.string(changetype<JSONString>(v).value);
      case JSONKind.ARRAY: {
        const items = changetype<JSONArray>(v).items;
        this.beginArray();
        for (let i = 0; i < items.length; i++) this.value(unchecked(items[i]));
        return this.endArray();
      }
      case JSONKind.OBJECT: {
        const o = changetype<JSONObject>(v);
        this.beginObject();
        for (let i = 0; i < o.keys.length; i++) {
          this.key(unchecked(o.keys[i]));
          this.value(unchecked(o.values[i]));
        }
        return this.endObject();
      }
    }
    return this;
  }

  // Field shorthands for objects: key + value.
  fieldString(k: string, v: string): JSONWriter { return this.key(k).string(v); }
  fieldStringOrNull(k: string, v: string | null): JSONWriter { return this.key(k).stringOrNull(v); }
  fieldInteger(k: string, v: i64): JSONWriter { return this.key(k).integer(v); }
  fieldNumber(k: string, v: f64): JSONWriter { return this.key(k).number(v); }
  fieldBool(k: string, v: bool): JSONWriter { return this.key(k).bool(v); }
  fieldNull(k: string): JSONWriter { return this.key(k).nullValue(); }
  fieldRaw(k: string, json: string): JSONWriter { return this.key(k).raw(json); }
  fieldValue(k: string, v: JSONValue): JSONWriter { return this.key(k).value(v); }

  toString(): string {
    return this.parts.join("");
  }
}

function formatNumber(v: f64): string {
  if (!isFinite(v)) return "null"; // JSON has no NaN/Infinity
  if (Math.floor(v) == v && Math.abs(v) < 9007199254740992.0) return (<i64>v).toString();
  const s = v.toString();
  // AssemblyScript prints large integral doubles as e.g. "9223372036854776000.0".
  if (s.endsWith(".0")) return s.substring(0, s.length - 2);
  return s;
}

// ---------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------

function needsEscape(c: i32): bool {
  return c < 32 || c == 34 || c == 92 || (c >= 0xD800 && c <= 0xDFFF);
}

const HEX = "0123456789abcdef";

function escapeUnit(c: i32): string {
  switch (c) {
    case 34: return "\\\"";
    case 92: return "\\\\";
    case 8: return "\\b";
    case 12: return "\\f";
    case 10: return "\\n";
    case 13: return "\\r";
    case 9: return "\\t";
  }
  return "\\u" + HEX.charAt((c >> 12) & 15) + HEX.charAt((c >> 8) & 15) + HEX.charAt((c >> 4) & 15) + HEX.charAt(c & 15);
}

export namespace JSON {
  /** Parses JSON text; panics with the offset and reason on malformed input. */
  export function parse(text: string): JSONValue {
    const p = new Parser(text);
    const v = p.value();
    p.skipWs();
    if (p.pos < p.len) p.fail("unexpected data after the JSON value");
    return v;
  }

  /** Parses UTF-8 JSON bytes. */
  export function parseBytes(bytes: Uint8Array): JSONValue {
    return parse(String.UTF8.decodeUnsafe(bytes.dataStart, <usize>bytes.length));
  }

  /** Parses JSON text that must be an object. */
  export function parseObject(text: string): JSONObject {
    const v = parse(text);
    if (v.kind != JSONKind.OBJECT) panic("expected a JSON object, got " + v.describe());
    return changetype<JSONObject>(v);
  }

  /** Serializes a value tree to compact JSON. */
  export function stringify(v: JSONValue): string {
    return new JSONWriter().value(v).toString();
  }

  /** `s` as a JSON string literal, quotes included. Lone surrogates are escaped as \uXXXX. */
  export function quote(s: string): string {
    const n = s.length;
    const ptr = changetype<usize>(s);
    let i = 0;
    // Fast path: nothing to escape.
    while (i < n && !needsEscape(<i32>load<u16>(ptr + (<usize>i << 1)))) i++;
    if (i == n) return "\"" + s + "\"";
    const parts = new Array<string>();
    parts.push("\"");
    let runStart = 0;
    while (i < n) {
      const c = <i32>load<u16>(ptr + (<usize>i << 1));
      if (!needsEscape(c)) {
        i++;
        continue;
      }
      if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n) {
        const d = <i32>load<u16>(ptr + (<usize>(i + 1) << 1));
        if (d >= 0xDC00 && d <= 0xDFFF) { // a valid pair: keep as is
          i += 2;
          continue;
        }
      }
      if (i > runStart) parts.push(s.substring(runStart, i));
      parts.push(escapeUnit(c));
      i++;
      runStart = i;
    }
    if (n > runStart) parts.push(s.substring(runStart, n));
    parts.push("\"");
    return parts.join("");
  }

  // Constructors for building trees.
  export function object(): JSONObject { return new JSONObject(); }
  export function array(): JSONArray { return new JSONArray(); }
  export function str(v: string): JSONString { return new JSONString(v); }
  export function integer(v: i64): JSONNumber { return JSONNumber.fromInteger(v); }
  export function number(v: f64): JSONNumber { return JSONNumber.fromFloat(v); }
  export function boolean(v: bool): JSONBool { return new JSONBool(v); }
  export function nullValue(): JSONNull { return new JSONNull(); }

  /** Converts a string/bool/integer/float/JSONValue (or null) to a JSONValue. */
  export function from<T>(v: T): JSONValue {
    return jsonFrom<T>(v);
  }
}

// Outside the namespace: inside it, `bool` would name JSON.bool rather than the type.
function jsonFrom<T>(v: T): JSONValue {
  if (isNullable<T>()) {
    if (changetype<usize>(v) == 0) return new JSONNull();
  }
  if (isString<T>()) {
    return new JSONString(changetype<string>(v));
  } else if (isBoolean<T>()) {
    return new JSONBool(<bool>v);
  } else if (isInteger<T>()) {
    if (!isSigned<T>() && sizeof<T>() == 8 && <u64>v > <u64>i64.MAX_VALUE) return JSONNumber.fromFloat(<f64>v);
    return JSONNumber.fromInteger(<i64>v);
  } else if (isFloat<T>()) {
    return JSONNumber.fromFloat(<f64>v);
  } else if (isReference<T>()) {
    if (v instanceof JSONValue) return changetype<JSONValue>(v);
  }
  panic("JSON.from: unsupported type " + nameof<T>());
  return new JSONNull();
}
