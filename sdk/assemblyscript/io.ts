// Call I/O: the argument, the return value, panics and logging.
import * as host from "./host";
import { utf8, readResult } from "./bytes";
import { JSON, JSONKind, JSONObject, JSONValue, JSONWriter } from "./json";

let inputCache: ArrayBuffer | null = null;

function inputBuffer(): ArrayBuffer {
  let buf = inputCache;
  if (buf === null) {
    buf = readResult(host.input());
    inputCache = buf;
  }
  return buf;
}

/** The call's argument bytes. */
export function inputBytes(): Uint8Array {
  return Uint8Array.wrap(inputBuffer());
}

/** The call's argument as a string (UTF-8 decoded; by convention JSON). */
export function input(): string {
  return String.UTF8.decode(inputBuffer());
}

/**
 * The call's argument parsed as a JSON object. Empty (or all-whitespace) input yields
 * an empty object; anything that is not an object panics.
 */
export function args(): JSONObject {
  const text = input();
  if (text.trim().length == 0) return new JSONObject();
  const v = JSON.parse(text);
  if (v.kind != JSONKind.OBJECT) panic("arguments must be a JSON object, got " + v.describe());
  return changetype<JSONObject>(v);
}

/** Sets the call's return value to the UTF-8 bytes of `s` (no quoting: pass JSON text). */
export function returnString(s: string): void {
  const b = utf8(s);
  host.value_return(changetype<usize>(b), <usize>b.byteLength);
}

/** Sets the call's return value to raw bytes. */
export function returnBytes(b: Uint8Array): void {
  host.value_return(b.dataStart, <usize>b.length);
}

/**
 * Returns `v` serialized as JSON:
 *  - JSONValue: stringified;  JSONWriter: its text;
 *  - string: as a JSON string literal (quoted), `null` for a null string;
 *  - bool / integer / float: as a JSON number or boolean.
 * To return JSON text you already have, use `returnString`.
 */
export function returnJson<T>(v: T): void {
  if (isNullable<T>()) {
    if (changetype<usize>(v) == 0) {
      returnString("null");
      return;
    }
  }
  if (isString<T>()) {
    returnString(JSON.quote(changetype<string>(v)));
  } else if (isBoolean<T>()) {
    returnString(<bool>v ? "true" : "false");
  } else if (isInteger<T>()) {
    returnString(v.toString());
  } else if (isFloat<T>()) {
    returnString(JSON.stringify(JSON.number(<f64>v)));
  } else if (isReference<T>()) {
    if (v instanceof JSONWriter) {
      returnString(changetype<JSONWriter>(v).toString());
    } else if (v instanceof JSONValue) {
      returnString(JSON.stringify(changetype<JSONValue>(v)));
    } else {
      panic("returnJson: unsupported type " + nameof<T>());
    }
  } else {
    panic("returnJson: unsupported type " + nameof<T>());
  }
}

/** Aborts the call with `message`. Nothing the call did is kept. Never returns. */
export function panic(message: string): void {
  const b = utf8(message);
  host.panic(changetype<usize>(b), <usize>b.byteLength);
  unreachable();
}

/** Writes a line to the node's log (tagged with context and method). */
export function log(message: string): void {
  const b = utf8(message);
  host.log(changetype<usize>(b), <usize>b.byteLength);
}
