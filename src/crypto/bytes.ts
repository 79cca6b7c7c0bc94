// Small byte helpers shared by every layer: hex at the API boundary, bytewise order
// for canonical sorting, UTF-8.

const HEX = /^[0-9a-f]*$/

// Buffer's own hex writer, applied to any Uint8Array: going through `bytes.buffer` would
// force a small on-heap array to get a backing store of its own, which costs more than
// the conversion.
const hexSlice = (Buffer.prototype as unknown as { hexSlice?: (this: Uint8Array, start: number, end: number) => string }).hexSlice
const BYTE_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function toHex (bytes: Uint8Array): string {
  if (hexSlice !== undefined) return hexSlice.call(bytes, 0, bytes.length)
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += BYTE_HEX[bytes[i]!]
  return out
}

/** Parses lowercase or uppercase hex; returns undefined when it is not hex of `length` bytes. */
export function parseHex (text: string, length?: number): Uint8Array | undefined {
  const lower = text.toLowerCase()
  if (lower.length % 2 !== 0 || !HEX.test(lower)) return undefined
  if (length !== undefined && lower.length !== length * 2) return undefined
  return new Uint8Array(Buffer.from(lower, 'hex'))
}

export function compareBytes (a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b)
}

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}

export function concatBytes (...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

/**
 * `bytes` in a buffer of their own: a copy when they are a view into a larger buffer (an
 * encoder's or Node's shared pool), which would otherwise stay alive, all of it, for as
 * long as the view is kept.
 */
export function owned (bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes)
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function utf8 (text: string): Uint8Array {
  return encoder.encode(text)
}

/** Decodes UTF-8; throws TypeError on invalid sequences. */
export function fromUtf8 (bytes: Uint8Array): string {
  return decoder.decode(bytes)
}
