// Private storage: per-node key/value data that never leaves the node and is not part of
// the root hash. Changes are discarded when the call fails.
import * as host from "./host";
import { utf8, readResult } from "./bytes";

export namespace privateStorage {
  /** The value under `key` as raw bytes, or null. */
  export function getBytes(key: string): Uint8Array | null {
    const k = utf8(key);
    const len = host.private_read(changetype<usize>(k), <usize>k.byteLength);
    if (len < 0) return null;
    return Uint8Array.wrap(readResult(len));
  }

  /** The value under `key` decoded as UTF-8, or null. */
  export function get(key: string): string | null {
    const k = utf8(key);
    const len = host.private_read(changetype<usize>(k), <usize>k.byteLength);
    if (len < 0) return null;
    return String.UTF8.decode(readResult(len));
  }

  export function setBytes(key: string, value: Uint8Array): void {
    const k = utf8(key);
    host.private_write(changetype<usize>(k), <usize>k.byteLength, value.dataStart, <usize>value.length);
  }

  export function set(key: string, value: string): void {
    const k = utf8(key);
    const v = utf8(value);
    host.private_write(changetype<usize>(k), <usize>k.byteLength, changetype<usize>(v), <usize>v.byteLength);
  }

  /** Removes `key`; true if it existed. */
  export function remove(key: string): bool {
    const k = utf8(key);
    return host.private_remove(changetype<usize>(k), <usize>k.byteLength) == 1;
  }

  export function has(key: string): bool {
    const k = utf8(key);
    return host.private_read(changetype<usize>(k), <usize>k.byteLength) >= 0;
  }
}
