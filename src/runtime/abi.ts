// The host ABI's import table (docs/abi.md): every import a module may declare, with
// its WebAssembly signature. Used to build the allow-list handed to the instrumenter
// and to check the signatures a module declares.

export type WasmValueType = 'i32' | 'i64' | 'f32' | 'f64'

export interface ImportSignature {
  params: readonly WasmValueType[]
  results: readonly WasmValueType[]
}

const sig = (params: WasmValueType[], results: WasmValueType[] = []): ImportSignature => ({ params, results })
const I = 'i32'
const L = 'i64'

/** Module `moor`. */
export const MOOR_IMPORTS: Readonly<Record<string, ImportSignature>> = {
  // call I/O
  input: sig([], [I]),
  result_read: sig([I]),
  value_return: sig([I, I]),
  panic: sig([I, I]),
  log: sig([I, I]),
  // context information
  context_id: sig([I]),
  executor_id: sig([I]),
  time_now: sig([], [L]),
  random_bytes: sig([I, I]),
  // events
  emit: sig([I, I, I, I]),
  // private storage
  private_read: sig([I, I], [I]),
  private_write: sig([I, I, I, I]),
  private_remove: sig([I, I], [I]),
  // shared storage
  root: sig([I]),
  child: sig([I, I, I, I, I]),
  map_get: sig([I, I, I], [I]),
  map_set: sig([I, I, I, I, I]),
  map_remove: sig([I, I, I], [I]),
  map_has: sig([I, I, I], [I]),
  map_len: sig([I], [I]),
  map_keys: sig([I], [I]),
  set_add: sig([I, I, I]),
  set_remove: sig([I, I, I], [I]),
  set_has: sig([I, I, I], [I]),
  set_len: sig([I], [I]),
  set_values: sig([I], [I]),
  list_len: sig([I], [I]),
  list_get: sig([I, I], [I]),
  list_push: sig([I, I, I]),
  list_insert: sig([I, I, I, I]),
  list_set: sig([I, I, I, I]),
  list_remove: sig([I, I], [I]),
  list_values: sig([I], [I]),
  counter_add: sig([I, L]),
  counter_get: sig([I], [L]),
  register_set: sig([I, I, I]),
  register_get: sig([I], [I]),
  // cross-context calls
  xcall: sig([I, I, I, I, I], [I]),
  // governance
  propose: sig([I, I], [I]),
  approve: sig([I])
}

/** Module `env`: what AssemblyScript's standard library imports. */
export const ENV_IMPORTS: Readonly<Record<string, ImportSignature>> = {
  abort: sig([I, I, I, I]),
  seed: sig([], ['f64'])
}

/** Every allowed import, by module then name. */
export const ABI_IMPORTS: Readonly<Record<string, Readonly<Record<string, ImportSignature>>>> = {
  moor: MOOR_IMPORTS,
  env: ENV_IMPORTS
}

/** The allow-list as `module.name` strings. */
export const ALLOWED_IMPORTS: readonly string[] = Object.entries(ABI_IMPORTS)
  .flatMap(([mod, names]) => Object.keys(names).map((name) => `${mod}.${name}`))

/** Whether `module.name` is part of the ABI. */
export function isAllowedImport (module: string, name: string): boolean {
  return Object.hasOwn(ABI_IMPORTS, module) && Object.hasOwn(ABI_IMPORTS[module], name)
}
