// Prepares a canister's WASM for the devnet's host: instruction metering (the same
// rewriter as the NEAR devnet's: one i64 global counts down per block of instructions and
// traps at zero), every mutable global exported so that a trapped message can be rolled back
// globals and all, and whether the module's memory is 64-bit (Motoko's enhanced orthogonal
// persistence) so that the ic0 imports speak i64 or i32 pointers.
import { GAS_EXPORT, meterModule } from '../../near/devnet/meter.ts'

export const COUNTER_EXPORT = GAS_EXPORT
export const GLOBAL_EXPORT_PREFIX = '__moorage_global_'
/** The start function, taken out of the start section so that it runs after an upgrade has put the kept memory back. */
export const START_EXPORT = '__moorage_start'

export interface Prepared {
  module: WebAssembly.Module
  memory64: boolean
  /** Indices of the mutable globals exported as GLOBAL_EXPORT_PREFIX + index. */
  globals: number[]
  /** Custom sections by name (candid:service and the like, with or without the icp: prefix). */
  custom: Map<string, Uint8Array>
}

class Reader {
  pos = 0
  readonly b: Uint8Array
  constructor (b: Uint8Array) { this.b = b }
  byte (): number {
    if (this.pos >= this.b.length) throw new Error('the module ends early')
    return this.b[this.pos++]!
  }

  u32 (): number {
    let result = 0; let shift = 0
    for (;;) {
      const byte = this.byte()
      result += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) return result
      shift += 7
    }
  }

  skipName (): void { const n = this.u32(); this.pos += n }

  skipLeb (): void { while ((this.byte() & 0x80) !== 0) { /* continuation */ } }
}

function uleb (n: number): number[] {
  const out: number[] = []
  let v = n
  do {
    let byte = v & 0x7f
    v = Math.floor(v / 128)
    if (v !== 0) byte |= 0x80
    out.push(byte)
  } while (v !== 0)
  return out
}

function sections (wasm: Uint8Array): Array<{ id: number, content: Uint8Array }> {
  if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) throw new Error('not a WebAssembly module')
  const r = new Reader(wasm)
  r.pos = 8
  const out: Array<{ id: number, content: Uint8Array }> = []
  while (r.pos < wasm.length) {
    const id = r.byte()
    const size = r.u32()
    out.push({ id, content: wasm.subarray(r.pos, r.pos + size) })
    r.pos += size
  }
  return out
}

/** Skips a constant expression (global initialisers): constants and global.get up to `end`. */
function skipInit (r: Reader): void {
  for (;;) {
    const op = r.byte()
    if (op === 0x0b) return
    if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) r.skipLeb()
    else if (op === 0x43) r.pos += 4
    else if (op === 0x44) r.pos += 8
    else if (op === 0xd0) r.byte()
    else if (op !== 0x6a && op !== 0x6b && op !== 0x6c && op !== 0x7c && op !== 0x7d && op !== 0x7e) throw new Error(`unsupported global initialiser 0x${op.toString(16)}`)
  }
}

export function prepare (wasm: Uint8Array): Prepared {
  const metered = meterModule(wasm, 1n)
  const secs = sections(metered)
  let importedGlobals = 0
  let memory64 = false
  const globals: number[] = []
  const custom = new Map<string, Uint8Array>()
  let start: number | undefined
  for (const s of secs) {
    const r = new Reader(s.content)
    if (s.id === 0) {
      const n = r.u32()
      const name = new TextDecoder().decode(s.content.subarray(r.pos, r.pos + n))
      custom.set(name, s.content.subarray(r.pos + n))
    } else if (s.id === 2) {
      const n = r.u32()
      for (let i = 0; i < n; i++) {
        r.skipName(); r.skipName()
        const kind = r.byte()
        if (kind === 0) r.u32()
        else if (kind === 1) { r.byte(); const f = r.byte(); r.skipLeb(); if ((f & 1) !== 0) r.skipLeb() } else if (kind === 2) { const f = r.byte(); if ((f & 4) !== 0) memory64 = true; r.skipLeb(); if ((f & 1) !== 0) r.skipLeb() } else { r.byte(); r.byte(); importedGlobals++ }
      }
    } else if (s.id === 5) {
      const n = r.u32()
      for (let i = 0; i < n; i++) { const f = r.byte(); if ((f & 4) !== 0) memory64 = true; r.skipLeb(); if ((f & 1) !== 0) r.skipLeb() }
    } else if (s.id === 8) {
      start = r.u32()
    } else if (s.id === 6) {
      const n = r.u32()
      for (let i = 0; i < n; i++) {
        r.byte()
        const mutable = r.byte() === 1
        skipInit(r)
        if (mutable) globals.push(importedGlobals + i)
      }
    }
  }
  const out: number[] = [...metered.subarray(0, 8)]
  const push = (bytes: ArrayLike<number>): void => { for (let i = 0; i < bytes.length; i++) out.push(bytes[i]!) }
  for (const s of secs) {
    if (s.id === 8) continue
    let content: ArrayLike<number> = s.content
    if (s.id === 7) {
      const r = new Reader(s.content)
      const n = r.u32()
      const extra: number[] = []
      for (const g of globals) {
        const name = [...new TextEncoder().encode(GLOBAL_EXPORT_PREFIX + g)]
        extra.push(...uleb(name.length), ...name, 0x03, ...uleb(g))
      }
      if (start !== undefined) {
        const name = [...new TextEncoder().encode(START_EXPORT)]
        extra.push(...uleb(name.length), ...name, 0x00, ...uleb(start))
      }
      const c: number[] = uleb(n + globals.length + (start === undefined ? 0 : 1))
      for (let i = r.pos; i < s.content.length; i++) c.push(s.content[i]!)
      c.push(...extra)
      content = c
    }
    push([s.id, ...uleb(content.length)])
    push(content)
  }
  return { module: new WebAssembly.Module(new Uint8Array(out)), memory64, globals, custom }
}
