// Instruction decoder: reads one instruction (opcode and immediates) at a time. It does
// not type-check (WebAssembly.validate does that); it only knows every instruction's
// length so the instrumenter can walk function bodies and constant expressions.
//
// Supported: the MVP, sign-extension, non-trapping float-to-int, bulk memory,
// reference types, multi-value block types and tail calls. SIMD, threads, exception
// handling and GC are rejected by name.
import { InvalidModuleError } from '../../errors/index.ts'
import { malformed } from './reader.ts'
import type { WasmReader } from './reader.ts'

export const OP_BLOCK = 0x02
export const OP_LOOP = 0x03
export const OP_IF = 0x04
export const OP_ELSE = 0x05
export const OP_END = 0x0b
export const OP_MEMORY_GROW = 0x40
/** 0xFC-prefixed instructions are returned as PREFIX_FC | subopcode. */
export const PREFIX_FC = 0xfc00

// Immediate layouts.
const NONE = 0
const BLOCKTYPE = 1
const INDEX = 2 // one u32
const INDEX2 = 3 // two u32 (call_indirect: type, table)
const BR_TABLE = 4
const MEMARG = 5
const I32 = 6
const I64 = 7
const F32 = 8
const F64 = 9
const SELECT_T = 10
const HEAPTYPE = 11
const FC = 12
const INVALID = 255

const immediates = new Uint8Array(256).fill(INVALID)
function define (from: number, to: number, kind: number): void {
  for (let op = from; op <= to; op++) immediates[op] = kind
}
define(0x00, 0x01, NONE) // unreachable, nop
define(0x02, 0x04, BLOCKTYPE) // block, loop, if
define(0x05, 0x05, NONE) // else
define(0x0b, 0x0b, NONE) // end
define(0x0c, 0x0d, INDEX) // br, br_if
define(0x0e, 0x0e, BR_TABLE)
define(0x0f, 0x0f, NONE) // return
define(0x10, 0x10, INDEX) // call
define(0x11, 0x11, INDEX2) // call_indirect
define(0x12, 0x12, INDEX) // return_call
define(0x13, 0x13, INDEX2) // return_call_indirect
define(0x1a, 0x1b, NONE) // drop, select
define(0x1c, 0x1c, SELECT_T)
define(0x20, 0x26, INDEX) // local.get/set/tee, global.get/set, table.get/set
define(0x28, 0x3e, MEMARG) // loads and stores
define(0x3f, 0x40, INDEX) // memory.size, memory.grow (memory index)
define(0x41, 0x41, I32)
define(0x42, 0x42, I64)
define(0x43, 0x43, F32)
define(0x44, 0x44, F64)
define(0x45, 0xc4, NONE) // numeric, including sign-extension (0xc0-0xc4)
define(0xd0, 0xd0, HEAPTYPE) // ref.null
define(0xd1, 0xd1, NONE) // ref.is_null
define(0xd2, 0xd2, INDEX) // ref.func
define(0xfc, 0xfc, FC)

// 0xFC subopcodes 0..17: saturating truncation (0-7) takes nothing; the rest take one or two indices.
const fcIndices = [0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 2, 1, 2, 1, 2, 1, 1, 1]

const proposals: Record<number, string> = {
  0x06: 'exception handling (try)',
  0x07: 'exception handling (catch)',
  0x08: 'exception handling (throw)',
  0x09: 'exception handling (rethrow)',
  0x0a: 'exception handling (throw_ref)',
  0x14: 'typed function references (call_ref)',
  0x15: 'typed function references (return_call_ref)',
  0x18: 'exception handling (delegate)',
  0x19: 'exception handling (catch_all)',
  0x1f: 'exception handling (try_table)',
  0xfb: 'garbage collection',
  0xfd: 'SIMD',
  0xfe: 'threads (atomics)'
}

function hex (n: number): string {
  return '0x' + n.toString(16).padStart(2, '0')
}

/** Reads a block type: empty, one value type, or a type index (multi-value). */
export function readBlockType (r: WasmReader): void {
  const b = r.bytes[r.pos]
  if (b === 0x40 || (b >= 0x6f && b <= 0x7f)) {
    r.u8()
    return
  }
  const at = r.pos
  if (r.s33() < 0) malformed(`unknown block type ${hex(b)}`, at)
}

/**
 * Reads one instruction and returns its opcode (0xFC-prefixed ones as PREFIX_FC | sub).
 * `where` names the enclosing function for error messages.
 */
export function readInstruction (r: WasmReader, where: string): number {
  const at = r.pos
  const op = r.u8()
  switch (immediates[op]) {
    case NONE:
      return op
    case BLOCKTYPE:
      readBlockType(r)
      return op
    case INDEX:
      r.u32()
      return op
    case INDEX2:
      r.u32()
      r.u32()
      return op
    case BR_TABLE: {
      const n = r.u32()
      for (let i = 0; i <= n; i++) r.u32()
      return op
    }
    case MEMARG: {
      const align = r.u32()
      if ((align & 0x40) !== 0) r.u32() // multi-memory: explicit memory index
      r.u32() // offset
      return op
    }
    case I32:
      r.s32()
      return op
    case I64:
      r.s64()
      return op
    case F32:
      r.skip(4)
      return op
    case F64:
      r.skip(8)
      return op
    case SELECT_T: {
      const n = r.u32()
      for (let i = 0; i < n; i++) readValueType(r)
      return op
    }
    case HEAPTYPE:
      r.s33()
      return op
    case FC: {
      const sub = r.u32()
      const indices = fcIndices[sub]
      if (indices === undefined) unsupported(`unknown opcode 0xfc ${sub}`, at, where)
      for (let i = 0; i < indices; i++) r.u32()
      return PREFIX_FC | sub
    }
    default: {
      const proposal = proposals[op]
      if (proposal !== undefined) {
        const sub = op >= 0xfb && !r.done ? ` ${hex(r.bytes[r.pos])}` : ''
        unsupported(`${proposal} instructions are not supported`, at, where, `opcode ${hex(op)}${sub}`)
      }
      return unsupported(`unknown opcode ${hex(op)}`, at, where)
    }
  }
}

function unsupported (what: string, offset: number, where: string, opcode?: string): never {
  throw new InvalidModuleError(what, {
    details: `${opcode != null ? opcode + ' ' : ''}at offset ${offset} in ${where}`,
    hint: 'build the module for WebAssembly MVP plus mutable-globals, sign-extension and bulk-memory (see docs/abi.md)'
  })
}

/** Reads a value type; rejects v128 and the typed-reference/GC types. */
export function readValueType (r: WasmReader): number {
  const at = r.pos
  const t = r.u8()
  if ((t >= 0x7c && t <= 0x7f) || t === 0x70 || t === 0x6f) return t
  if (t === 0x7b) {
    throw new InvalidModuleError('SIMD (v128) values are not supported', {
      details: `value type 0x7b at offset ${at}`,
      hint: 'build the module without SIMD'
    })
  }
  return malformed(`unsupported value type ${hex(t)}`, at)
}
