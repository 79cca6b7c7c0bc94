// Raw host imports (module "moor"). See docs/abi.md for the contract of each call.
// Apps normally use the typed wrappers in the other SDK modules instead.

// ---- Call I/O ----
@external("moor", "input")
export declare function input(): i32;
@external("moor", "result_read")
export declare function result_read(ptr: usize): void;
@external("moor", "value_return")
export declare function value_return(ptr: usize, len: usize): void;
@external("moor", "panic")
export declare function panic(ptr: usize, len: usize): void;
@external("moor", "log")
export declare function log(ptr: usize, len: usize): void;

// ---- Context information ----
@external("moor", "context_id")
export declare function context_id(out_ptr: usize): void;
@external("moor", "executor_id")
export declare function executor_id(out_ptr: usize): void;
@external("moor", "time_now")
export declare function time_now(): i64;
@external("moor", "random_bytes")
export declare function random_bytes(ptr: usize, len: usize): void;

// ---- Events ----
@external("moor", "emit")
export declare function emit(kind_ptr: usize, kind_len: usize, data_ptr: usize, data_len: usize): void;

// ---- Private storage ----
@external("moor", "private_read")
export declare function private_read(key_ptr: usize, key_len: usize): i32;
@external("moor", "private_write")
export declare function private_write(key_ptr: usize, key_len: usize, val_ptr: usize, val_len: usize): void;
@external("moor", "private_remove")
export declare function private_remove(key_ptr: usize, key_len: usize): i32;

// ---- Shared storage: CRDT collections ----
@external("moor", "root")
export declare function root(out_ptr: usize): void;
@external("moor", "child")
export declare function child(col: usize, key_ptr: usize, key_len: usize, kind: i32, out_ptr: usize): void;

@external("moor", "map_get")
export declare function map_get(col: usize, key_ptr: usize, key_len: usize): i32;
@external("moor", "map_set")
export declare function map_set(col: usize, key_ptr: usize, key_len: usize, val_ptr: usize, val_len: usize): void;
@external("moor", "map_remove")
export declare function map_remove(col: usize, key_ptr: usize, key_len: usize): i32;
@external("moor", "map_has")
export declare function map_has(col: usize, key_ptr: usize, key_len: usize): i32;
@external("moor", "map_len")
export declare function map_len(col: usize): i32;
@external("moor", "map_keys")
export declare function map_keys(col: usize): i32;

@external("moor", "set_add")
export declare function set_add(col: usize, val_ptr: usize, val_len: usize): void;
@external("moor", "set_remove")
export declare function set_remove(col: usize, val_ptr: usize, val_len: usize): i32;
@external("moor", "set_has")
export declare function set_has(col: usize, val_ptr: usize, val_len: usize): i32;
@external("moor", "set_len")
export declare function set_len(col: usize): i32;
@external("moor", "set_values")
export declare function set_values(col: usize): i32;

@external("moor", "list_len")
export declare function list_len(col: usize): i32;
@external("moor", "list_get")
export declare function list_get(col: usize, index: i32): i32;
@external("moor", "list_push")
export declare function list_push(col: usize, val_ptr: usize, val_len: usize): void;
@external("moor", "list_insert")
export declare function list_insert(col: usize, index: i32, val_ptr: usize, val_len: usize): void;
@external("moor", "list_set")
export declare function list_set(col: usize, index: i32, val_ptr: usize, val_len: usize): void;
@external("moor", "list_remove")
export declare function list_remove(col: usize, index: i32): i32;
@external("moor", "list_values")
export declare function list_values(col: usize): i32;

@external("moor", "counter_add")
export declare function counter_add(col: usize, amount: i64): void;
@external("moor", "counter_get")
export declare function counter_get(col: usize): i64;

@external("moor", "register_set")
export declare function register_set(col: usize, val_ptr: usize, val_len: usize): void;
@external("moor", "register_get")
export declare function register_get(col: usize): i32;

// ---- Cross-context calls ----
@external("moor", "xcall")
export declare function xcall(ctx_ptr: usize, method_ptr: usize, method_len: usize, args_ptr: usize, args_len: usize): i32;

// ---- Governance ----
@external("moor", "propose")
export declare function propose(actions_ptr: usize, actions_len: usize): i32;
@external("moor", "approve")
export declare function approve(proposal_ptr: usize): void;
