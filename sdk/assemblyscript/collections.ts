// Typed wrappers over the host's CRDT collections.
//
// Every collection is named by a 32-byte id. The context's root map comes from `root()`;
// nested collections are derived from a parent map and a key (`map.map("name")`,
// `map.list("name")`, ...). Deriving is free and creates nothing: the first write into a
// nested collection creates it. Strings are stored as UTF-8; *Bytes variants take and
// return raw bytes.
import * as host from "./host";
import { utf8, readResult, readStringList, readBytesList, toHex } from "./bytes";
import { JSON, JSONValue } from "./json";
import { panic } from "./io";

export namespace CollectionKind {
  export const MAP: i32 = 1;
  export const SET: i32 = 2;
  export const LIST: i32 = 3;
  export const COUNTER: i32 = 4;
  export const REGISTER: i32 = 5;
}

/** Base class: holds the 32-byte collection id. */
export class Collection {
  readonly id: ArrayBuffer;

  constructor(id: ArrayBuffer) {
    if (id.byteLength != 32) panic("collection id must be 32 bytes");
    this.id = id;
  }

  /** Pointer to the id, as the host calls expect. */
  get ptr(): usize {
    return changetype<usize>(this.id);
  }

  /** The id as lower-case hex. */
  idHex(): string {
    return toHex(Uint8Array.wrap(this.id));
  }
}

/** A last-writer-wins map with string keys whose values are byte strings or nested collections. */
export class PersistentMap extends Collection {
  /** The nested collection of `kind` under `key` (raw id). */
  childId(key: string, kind: i32): ArrayBuffer {
    const k = utf8(key);
    const out = new ArrayBuffer(32);
    host.child(this.ptr, changetype<usize>(k), <usize>k.byteLength, kind, changetype<usize>(out));
    return out;
  }

  private getRaw(key: string): i32 {
    const k = utf8(key);
    const len = host.map_get(this.ptr, changetype<usize>(k), <usize>k.byteLength);
    if (len == -2) panic("map key " + JSON.quote(key) + " holds a nested collection, not a value");
    return len;
  }

  /** The value under `key` decoded as UTF-8, or null when absent. */
  get(key: string): string | null {
    const len = this.getRaw(key);
    if (len < 0) return null;
    return String.UTF8.decode(readResult(len));
  }

  /** The value under `key`, or `def` when absent. */
  getOr(key: string, def: string): string {
    const v = this.get(key);
    return v === null ? def : v;
  }

  /** The raw value under `key`, or null when absent. */
  getBytes(key: string): Uint8Array | null {
    const len = this.getRaw(key);
    if (len < 0) return null;
    return Uint8Array.wrap(readResult(len));
  }

  /** The value under `key` parsed as JSON, or null when absent. */
  getJson(key: string): JSONValue | null {
    const v = this.get(key);
    if (v === null) return null;
    return JSON.parse(v);
  }

  set(key: string, value: string): void {
    const k = utf8(key);
    const v = utf8(value);
    host.map_set(this.ptr, changetype<usize>(k), <usize>k.byteLength, changetype<usize>(v), <usize>v.byteLength);
  }

  setBytes(key: string, value: Uint8Array): void {
    const k = utf8(key);
    host.map_set(this.ptr, changetype<usize>(k), <usize>k.byteLength, value.dataStart, <usize>value.length);
  }

  /** Stores the JSON serialization of `value`. */
  setJson(key: string, value: JSONValue): void {
    this.set(key, JSON.stringify(value));
  }

  /** Tombstones `key` (a value or a nested collection); true if it was live. */
  remove(key: string): bool {
    const k = utf8(key);
    return host.map_remove(this.ptr, changetype<usize>(k), <usize>k.byteLength) == 1;
  }

  has(key: string): bool {
    const k = utf8(key);
    return host.map_has(this.ptr, changetype<usize>(k), <usize>k.byteLength) == 1;
  }

  /** True when `key` holds a nested collection rather than a value. */
  isNested(key: string): bool {
    const k = utf8(key);
    return host.map_get(this.ptr, changetype<usize>(k), <usize>k.byteLength) == -2;
  }

  /** Number of live keys. */
  size(): i32 {
    return host.map_len(this.ptr);
  }

  /** Live keys, sorted bytewise (by UTF-8). */
  keys(): string[] {
    return readStringList(host.map_keys(this.ptr));
  }

  /** Live keys as raw bytes, sorted bytewise. */
  keysBytes(): Uint8Array[] {
    return readBytesList(host.map_keys(this.ptr));
  }

  // ---- nested collections ----
  map(key: string): PersistentMap { return new PersistentMap(this.childId(key, CollectionKind.MAP)); }
  /** A nested set (named `nestedSet` because `set` writes a value). */
  nestedSet(key: string): PersistentSet { return new PersistentSet(this.childId(key, CollectionKind.SET)); }
  list(key: string): PersistentList { return new PersistentList(this.childId(key, CollectionKind.LIST)); }
  counter(key: string): Counter { return new Counter(this.childId(key, CollectionKind.COUNTER)); }
  register(key: string): Register { return new Register(this.childId(key, CollectionKind.REGISTER)); }

  // Long-form aliases.
  nestedMap(key: string): PersistentMap { return this.map(key); }
  nestedList(key: string): PersistentList { return this.list(key); }
  nestedCounter(key: string): Counter { return this.counter(key); }
  nestedRegister(key: string): Register { return this.register(key); }
}

