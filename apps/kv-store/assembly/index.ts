// kv-store: a shared string -> string map stored in the context's root map.
//
//   init    {"entries"?: {"k": "v", ...}}  seeds the store when the context is created
//   set     {"key": "k", "value": "v"}     -> null         emits "set" {"key","value"}
//   get     {"key": "k"}                   -> "v" | null
//   remove  {"key": "k"}                   -> true | false emits "removed" {"key"} if it existed
//   entries {}                             -> {"k": "v", ...} (keys sorted bytewise)
//   len     {}                             -> number of keys
import { args, returnJson, emit, panic, root, JSONWriter } from "../../../sdk/assemblyscript";

const MAX_KEY_BYTES = 1024;

function put(key: string, value: string): void {
  if (String.UTF8.byteLength(key) > MAX_KEY_BYTES) {
    panic("key longer than " + MAX_KEY_BYTES.toString() + " bytes");
  }
  root().set(key, value);
  emit("set", new JSONWriter().beginObject().fieldString("key", key).fieldString("value", value).endObject().toString());
}

export function init(): void {
  const entries = args().getObjectOrNull("entries");
  if (entries === null) return;
  for (let i = 0; i < entries.keys.length; i++) {
    const k = unchecked(entries.keys[i]);
    put(k, entries.getString(k));
  }
}

export function set(): void {
  const a = args();
  put(a.getString("key"), a.getString("value"));
  returnJson<string | null>(null);
}

export function get(): void {
  returnJson(root().get(args().getString("key")));
}

export function remove(): void {
  const key = args().getString("key");
  const existed = root().remove(key);
  if (existed) {
    emit("removed", new JSONWriter().beginObject().fieldString("key", key).endObject().toString());
  }
  returnJson(existed);
}

export function entries(): void {
  const r = root();
  const keys = r.keys();
  const w = new JSONWriter().beginObject();
  for (let i = 0; i < keys.length; i++) {
    const k = unchecked(keys[i]);
    w.key(k).stringOrNull(r.get(k));
  }
  returnJson(w.endObject());
}

export function len(): void {
  returnJson(root().size());
}
