// HTTP front-end limits and timings.

/** Largest JSON body of any route but a base64 module upload. */
export const MAX_JSON_BYTES = 1024 * 1024

/** Deepest nesting of arrays and objects in a JSON body (application args included). */
export const MAX_JSON_DEPTH = 128

/** Largest WASM module accepted, raw (`application/wasm`) or decoded from base64. */
export const MAX_WASM_BYTES = 32 * 1024 * 1024

/** Largest JSON body of `POST /admin/applications` (a base64 module plus a name). */
export const MAX_WASM_JSON_BYTES = Math.ceil(MAX_WASM_BYTES / 3) * 4 + 64 * 1024

/** Longest application name. */
export const MAX_NAME_LENGTH = 128

/** Longest method name in a JSON-RPC call. */
export const MAX_METHOD_LENGTH = 256

/** Interval of SSE heartbeat comments (keeps proxies and idle timers from closing the stream). */
export const SSE_HEARTBEAT_MS = 15_000

/** An SSE client this far behind (bytes buffered) is disconnected rather than buffered for. */
export const SSE_MAX_BUFFERED_BYTES = 4 * 1024 * 1024

/** Longest invitation string accepted by `POST /admin/contexts/join`. */
export const MAX_INVITATION_LENGTH = 16 * 1024