/** An add-wins set of byte strings. */
export class PersistentSet extends Collection {
  add(value: string): void {
    const v = utf8(value);
    host.set_add(this.ptr, changetype<usize>(v), <usize>v.byteLength);
  }
  addBytes(value: Uint8Array): void {
    host.set_add(this.ptr, value.dataStart, <usize>value.length);
  }
  /** Removes the element; true if it was present. */
  remove(value: string): bool {
    const v = utf8(value);
    return host.set_remove(this.ptr, changetype<usize>(v), <usize>v.byteLength) == 1;
  }
  removeBytes(value: Uint8Array): bool {
    return host.set_remove(this.ptr, value.dataStart, <usize>value.length) == 1;
  }
  has(value: string): bool {
    const v = utf8(value);
    return host.set_has(this.ptr, changetype<usize>(v), <usize>v.byteLength) == 1;
  }
  hasBytes(value: Uint8Array): bool {
    return host.set_has(this.ptr, value.dataStart, <usize>value.length) == 1;
  }
  size(): i32 {
    return host.set_len(this.ptr);
  }
  /** Elements sorted bytewise. */
  values(): string[] {
    return readStringList(host.set_values(this.ptr));
  }
  valuesBytes(): Uint8Array[] {
    return readBytesList(host.set_values(this.ptr));
  }
}

/** An ordered list (RGA). Indices are positions in the current, merged order. */
export class PersistentList extends Collection {
  length(): i32 {
    return host.list_len(this.ptr);
  }
  push(value: string): void {
    const v = utf8(value);
    host.list_push(this.ptr, changetype<usize>(v), <usize>v.byteLength);
  }
  pushBytes(value: Uint8Array): void {
    host.list_push(this.ptr, value.dataStart, <usize>value.length);
  }
  /** Stores the JSON serialization of `value` at the end. */
  pushJson(value: JSONValue): void {
    this.push(JSON.stringify(value));
  }
  /** Inserts before `index` (`index == length()` appends); out of range traps in the host. */
  insert(index: i32, value: string): void {
    const v = utf8(value);
    host.list_insert(this.ptr, index, changetype<usize>(v), <usize>v.byteLength);
  }
  insertBytes(index: i32, value: Uint8Array): void {
    host.list_insert(this.ptr, index, value.dataStart, <usize>value.length);
  }
  /** The element at `index` decoded as UTF-8, or null when out of range. */
  get(index: i32): string | null {
    const len = host.list_get(this.ptr, index);
    if (len < 0) return null;
    return String.UTF8.decode(readResult(len));
  }
  getBytes(index: i32): Uint8Array | null {
    const len = host.list_get(this.ptr, index);
    if (len < 0) return null;
    return Uint8Array.wrap(readResult(len));
  }
  /** The element at `index` parsed as JSON, or null when out of range. */
  getJson(index: i32): JSONValue | null {
    const v = this.get(index);
    if (v === null) return null;
    return JSON.parse(v);
  }
  /** Replaces the element at `index`. */
  set(index: i32, value: string): void {
    const v = utf8(value);
    host.list_set(this.ptr, index, changetype<usize>(v), <usize>v.byteLength);
  }
  setBytes(index: i32, value: Uint8Array): void {
    host.list_set(this.ptr, index, value.dataStart, <usize>value.length);
  }
  /** Removes the element at `index`; true if it existed. */
  remove(index: i32): bool {
    return host.list_remove(this.ptr, index) == 1;
  }
  /** All elements in order. */
  values(): string[] {
    return readStringList(host.list_values(this.ptr));
  }
  valuesBytes(): Uint8Array[] {
    return readBytesList(host.list_values(this.ptr));
  }
}

/** A PN counter: each executor adds to its own share; `get` sums all shares. */
export class Counter extends Collection {
  add(amount: i64): void {
    host.counter_add(this.ptr, amount);
  }
  increment(): void {
    host.counter_add(this.ptr, 1);
  }
  decrement(): void {
    host.counter_add(this.ptr, -1);
  }
  get(): i64 {
    return host.counter_get(this.ptr);
  }
}

/** A last-writer-wins register holding one byte string. */
export class Register extends Collection {
  /** The value decoded as UTF-8, or null if never set. */
  get(): string | null {
    const len = host.register_get(this.ptr);
    if (len < 0) return null;
    return String.UTF8.decode(readResult(len));
  }
  getBytes(): Uint8Array | null {
    const len = host.register_get(this.ptr);
    if (len < 0) return null;
    return Uint8Array.wrap(readResult(len));
  }
  set(value: string): void {
    const v = utf8(value);
    host.register_set(this.ptr, changetype<usize>(v), <usize>v.byteLength);
  }
  setBytes(value: Uint8Array): void {
    host.register_set(this.ptr, value.dataStart, <usize>value.length);
  }
}

let rootCache: PersistentMap | null = null;

/** The context's root map. */
export function root(): PersistentMap {
  let r = rootCache;
  if (r === null) {
    const id = new ArrayBuffer(32);
    host.root(changetype<usize>(id));
    r = new PersistentMap(id);
    rootCache = r;
  }
  return r;
}

/** Shorthands for collections nested directly under the root map. */
export class Root {
  static get(): PersistentMap { return root(); }
  static map(name: string): PersistentMap { return root().map(name); }
  static nestedSet(name: string): PersistentSet { return root().nestedSet(name); }
  static list(name: string): PersistentList { return root().list(name); }
  static counter(name: string): Counter { return root().counter(name); }
  static register(name: string): Register { return root().register(name); }
}
