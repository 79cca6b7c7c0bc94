// Byte helpers: UTF-8, the host result buffer, byte-string lists, hex.
import * as host from "./host";

/** UTF-8 encodes `s`. Unpaired surrogates become U+FFFD so the host always sees valid UTF-8. */
export function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s, false, String.UTF8.ErrorMode.REPLACE);
}

/** Decodes UTF-8 bytes at `ptr`/`len` into a string. */
export function utf8Decode(ptr: usize, len: usize): string {
  return String.UTF8.decodeUnsafe(ptr, len);
}

/** Copies `len` bytes out of the host's per-call result buffer. */
export function readResult(len: i32): ArrayBuffer {
  const buf = new ArrayBuffer(len);
  if (len > 0) host.result_read(changetype<usize>(buf));
  return buf;
}

/** Copies the result buffer and decodes it as UTF-8. */
export function readResultString(len: i32): string {
  const buf = readResult(len);
  return String.UTF8.decode(buf);
}

/** Wraps an ArrayBuffer as a Uint8Array view (no copy). */
export function bytesOf(buf: ArrayBuffer): Uint8Array {
  return Uint8Array.wrap(buf);
}

/** Walks a byte-string list (`u32 LE length ‖ bytes`, repeated) in `buf` and returns the item offsets. */
function listSpans(buf: ArrayBuffer): i32[] {
  const base = changetype<usize>(buf);
  const end = buf.byteLength;
  const spans = new Array<i32>();
  let off = 0;
  while (off < end) {
    if (end - off < 4) host_corrupt();
    const n = <i32>load<u32>(base + <usize>off);
    off += 4;
    if (n < 0 || n > end - off) host_corrupt();
    spans.push(off);
    spans.push(n);
    off += n;
  }
  return spans;
}

function host_corrupt(): void {
  const m = utf8("moor sdk: malformed byte-string list from host");
  host.panic(changetype<usize>(m), m.byteLength);
  unreachable();
}

/** Reads the result buffer (`len` bytes) as a byte-string list of UTF-8 strings. */
export function readStringList(len: i32): string[] {
  const out = new Array<string>();
  if (len <= 0) return out;
  const buf = readResult(len);
  const spans = listSpans(buf);
  const base = changetype<usize>(buf);
  for (let i = 0; i < spans.length; i += 2) {
    out.push(String.UTF8.decodeUnsafe(base + <usize>unchecked(spans[i]), <usize>unchecked(spans[i + 1])));
  }
  return out;
}

/** Reads the result buffer (`len` bytes) as a byte-string list of raw byte strings. */
export function readBytesList(len: i32): Uint8Array[] {
  const out = new Array<Uint8Array>();
  if (len <= 0) return out;
  const buf = readResult(len);
  const spans = listSpans(buf);
  for (let i = 0; i < spans.length; i += 2) {
    out.push(Uint8Array.wrap(buf, unchecked(spans[i]), unchecked(spans[i + 1])));
  }
  return out;
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new ArrayBuffer(n << 2); // two UTF-16 code units per byte
  const dst = changetype<usize>(out);
  const src = bytes.dataStart;
  for (let i = 0; i < n; i++) {
    const b = <u32>load<u8>(src + <usize>i);
    const hi = b >> 4;
    const lo = b & 15;
    store<u16>(dst + (<usize>i << 2), hi < 10 ? 48 + hi : 87 + hi);
    store<u16>(dst + (<usize>i << 2), lo < 10 ? 48 + lo : 87 + lo, 2);
  }
  return String.UTF16.decode(out);
}

function hexNibble(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/** Parses hex (either case). Returns null when `s` is not valid hex. */
export function fromHex(s: string): Uint8Array | null {
  const n = s.length;
  if (n & 1) return null;
  const out = new Uint8Array(n >> 1);
  for (let i = 0; i < n; i += 2) {
    const hi = hexNibble(s.charCodeAt(i));
    const lo = hexNibble(s.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) return null;
    unchecked(out[i >> 1] = <u8>((hi << 4) | lo));
  }
  return out;
}
