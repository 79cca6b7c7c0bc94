import { createHash, hash } from 'node:crypto'

/** Small inputs are concatenated here and hashed in one shot (no Hash object per call). */
const SCRATCH = Buffer.allocUnsafeSlow(4096)

/** sha256 over the concatenation of `parts`. */
export function sha256 (...parts: Uint8Array[]): Uint8Array {
  let input: Uint8Array
  if (parts.length === 1) {
    input = parts[0]!
  } else {
    let n = 0
    for (let i = 0; i < parts.length; i++) n += parts[i]!.byteLength
    if (n > SCRATCH.length) {
      const h = createHash('sha256')
      for (const p of parts) h.update(p)
      return own(h.digest())
    }
    let at = 0
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!
      SCRATCH.set(p, at)
      at += p.byteLength
    }
    input = SCRATCH.subarray(0, n)
  }
  return own(hash('sha256', input, 'buffer'))
}

/** A digest as a plain Uint8Array over a buffer of its own (a view when the digest already has one). */
function own (d: Buffer): Uint8Array {
  return d.byteOffset === 0 && d.buffer.byteLength === d.byteLength
    ? new Uint8Array(d.buffer, 0, d.byteLength)
    : new Uint8Array(d)
}
