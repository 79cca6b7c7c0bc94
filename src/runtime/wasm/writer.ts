// A growable byte buffer with the LEB128 encodings WebAssembly needs.

const utf8 = new TextEncoder()

export class WasmWriter {
  private buf: Uint8Array
  length = 0

  constructor (capacity = 1024) {
    this.buf = new Uint8Array(capacity)
  }

  private reserve (n: number): void {
    if (this.length + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.length + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
  }

  u8 (b: number): this {
    this.reserve(1)
    this.buf[this.length++] = b
    return this
  }

  u32 (value: number): this {
    this.reserve(5)
    let v = value >>> 0
    do {
      let b = v & 0x7f
      v >>>= 7
      if (v !== 0) b |= 0x80
      this.buf[this.length++] = b
    } while (v !== 0)
    return this
  }

  /** Signed LEB128 of an integer-valued number or bigint (used for i32/i64 constants). */
  sleb (value: number | bigint): this {
    let v = BigInt(value)
    this.reserve(10)
    for (;;) {
      const b = Number(v & 0x7fn)
      v >>= 7n
      const last = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)
      this.buf[this.length++] = last ? b : b | 0x80
      if (last) return this
    }
  }

  bytes (data: Uint8Array | ArrayLike<number>): this {
    this.reserve(data.length)
    this.buf.set(data, this.length)
    this.length += data.length
    return this
  }

  name (text: string): this {
    const data = utf8.encode(text)
    return this.u32(data.length).bytes(data)
  }

  /** Appends `content` as a section with id `id` and its LEB size. */
  section (id: number, content: WasmWriter): this {
    return this.u8(id).u32(content.length).bytes(content.view())
  }

  /** The bytes written so far (a view, valid until the next write). */
  view (): Uint8Array {
    return this.buf.subarray(0, this.length)
  }

  reset (): void {
    this.length = 0
  }

  /** A copy of the bytes written so far. */
  finish (): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}
