import { createHash } from 'node:crypto'

/** sha256 over the concatenation of `parts`. */
export function sha256 (...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest().buffer.slice(0)) as Uint8Array
}
