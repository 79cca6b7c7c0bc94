// Gas metering for the devnet's WASM runner: rewrites a WebAssembly MVP module so that it
// charges gas as it runs, the way nearcore injects metering when it prepares a contract.
// A new mutable i64 global, exported as `__moorage_gas_left`, holds the gas left; every
// function entry and every loop header subtracts the static cost of the code it starts (its
// instruction count × the fee schedule's regular_op_cost) and traps with `unreachable` once
// the gas is spent. Host functions charge the same global from JavaScript. A contract that
// loops forever therefore fails with GasExceeded instead of hanging the devnet.

/** Thrown when the module is not one this rewriter understands (not MVP, malformed). */
export class MeterError extends Error {
  override name = 'MeterError'
}

export const GAS_EXPORT = '__moorage_gas_left'

class Reader {
  pos = 0
  readonly b: Uint8Array
  constructor (b: Uint8Array) { this.b = b }
  byte (): number {
    if (this.pos >= this.b.length) throw new MeterError('unexpected end of module')
    return this.b[this.pos++]!
  }

  u32 (): number {
    let result = 0
    let shift = 0
    for (;;) {
      const byte = this.byte()
      result |= (byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result >>> 0
      shift += 7
      if (shift > 35) throw new MeterError('LEB128 too long')
    }
  }

  /** Skips a signed LEB128 (any width). */
  skipLeb (): void {
    for (let i = 0; i < 10; i++) if ((this.byte() & 0x80) === 0) return
    throw new MeterError('LEB128 too long')
  }

  skip (n: number): void {
    this.pos += n
    if (this.pos > this.b.length) throw new MeterError('unexpected end of module')
  }
}

function uleb (n: number | bigint): number[] {
  let v = BigInt(n)
  const out: number[] = []
  do {
    let byte = Number(v & 0x7fn)
    v >>= 7n
    if (v !== 0n) byte |= 0x80
    out.push(byte)
  } while (v !== 0n)
  return out
}

function sleb (n: bigint): number[] {
  const out: number[] = []
  let v = n
  for (;;) {
    const byte = Number(v & 0x7fn)
    v >>= 7n
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)
    out.push(done ? byte : byte | 0x80)
    if (done) return out
  }
}

/** The charge sequence: gas -= cost; if (gas < 0) unreachable. */
function charge (global: number, cost: bigint): number[] {
  const g = uleb(global)
  return [0x23, ...g, 0x42, ...sleb(cost), 0x7d, 0x24, ...g, 0x23, ...g, 0x42, 0x00, 0x53, 0x04, 0x40, 0x00, 0x0b]
}

/** Skips one instruction's immediates; returns whether it opens a block (block, loop, if). */
function skipImmediates (r: Reader, op: number): void {
  if (op === 0x02 || op === 0x03 || op === 0x04) { r.skipLeb(); return } // block type (s33)
  if (op === 0x0c || op === 0x0d || op === 0x10) { r.u32(); return }
  if (op === 0x0e) { const n = r.u32(); for (let i = 0; i <= n; i++) r.u32(); return }
  if (op === 0x11) { r.u32(); r.u32(); return }
  if (op >= 0x20 && op <= 0x24) { r.u32(); return }
  if (op >= 0x28 && op <= 0x3e) { r.u32(); r.skipLeb(); return } // align, offset (u64 under memory64)
  if (op === 0x3f || op === 0x40) { r.byte(); return }
  if (op === 0x41 || op === 0x42) { r.skipLeb(); return }
  if (op === 0x43) { r.skip(4); return }
  if (op === 0x44) { r.skip(8); return }
  if (op === 0xfc) {
    const sub = r.u32()
    if (sub <= 7) return // saturating truncations
    if (sub === 8) { r.u32(); r.byte(); return } // memory.init
    if (sub === 9) { r.u32(); return } // data.drop
    if (sub === 10) { r.byte(); r.byte(); return } // memory.copy
    if (sub === 11) { r.byte(); return } // memory.fill
    throw new MeterError(`unsupported 0xfc instruction ${sub}`)
  }
  if (op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b || (op >= 0x45 && op <= 0xc4)) return
  throw new MeterError(`unsupported instruction 0x${op.toString(16)}`)
}

