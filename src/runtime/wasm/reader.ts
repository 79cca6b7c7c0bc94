// A bounds-checked cursor over a WebAssembly binary. Offsets are always absolute
// (relative to the start of the module) so error messages point at the real byte.
import { InvalidModuleError } from '../../errors/index.ts'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Throws the error every structural problem of a module turns into. */
export function malformed (what: string, offset: number): never {
  throw new InvalidModuleError('malformed WebAssembly module', {
    details: `${what} at offset ${offset}`,
    hint: 'the file is truncated or corrupted, or was not produced by a WebAssembly compiler'
  })
}

export class WasmReader {
  readonly bytes: Uint8Array
  pos: number
  readonly end: number

  constructor (bytes: Uint8Array, pos = 0, end = bytes.length) {
    this.bytes = bytes
    this.pos = pos
    this.end = end
  }

  get done (): boolean {
    return this.pos >= this.end
  }

  /** A reader over the next `length` bytes; this reader skips past them. */
  sub (length: number, what: string): WasmReader {
    if (length > this.end - this.pos) malformed(`${what} (${length} bytes) runs past the end of its container`, this.pos)
    const r = new WasmReader(this.bytes, this.pos, this.pos + length)
    this.pos += length
    return r
  }

  u8 (): number {
    if (this.pos >= this.end) malformed('unexpected end of data', this.pos)
    return this.bytes[this.pos++]
  }

  skip (n: number): void {
    if (n > this.end - this.pos) malformed('unexpected end of data', this.pos)
    this.pos += n
  }

  /** Unsigned LEB128, at most 5 bytes, value < 2^32. */
  u32 (): number {
    const start = this.pos
    let result = 0
    let scale = 1
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) malformed('unexpected end of data in an integer', start)
      const b = this.bytes[this.pos++]
      if (i === 4 && (b & 0xf0) !== 0) malformed('integer does not fit 32 bits', start)
      result += (b & 0x7f) * scale
      if ((b & 0x80) === 0) return result
      scale *= 128
    }
    return malformed('integer does not fit 32 bits', start)
  }

  /** Signed LEB128 of at most `maxBytes` bytes; returns the value when it is exactly representable. */
  private signed (maxBytes: number, bits: number): number {
    const start = this.pos
    let result = 0
    let scale = 1
    for (let i = 0; i < maxBytes; i++) {
      if (this.pos >= this.end) malformed('unexpected end of data in an integer', start)
      const b = this.bytes[this.pos++]
      result += (b & 0x7f) * scale
      scale *= 128
      if ((b & 0x80) === 0) {
        if ((b & 0x40) !== 0) result -= scale // sign bit of the last group
        return result
      }
    }
    return malformed(`integer does not fit ${bits} bits`, start)
  }

  s32 (): number { return this.signed(5, 32) }
  s33 (): number { return this.signed(5, 33) }
  /** Skips an s64 (the value may not be exactly representable as a number). */
  s64 (): void { this.signed(10, 64) }

  /** A length-prefixed UTF-8 name. */
  name (): string {
    const length = this.u32()
    const at = this.pos
    this.skip(length)
    try {
      return utf8.decode(this.bytes.subarray(at, at + length))
    } catch {
      return malformed('name is not valid UTF-8', at)
    }
  }
}
