// Custom `abort` so modules never import `env.abort`.
// The build passes `--use abort=moorAbort`; the @global decorator makes this function
// visible under that name wherever the SDK is imported.
import * as host from "./host";

// @ts-ignore: decorator
@global
export function moorAbort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {
  let text = message !== null ? message : "abort";
  if (fileName !== null) {
    text += " at " + fileName + ":" + lineNumber.toString() + ":" + columnNumber.toString();
  }
  const buf = String.UTF8.encode(text, false, String.UTF8.ErrorMode.REPLACE);
  host.panic(changetype<usize>(buf), <usize>buf.byteLength);
  unreachable();
}
