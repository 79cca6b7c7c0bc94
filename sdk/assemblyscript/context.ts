// Context information, randomness and events.
import * as host from "./host";
import { utf8, toHex } from "./bytes";
import { JSON, JSONValue } from "./json";

let contextIdCache: Uint8Array | null = null;
let executorIdCache: Uint8Array | null = null;

/** The 32-byte id of the context the call runs in. */
export function contextId(): Uint8Array {
  let id = contextIdCache;
  if (id === null) {
    id = new Uint8Array(32);
    host.context_id(id.dataStart);
    contextIdCache = id;
  }
  return id;
}

/** The 32-byte ed25519 public key of the identity executing the call. */
export function executorId(): Uint8Array {
  let id = executorIdCache;
  if (id === null) {
    id = new Uint8Array(32);
    host.executor_id(id.dataStart);
    executorIdCache = id;
  }
  return id;
}

/** `contextId()` as lower-case hex. */
export function contextIdHex(): string {
  return toHex(contextId());
}

/** `executorId()` as lower-case hex. */
export function executorIdHex(): string {
  return toHex(executorId());
}

/** Milliseconds since the Unix epoch; fixed for the whole call. */
export function now(): i64 {
  return host.time_now();
}

/** `n` cryptographically secure random bytes. */
export function randomBytes(n: i32): Uint8Array {
  const out = new Uint8Array(n);
  if (n > 0) host.random_bytes(out.dataStart, <usize>n);
  return out;
}

/** Emits an event of `kind` with `data` (by convention JSON text); delivered only if the call succeeds. */
export function emit(kind: string, data: string): void {
  const k = utf8(kind);
  const d = utf8(data);
  host.emit(changetype<usize>(k), <usize>k.byteLength, changetype<usize>(d), <usize>d.byteLength);
}

/** Emits an event whose data is the JSON serialization of `data`. */
export function emitJson(kind: string, data: JSONValue): void {
  emit(kind, JSON.stringify(data));
}
