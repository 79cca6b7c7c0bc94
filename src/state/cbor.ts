// A writer of canonical CBOR (docs/encoding.md: definite lengths, shortest-form integers,
// byte strings for binary data) for the structures on the write path that are hashed or
// signed: entity contents and delta bodies. It produces exactly the bytes cborg's
// `encode` produces for the same values, without building them item by item; values it
// has no fast path for (floats, maps, out-of-range integers…) are encoded by cborg itself.
import { encode } from 'cborg'

const TWO32 = 2 ** 32

export class CborWriter {
  buf: Buffer
  pos = 0

  constructor (size = 4096) {
    this.buf = Buffer.allocUnsafeSlow(size)
  }

  reset (): this {
    this.pos = 0
    return this
  }

  /** The bytes written since `reset` (a view of the writer's buffer: valid until the next write). */
  view (): Buffer {
    return this.buf.subarray(0, this.pos)
  }

  /** A copy of the bytes written since `reset`. */
  bytes (): Uint8Array {
    const out = new Uint8Array(this.pos)
    out.set(this.buf.subarray(0, this.pos))
    return out
  }

  reserve (n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  /** An item head: major type and length or value (0 ≤ n ≤ 2^53). */
  head (major: number, n: number): void {
    this.reserve(9)
    const b = this.buf
    const m = major << 5
    if (n < 24) {
      b[this.pos++] = m | n
    } else if (n < 0x100) {
      b[this.pos++] = m | 24
      b[this.pos++] = n
    } else if (n < 0x10000) {
      b[this.pos++] = m | 25
      b[this.pos++] = n >>> 8
      b[this.pos++] = n & 0xff
    } else if (n < TWO32) {
      b[this.pos++] = m | 26
      b.writeUInt32BE(n, this.pos)
      this.pos += 4
    } else {
      b[this.pos++] = m | 27
      b.writeUInt32BE(Math.floor(n / TWO32), this.pos)
      b.writeUInt32BE(n >>> 0, this.pos + 4)
      this.pos += 8
    }
  }

  null (): void {
    this.reserve(1)
    this.buf[this.pos++] = 0xf6
  }

  array (length: number): void {
    this.head(4, length)
  }

  byteString (data: Uint8Array): void {
    this.head(2, data.length)
    this.raw(data)
  }

  /** Byte string, or null. */
  optBytes (data: Uint8Array | null | undefined): void {
    if (data == null) this.null()
    else this.byteString(data)
  }

  /** Text string. */
  text (s: string): void {
    const n = Buffer.byteLength(s, 'utf8')
    this.head(3, n)
    this.reserve(n)
    this.buf.write(s, this.pos, n, 'utf8')
    this.pos += n
  }

  /** Bytes as they are (already encoded items, or trailing data to hash). */
  raw (data: Uint8Array): void {
    this.reserve(data.length)
    this.buf.set(data, this.pos)
    this.pos += data.length
  }

  /** Any value, exactly as cborg encodes it. */
  value (v: unknown): void {
    if (v === null) {
      this.null()
    } else if (v instanceof Uint8Array) {
      this.byteString(v)
    } else if (Array.isArray(v)) {
      this.array(v.length)
      for (let i = 0; i < v.length; i++) this.value(v[i])
    } else if (typeof v === 'number' && Number.isSafeInteger(v)) {
      if (v >= 0) this.head(0, v)
      else this.head(1, -1 - v)
    } else if (typeof v === 'bigint' && v >= -(2n ** 53n) && v <= 2n ** 53n) {
      const n = Number(v)
      if (n >= 0) this.head(0, n)
      else this.head(1, -1 - n)
    } else if (typeof v === 'string') {
      this.text(v)
    } else {
      this.raw(encode(v))
    }
  }
}
