// Cross-context calls.
import * as host from "./host";
import { utf8, fromHex, readResult } from "./bytes";
import { panic } from "./io";

/**
 * Calls `method` in another context with `args` (JSON text) and returns its return value
 * decoded as UTF-8 ("" when the target returned nothing). `context` is the target's id
 * as 64 hex characters (string) or 32 bytes (Uint8Array). The target must grant this
 * context (`moor context grant-xcall`); if either side traps, neither commits.
 */
export function xcall<T>(context: T, method: string, args: string = "{}"): string {
  const bytes = xcallBytes<T>(context, method, args);
  if (bytes === null) return "";
  return String.UTF8.decodeUnsafe(bytes.dataStart, <usize>bytes.length);
}

/** Like `xcall` but returns the raw bytes, or null when the target returned nothing. */
export function xcallBytes<T>(context: T, method: string, args: string = "{}"): Uint8Array | null {
  let id = new Uint8Array(0);
  if (isString<T>()) {
    const hex = changetype<string>(context);
    const parsed = fromHex(hex);
    if (parsed === null || parsed.length != 32) {
      panic("xcall: context id must be 64 hex characters, got " + quoteShort(hex));
    } else {
      id = parsed;
    }
  } else if (context instanceof Uint8Array) {
    id = changetype<Uint8Array>(context);
    if (id.length != 32) panic("xcall: context id must be 32 bytes, got " + id.length.toString());
  } else {
    panic("xcall: context must be a hex string or a Uint8Array");
  }
  const m = utf8(method);
  const a = utf8(args);
  const len = host.xcall(id.dataStart, changetype<usize>(m), <usize>m.byteLength, changetype<usize>(a), <usize>a.byteLength);
  if (len < 0) return null;
  return Uint8Array.wrap(readResult(len));
}

function quoteShort(s: string): string {
  return "\"" + (s.length > 80 ? s.substring(0, 80) + "..." : s) + "\"";
}