/** One function body with charges inserted at its entry and at each loop header. */
function meterBody (body: Uint8Array, global: number, opCost: bigint): number[] {
  const r = new Reader(body)
  const groups = r.u32()
  for (let i = 0; i < groups; i++) { r.u32(); r.byte() }
  const codeStart = r.pos
  // Insertion points (offsets into body) and the instruction counts they pay for.
  const inserts: Array<{ at: number, ops: number }> = [{ at: codeStart, ops: 0 }]
  // Control stack: for each open block, the index of the insert that pays for code in it.
  const stack: number[] = [0]
  while (r.pos < body.length) {
    const op = r.byte()
    inserts[stack.at(-1)!]!.ops++
    skipImmediates(r, op)
    if (op === 0x03) { inserts.push({ at: r.pos, ops: 0 }); stack.push(inserts.length - 1) } else if (op === 0x02 || op === 0x04) stack.push(stack.at(-1)!)
    else if (op === 0x0b) stack.pop()
  }
  if (stack.length !== 0) throw new MeterError('unbalanced function body')
  const out: number[] = []
  let from = 0
  for (const ins of inserts) {
    for (let i = from; i < ins.at; i++) out.push(body[i]!)
    out.push(...charge(global, BigInt(ins.ops) * opCost))
    from = ins.at
  }
  for (let i = from; i < body.length; i++) out.push(body[i]!)
  return out
}

/** Appends without spreading: spreading a large array overflows the call stack. */
function append (out: number[], bytes: ArrayLike<number>): void {
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i]!)
}

function section (id: number, content: ArrayLike<number>): number[] {
  const out = [id, ...uleb(content.length)]
  append(out, content)
  return out
}

/** The module with gas metering; `opCost` is gas per instruction. */
export function meterModule (wasm: Uint8Array, opCost: bigint): Uint8Array {
  const r = new Reader(wasm)
  if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) throw new MeterError('not a WebAssembly module')
  r.pos = 8
  const sections: Array<{ id: number, content: Uint8Array }> = []
  while (r.pos < wasm.length) {
    const id = r.byte()
    const size = r.u32()
    sections.push({ id, content: wasm.subarray(r.pos, r.pos + size) })
    r.skip(size)
  }
  // The new global's index: imported globals come first, then the defined ones.
  let importedGlobals = 0
  let definedGlobals = 0
  for (const s of sections) {
    const sr = new Reader(s.content)
    if (s.id === 2) {
      const n = sr.u32()
      for (let i = 0; i < n; i++) {
        sr.skip(sr.u32()); sr.skip(sr.u32())
        const kind = sr.byte()
        if (kind === 0) sr.u32()
        else if (kind === 1) { sr.byte(); const f = sr.byte(); sr.u32(); if (f & 1) sr.u32() } else if (kind === 2) { const f = sr.byte(); sr.u32(); if (f & 1) sr.u32() } else { sr.byte(); sr.byte(); importedGlobals++ }
      }
    } else if (s.id === 6) definedGlobals = sr.u32()
  }
  const gasGlobal = importedGlobals + definedGlobals
  // mut i64, large until the host sets the call's gas (the start function runs at instantiation).
  const newGlobal = [0x7e, 0x01, 0x42, ...sleb(1n << 60n), 0x0b]
  const out: number[] = [...wasm.subarray(0, 8)]
  let wroteGlobal = false
  for (const s of sections) {
    if (!wroteGlobal && s.id > 6 && s.id !== 0) {
      append(out, section(6, [...uleb(1), ...newGlobal]))
      wroteGlobal = true
    }
    if (s.id === 6) {
      const sr = new Reader(s.content); const n = sr.u32()
      append(out, section(6, [...uleb(n + 1), ...s.content.subarray(sr.pos), ...newGlobal]))
      wroteGlobal = true
    } else if (s.id === 7) {
      const sr = new Reader(s.content); const n = sr.u32()
      const name = [...new TextEncoder().encode(GAS_EXPORT)]
      append(out, section(7, [...uleb(n + 1), ...s.content.subarray(sr.pos), ...uleb(name.length), ...name, 0x03, ...uleb(gasGlobal)]))
    } else if (s.id === 10) {
      const sr = new Reader(s.content); const n = sr.u32()
      const bodies: number[] = [...uleb(n)]
      for (let i = 0; i < n; i++) {
        const size = sr.u32()
        const metered = meterBody(s.content.subarray(sr.pos, sr.pos + size), gasGlobal, opCost)
        sr.skip(size)
        append(bodies, uleb(metered.length))
        append(bodies, metered)
      }
      append(out, section(10, bodies))
    } else {
      append(out, section(s.id, s.content))
    }
  }
  return new Uint8Array(out)
}
