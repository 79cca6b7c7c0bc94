import { createHash, hash } from 'node:crypto'

/** Small inputs are concatenated here and hashed in one shot (no Hash object per call). */
const SCRATCH = Buffer.allocUnsafeSlow(4096)

/** sha256 over the concatenation of `parts`. */
export function sha256 (...parts: Uint8Array[]): Uint8Array {
  const s = sha256Binary(...parts)
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = s.charCodeAt(i)
  return out
}

/**
 * sha256 as a 32-character string of char codes 0..255 (latin1), for digests only read
 * byte by byte: no array to allocate.
 */
export function sha256Binary (...parts: Uint8Array[]): string {
  let input: Uint8Array
  if (parts.length === 1) {
    input = parts[0]!
  } else {
    let n = 0
    for (let i = 0; i < parts.length; i++) n += parts[i]!.byteLength
    if (n > SCRATCH.length) {
      const h = createHash('sha256')
      for (const p of parts) h.update(p)
      return h.digest('binary')
    }
    let at = 0
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!
      SCRATCH.set(p, at)
      at += p.byteLength
    }
    input = SCRATCH.subarray(0, n)
  }
  // A digest as a latin1 string ('binary'), copied into a small array, costs half of a
  // digest as a Buffer (each of which has an off-heap backing store of its own).
  return hash('sha256', input, 'binary')
}
