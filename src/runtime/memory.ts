// Bounds-checked access to a guest's linear memory. The memory can grow (and its
// ArrayBuffer be replaced) during any call into the guest, so every access takes a
// fresh view of `memory.buffer`.

import { HostCallError } from '../errors/index.ts'
import type { WasmMemory } from './wasm-api.ts'

const utf16 = new TextDecoder('utf-16le')

export class GuestMemory {
  #memory: WasmMemory | null = null
  /** A view of the memory's current buffer (replaced when the memory grows). */
  #view: Uint8Array | null = null

  attach (memory: WasmMemory): void {
    this.#memory = memory
    this.#view = null
  }

  /** A view of the whole memory as it is now. */
  view (fn: string): Uint8Array {
    if (this.#memory == null) {
      throw new HostCallError(`host call ${fn} was made before the module's memory was available`, {
        hint: 'host calls are not allowed while the module is being instantiated (start function)'
      })
    }
    const buffer = this.#memory.buffer
    let view = this.#view
    if (view === null || view.buffer !== buffer) this.#view = view = new Uint8Array(buffer)
    return view
  }

  /** Throws HostCallError naming `fn` unless [ptr, ptr + len) lies inside memory. */
  check (fn: string, ptr: number, len: number): void {
    this.#range(fn, this.view(fn), ptr, len)
  }

  /** A copy of [ptr, ptr + len). */
  read (fn: string, ptr: number, len: number): Uint8Array {
    const mem = this.view(fn)
    const start = this.#range(fn, mem, ptr, len)
    return mem.slice(start, start + u32(len))
  }

  /** Writes `data` at `ptr`. */
  write (fn: string, ptr: number, data: Uint8Array): void {
    const mem = this.view(fn)
    const start = this.#range(fn, mem, ptr, data.length)
    mem.set(data, start)
  }

  readU32 (fn: string, ptr: number): number {
    const bytes = this.read(fn, ptr, 4)
    return new DataView(bytes.buffer).getUint32(0, true)
  }

  /**
   * An AssemblyScript string: UTF-16LE code units, byte length stored as u32 at ptr - 4.
   * Returns null for the null pointer.
   */
  readAsString (fn: string, ptr: number): string | null {
    const p = u32(ptr)
    if (p === 0) return null
    if (p < 4) throw new HostCallError(`${fn}: string pointer ${p} has no room for its length header`)
    const byteLength = this.readU32(fn, p - 4)
    return utf16.decode(this.read(fn, p, byteLength))
  }

  /** The start of [ptr, ptr + len), which must lie inside `mem`. */
  #range (fn: string, mem: Uint8Array, ptr: number, len: number): number {
    const start = u32(ptr)
    const length = u32(len)
    const end = start + length
    if (end > mem.length) {
      throw new HostCallError(
        `${fn}: pointer range [${start}, ${end}) is outside guest memory (${mem.length} bytes)`,
        { hint: 'the application passed an invalid pointer or length to the host' }
      )
    }
    return start
  }
}

/** WebAssembly passes i32 as signed JS numbers; pointers and lengths are unsigned. */
export function u32 (n: number): number {
  return n >>> 0
}
