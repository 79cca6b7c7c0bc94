// Install-time instrumentation of application modules (docs/abi.md, "Limits and metering").
//
// The module is parsed section by section; only the sections that must change are
// re-encoded, everything else (tables, elements, data, start, custom sections such as
// `name`) is copied byte for byte. Nothing is inserted into an existing index space:
// the two new globals, the new type and the new function are all appended at the end,
// so no existing index (and no `name` section entry) shifts.
//
// - Gas: every function entry and every `loop` body is charged the static instruction
//   count of the straight-line code it directly contains (nested loop bodies excluded),
//   through an exported mutable i64 global. Any backward jump lands on a loop start and
//   any call on a function entry, so the work done between two charges is bounded by the
//   size of the code: infinite loops and unbounded recursion run out of gas.
//   Inside a function the counter lives in a local of its own (a register, where the
//   global is memory: a loop that charged the global waited on a store and a load every
//   iteration); it is read from the global at entry and after every call, and written
//   back before every call and every way out (return, a branch out of the function, its
//   end, a gas trap). The host and other functions thus always see the global up to date.
// - Memory: the memory's maximum is capped at `memoryPages`, and every `memory.grow`
//   becomes a call to an injected helper that traps when the cap would be exceeded.
// - Bulk memory: every `memory.fill` and `memory.copy` becomes a call to an injected
//   helper that first charges one gas unit per BULK_BYTES_PER_GAS bytes of its length, so
//   a loop of large fills costs what it does. (`memory.init` copies from a data segment,
//   which the module's size bounds.)
// - A trap caused by either sets an exported i32 global first, so the host can tell a
//   metering trap from an application trap.
// - Pooling: every mutable global the module defines is also exported (as
//   `__moor_g<index>`), so the host can snapshot and restore an instance's globals and
//   reuse it for the next call. A module whose code can change instance state the host
//   cannot restore (tables: table.set/grow/fill/copy/init; dropped segments:
//   elem.drop/data.drop) is reported as not poolable.
import { InvalidModuleError } from '../errors/index.ts'
import { WasmReader, malformed } from './wasm/reader.ts'
import { WasmWriter } from './wasm/writer.ts'
import { Wasm } from './wasm-api.ts'
import { OP_BLOCK, OP_END, OP_IF, OP_LOOP, OP_MEMORY_GROW, PREFIX_FC, readInstruction, readValueType } from './wasm/opcodes.ts'

export const GAS_GLOBAL = '__moor_gas'
/** Bytes of a memory.fill or memory.copy one gas unit pays for (a power of two). */
export const BULK_BYTES_PER_GAS = 32
const BULK_SHIFT = Math.log2(BULK_BYTES_PER_GAS)
export const TRAP_GLOBAL = '__moor_trap'
/** Values of the trap global: why the module executed the injected `unreachable`. */
export const TRAP_NONE = 0
export const TRAP_GAS = 1
export const TRAP_MEMORY = 2
/** Export names starting with this are reserved for instrumentation. */
export const RESERVED_PREFIX = '__moor_'
/** Export name of defined mutable global `index` (its index in the global index space). */
export const mutableGlobalExport = (index: number): string => `${RESERVED_PREFIX}g${index}`

export interface InstrumentInit {
  /** Cap on linear memory, in 64 KiB pages (0..65536). */
  memoryPages: number
  /** Imports the host provides; any other import rejects the module. */
  allowedImports: ReadonlyArray<{ module: string, name: string }> | ((module: string, name: string) => boolean)
  /**
   * Initial value of the gas global (default 0). It is the only budget a `start`
   * function gets, since start runs inside instantiation before the host can set gas.
   */
  startGas?: bigint
}

export interface InstrumentedModule {
  bytes: Uint8Array
  /** Exported functions of type () -> () whose names do not start with "__". */
  methods: string[]
  imports: Array<{ module: string, name: string }>
  /** Export names of the module's own mutable globals (see mutableGlobalExport), in index order. */
  mutableGlobals: string[]
  /**
   * False when the code can change instance state other than linear memory and globals
   * (a table or a dropped data/element segment): such a module needs a fresh instance per call.
   */
  poolable: boolean
}

// Section ids and their required order (custom sections, id 0, may appear anywhere).
const SEC_CUSTOM = 0
const SEC_TYPE = 1
const SEC_IMPORT = 2
const SEC_FUNCTION = 3
const SEC_MEMORY = 5
const SEC_GLOBAL = 6
const SEC_EXPORT = 7
const SEC_CODE = 10
const SEC_TAG = 13
const sectionRank: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 }
const sectionNames: Record<number, string> = {
  0: 'custom', 1: 'type', 2: 'import', 3: 'function', 4: 'table', 5: 'memory', 6: 'global',
  7: 'export', 8: 'start', 9: 'element', 10: 'code', 11: 'data', 12: 'data count', 13: 'tag'
}

const KIND_FUNC = 0
const KIND_TABLE = 1
const KIND_MEMORY = 2
const KIND_GLOBAL = 3
const kindNames = ['function', 'table', 'memory', 'global', 'tag']

interface Section {
  id: number
  /** Offset of the section id byte. */
  start: number
  /** Offset of the first content byte. */
  content: number
  end: number
}

interface Limits { min: number, max: number | null }

/** What the instrumenter needs to know about the input module. */
interface ModuleInfo {
  sections: Section[]
  typeCount: number
  /** Per type index: true when the type is () -> (). */
  voidTypes: boolean[]
  /** Per type index: its number of parameters. */
  typeParams: number[]
  imports: Array<{ module: string, name: string }>
  /** Type index of every function, imported ones first. */
  funcTypes: number[]
  importedFuncs: number
  importedGlobals: number
  definedGlobals: number
  /** Global indices of the mutable globals the module defines. */
  mutableGlobals: number[]
  memory: Limits | null
  exports: Array<{ name: string, kind: number, index: number }>
  /** Offset of the first entry (after the count) of the type/function/global/export sections. */
  entries: Map<number, number>
  /** [start, end) of every function body, after its size prefix. */
  bodies: Array<[number, number]>
}

export function instrument (wasm: Uint8Array, init: InstrumentInit): InstrumentedModule {
  const { memoryPages } = init
  if (!Number.isInteger(memoryPages) || memoryPages < 0 || memoryPages > 65536) {
    throw new RangeError(`memoryPages must be an integer in 0..65536, got ${memoryPages}`)
  }
  const startGas = init.startGas ?? 0n
  if (startGas < 0n || startGas > 0x7fffffffffffffffn) throw new RangeError(`startGas must fit a non-negative i64, got ${startGas}`)
  const info = parseModule(wasm, importFilter(init.allowedImports))
  const memory = info.memory
  if (memory === null || !info.exports.some(e => e.name === 'memory' && e.kind === KIND_MEMORY && e.index === 0)) {
    throw new InvalidModuleError('module does not export its memory as "memory"', {
      details: memory === null ? 'the module defines no memory' : 'no memory export named "memory"',
      hint: 'an application must define one linear memory and export it as "memory" (see docs/abi.md)'
    })
  }
  if (memory.min > memoryPages) {
    throw new InvalidModuleError('module needs more memory than the node allows', {
      details: `the module's memory starts at ${memory.min} pages; the limit is ${memoryPages} pages (64 KiB each)`,
      hint: 'lower the initial memory of the module or raise limits.memoryPages'
    })
  }
  const reserved = info.exports.find(e => e.name.startsWith(RESERVED_PREFIX))
  if (reserved !== undefined) {
    throw new InvalidModuleError(`module already exports "${reserved.name}"`, {
      details: `names starting with "${RESERVED_PREFIX}" are reserved for instrumentation; the module may have been instrumented already`,
      hint: 'install the module as the compiler produced it'
    })
  }

  const gasGlobal = info.importedGlobals + info.definedGlobals
  const trapGlobal = gasGlobal + 1
  // Appended functions: the grow helper, then the fill and copy helpers.
  const growFunc = info.funcTypes.length
  const growType = info.typeCount
  const scan = { poolable: true }
  const rewritten = new Map<number, WasmWriter>([
    [SEC_TYPE, typeSection(wasm, info)],
    [SEC_FUNCTION, functionSection(wasm, info, growType, growType + 1)],
    [SEC_MEMORY, memorySection(Math.min(memory.max ?? memoryPages, memoryPages), memory.min)],
    [SEC_GLOBAL, globalSection(wasm, info, startGas)],
    [SEC_EXPORT, exportSection(wasm, info, gasGlobal, trapGlobal)],
    [SEC_CODE, codeSection(wasm, info, gasGlobal, trapGlobal, growFunc, memoryPages, scan)]
  ])

  // Reassemble: rewritten sections replace the originals; those the module lacked are
  // inserted before the first section that must follow them.
  const out = new WasmWriter(wasm.length + 1024)
  out.bytes(wasm.subarray(0, 8))
  const present = new Set(info.sections.map(s => s.id))
  const pending = [...rewritten.keys()].filter(id => !present.has(id))
  const flushBefore = (rank: number): void => {
    while (pending.length > 0 && sectionRank[pending[0]] < rank) {
      const id = pending.shift() as number
      out.section(id, rewritten.get(id) as WasmWriter)
    }
  }
  for (const s of info.sections) {
    if (s.id !== SEC_CUSTOM) flushBefore(sectionRank[s.id])
    const content = rewritten.get(s.id)
    if (content !== undefined) out.section(s.id, content)
    else out.bytes(wasm.subarray(s.start, s.end))
  }
  flushBefore(Infinity)
  const bytes = out.finish()

  if (!Wasm.validate(bytes)) throw invalidAfterInstrumentation(wasm)
  return {
    bytes,
    methods: info.exports
      .filter(e => e.kind === KIND_FUNC && !e.name.startsWith('__') && info.voidTypes[info.funcTypes[e.index]] === true)
      .map(e => e.name),
    imports: info.imports,
    mutableGlobals: info.mutableGlobals.map(mutableGlobalExport),
    poolable: scan.poolable
  }
}

function importFilter (allowed: InstrumentInit['allowedImports']): (module: string, name: string) => boolean {
  if (typeof allowed === 'function') return allowed
  const set = new Set(allowed.map(i => `${i.module}\u0000${i.name}`))
  return (module, name) => set.has(`${module}\u0000${name}`)
}

/** The output failed validation: the input was invalid (say why) or this code has a bug. */
function invalidAfterInstrumentation (wasm: Uint8Array): Error {
  try {
    new Wasm.Module(wasm)
  } catch (err) {
    return new InvalidModuleError('module is not valid WebAssembly', {
      details: err instanceof Error ? err.message : String(err),
      cause: err
    })
  }
  return new Error('instrumentation produced an invalid module from a valid one (bug in src/runtime/instrument.ts)')
}

// ---------------------------------------------------------------------------------------
// Parsing

function parseModule (wasm: Uint8Array, allowed: (module: string, name: string) => boolean): ModuleInfo {
  if (wasm.length < 8 || wasm[0] !== 0x00 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) {
    throw new InvalidModuleError('not a WebAssembly module', {
      details: 'the file does not start with the WebAssembly magic bytes "\\0asm"',
      hint: 'upload the compiled .wasm file, not its source or text format'
    })
  }
  const version = wasm[4] | (wasm[5] << 8) | (wasm[6] << 16) | (wasm[7] << 24)
  if (version !== 1) {
    throw new InvalidModuleError(`unsupported WebAssembly binary version ${version}`, {
      details: 'only version 1 (the WebAssembly core binary format) is supported',
      hint: 'component-model binaries are not supported; build a core module'
    })
  }

  const info: ModuleInfo = {
    sections: [],
    typeCount: 0,
    voidTypes: [],
    typeParams: [],
    imports: [],
    funcTypes: [],
    importedFuncs: 0,
    importedGlobals: 0,
    definedGlobals: 0,
    mutableGlobals: [],
    memory: null,
    exports: [],
    entries: new Map(),
    bodies: []
  }
  const r = new WasmReader(wasm, 8)
  let lastRank = 0
  let definedFuncs = -1
  while (!r.done) {
    const start = r.pos
    const id = r.u8()
    const size = r.u32()
    const name = sectionNames[id]
    if (name === undefined) malformed(`unknown section id ${id}`, start)
    const s = r.sub(size, `${name} section`)
    info.sections.push({ id, start, content: s.pos, end: s.end })
    if (id === SEC_CUSTOM) continue
    const rank = sectionRank[id]
    if (rank <= lastRank) malformed(`${name} section is duplicated or out of order`, start)
    lastRank = rank
    switch (id) {
      case SEC_TYPE: parseTypes(s, info); break
      case SEC_IMPORT: parseImports(s, info, allowed); break
      case SEC_FUNCTION: definedFuncs = parseFunctions(s, info); break
      case SEC_MEMORY: parseMemories(s, info); break
      case SEC_GLOBAL: parseGlobals(s, info); break
      case SEC_EXPORT: parseExports(s, info); break
      case SEC_CODE: parseCode(s, info, definedFuncs); break
      case SEC_TAG:
        throw new InvalidModuleError('exception handling is not supported', {
          details: `tag section at offset ${start}`,
          hint: 'build the module without exception handling'
        })
      default: s.pos = s.end // table, start, element, data count, data: copied unchanged
    }
    if (!s.done) malformed(`${name} section has ${s.end - s.pos} unexpected trailing bytes`, s.pos)
  }
  if (definedFuncs > 0 && info.bodies.length === 0) {
    malformed(`${definedFuncs} functions are declared but the code section is missing`, wasm.length)
  }
  return info
}

function parseTypes (r: WasmReader, info: ModuleInfo): void {
  const count = r.u32()
  info.entries.set(SEC_TYPE, r.pos)
  for (let i = 0; i < count; i++) {
    const at = r.pos
    const form = r.u8()
    if (form !== 0x60) {
      if (form === 0x4e || form === 0x4f || form === 0x50 || form === 0x5e || form === 0x5f) {
        throw new InvalidModuleError('garbage-collection types are not supported', {
          details: `type ${i} at offset ${at} is not a plain function type`,
          hint: 'build the module without the GC proposal'
        })
      }
      malformed(`type ${i} is not a function type (form 0x${form.toString(16)})`, at)
    }
    const params = r.u32()
    for (let p = 0; p < params; p++) readValueType(r)
    const results = r.u32()
    for (let p = 0; p < results; p++) readValueType(r)
    info.voidTypes.push(params === 0 && results === 0)
    info.typeParams.push(params)
  }
  info.typeCount = count
}

function readLimits (r: WasmReader): Limits & { flags: number } {
  const at = r.pos
  const flags = r.u8()
  if (flags > 3) {
    throw new InvalidModuleError('64-bit memories and tables are not supported', {
      details: `limits flags 0x${flags.toString(16)} at offset ${at}`,
      hint: 'build a wasm32 module'
    })
  }
  const min = r.u32()
  const max = (flags & 1) !== 0 ? r.u32() : null
  return { flags, min, max }
}

function parseImports (r: WasmReader, info: ModuleInfo, allowed: (module: string, name: string) => boolean): void {
  const count = r.u32()
  for (let i = 0; i < count; i++) {
    const module = r.name()
    const name = r.name()
    const at = r.pos
    const kind = r.u8()
    if (kind === KIND_MEMORY) {
      throw new InvalidModuleError(`module imports its memory (${module}.${name})`, {
        details: 'the node gives every application its own memory; the module must define it and export it as "memory"',
        hint: 'build without --importMemory (AssemblyScript) or the equivalent flag'
      })
    }
    if (kind > KIND_GLOBAL) {
      throw new InvalidModuleError(`module imports ${module}.${name} as a ${kindNames[kind] ?? 'kind ' + kind}, which is not supported`, {
        details: `import at offset ${at}`
      })
    }
    if (!allowed(module, name)) {
      throw new InvalidModuleError(`module imports ${module}.${name}, which the host does not provide`, {
        details: `${kindNames[kind]} import at offset ${at}`,
        hint: 'applications may only import the host functions listed in docs/abi.md (modules "moor" and "env")'
      })
    }
    if (kind === KIND_FUNC) {
      info.funcTypes.push(r.u32())
      info.importedFuncs++
    } else if (kind === KIND_TABLE) {
      readValueType(r)
      readLimits(r)
    } else {
      readValueType(r)
      r.u8() // mutability
      info.importedGlobals++
    }
    info.imports.push({ module, name })
  }
}

function parseFunctions (r: WasmReader, info: ModuleInfo): number {
  const count = r.u32()
  info.entries.set(SEC_FUNCTION, r.pos)
  for (let i = 0; i < count; i++) info.funcTypes.push(r.u32())
  return count
}

function parseMemories (r: WasmReader, info: ModuleInfo): void {
  const count = r.u32()
  if (count > 1) {
    throw new InvalidModuleError('module defines more than one memory', {
      details: `${count} memories`,
      hint: 'build the module without multi-memory'
    })
  }
  if (count === 0) return
  const at = r.pos
  const limits = readLimits(r)
  if ((limits.flags & 2) !== 0) {
    throw new InvalidModuleError('shared memory is not supported', {
      details: `memory at offset ${at} is declared shared`,
      hint: 'build the module without threads'
    })
  }
  info.memory = { min: limits.min, max: limits.max }
}

function parseGlobals (r: WasmReader, info: ModuleInfo): void {
  const count = r.u32()
  info.entries.set(SEC_GLOBAL, r.pos)
  for (let i = 0; i < count; i++) {
    readValueType(r)
    const at = r.pos
    const mutability = r.u8()
    if (mutability > 1) malformed(`global ${info.importedGlobals + i} has invalid mutability ${mutability}`, at)
    if (mutability === 1) info.mutableGlobals.push(info.importedGlobals + i)
    readConstExpr(r, `the initializer of global ${info.importedGlobals + i}`)
  }
  info.definedGlobals = count
}

function readConstExpr (r: WasmReader, where: string): void {
  while (readInstruction(r, where) !== OP_END) { /* constant expressions hold no blocks */ }
}

function parseExports (r: WasmReader, info: ModuleInfo): void {
  const count = r.u32()
  info.entries.set(SEC_EXPORT, r.pos)
  for (let i = 0; i < count; i++) {
    const name = r.name()
    const kind = r.u8()
    const index = r.u32()
    info.exports.push({ name, kind, index })
  }
}

function parseCode (r: WasmReader, info: ModuleInfo, declared: number): void {
  const at = r.pos
  const count = r.u32()
  if (count !== Math.max(declared, 0)) {
    malformed(`code section has ${count} bodies but the function section declares ${Math.max(declared, 0)}`, at)
  }
  for (let i = 0; i < count; i++) {
    const size = r.u32()
    const body = r.sub(size, `body of function ${info.importedFuncs + i}`)
    info.bodies.push([body.pos, body.end])
  }
}

// ---------------------------------------------------------------------------------------
// Re-encoding

/** Section content: the original entries with a larger count, followed by `extra`. */
function appendEntries (wasm: Uint8Array, info: ModuleInfo, id: number, count: number, extra: WasmWriter): WasmWriter {
  const w = new WasmWriter()
  w.u32(count)
  const section = info.sections.find(s => s.id === id)
  const from = info.entries.get(id)
  if (section !== undefined && from !== undefined) w.bytes(wasm.subarray(from, section.end))
  return w.bytes(extra.view())
}

function typeSection (wasm: Uint8Array, info: ModuleInfo): WasmWriter {
  // The grow helper's type: (i32) -> (i32), like memory.grow; the bulk helpers' type:
  // (i32, i32, i32) -> (), like memory.fill and memory.copy.
  const extra = new WasmWriter().bytes([0x60, 0x01, 0x7f, 0x01, 0x7f]).bytes([0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00])
  return appendEntries(wasm, info, SEC_TYPE, info.typeCount + 2, extra)
}

function functionSection (wasm: Uint8Array, info: ModuleInfo, growType: number, bulkType: number): WasmWriter {
  const extra = new WasmWriter().u32(growType).u32(bulkType).u32(bulkType)
  return appendEntries(wasm, info, SEC_FUNCTION, info.funcTypes.length - info.importedFuncs + 3, extra)
}

function memorySection (max: number, min: number): WasmWriter {
  return new WasmWriter().u32(1).u8(0x01).u32(min).u32(max)
}

function globalSection (wasm: Uint8Array, info: ModuleInfo, startGas: bigint): WasmWriter {
  const extra = new WasmWriter()
  extra.bytes([0x7e, 0x01, 0x42]).sleb(startGas).u8(OP_END) // gas: mut i64
  extra.bytes([0x7f, 0x01, 0x41, 0x00, OP_END]) // trap: mut i32 = 0
  return appendEntries(wasm, info, SEC_GLOBAL, info.definedGlobals + 2, extra)
}

function exportSection (wasm: Uint8Array, info: ModuleInfo, gasGlobal: number, trapGlobal: number): WasmWriter {
  const extra = new WasmWriter()
  extra.name(GAS_GLOBAL).u8(KIND_GLOBAL).u32(gasGlobal)
  extra.name(TRAP_GLOBAL).u8(KIND_GLOBAL).u32(trapGlobal)
  for (const index of info.mutableGlobals) extra.name(mutableGlobalExport(index)).u8(KIND_GLOBAL).u32(index)
  return appendEntries(wasm, info, SEC_EXPORT, info.exports.length + 2 + info.mutableGlobals.length, extra)
}

function codeSection (
  wasm: Uint8Array, info: ModuleInfo, gasGlobal: number, trapGlobal: number, growFunc: number, memoryPages: number,
  scan: { poolable: boolean }
): WasmWriter {
  // The trap raised when the counter goes negative (inside a function, `sync` first
  // writes the counter back so the host sees it):
  //   i64.const 0; i64.lt_s; if; [sync]; i32.const 1; global.set $trap; unreachable; end
  const trapIfNegative = (w: WasmWriter, sync: Uint8Array): void => {
    w.bytes([0x42, 0x00, 0x53, 0x04, 0x40]).bytes(sync).bytes([0x41, TRAP_GAS]).u8(0x24).u32(trapGlobal).bytes([0x00, OP_END])
  }
  const calls = {
    grow: new WasmWriter().u8(0x10).u32(growFunc).finish(),
    fill: new WasmWriter().u8(0x10).u32(growFunc + 1).finish(),
    copy: new WasmWriter().u8(0x10).u32(growFunc + 2).finish()
  }

  const out = new WasmWriter(wasm.length + 256)
  out.u32(info.bodies.length + 3)
  const body = new WasmWriter()
  const scratch: Scratch = { counts: [], events: [], regions: [], poolable: true }
  for (let i = 0; i < info.bodies.length; i++) {
    const [start, end] = info.bodies[i]
    body.reset()
    const params = info.typeParams[info.funcTypes[info.importedFuncs + i]] ?? 0
    instrumentBody(wasm, start, end, `function ${info.importedFuncs + i}`, params, body, { gasGlobal, trapIfNegative, calls }, scratch)
    out.u32(body.length).bytes(body.view())
  }
  scan.poolable = scratch.poolable

  // The grow helper: (param $delta i32) (result i32)
  //   if (i64(memory.size) + i64(delta) > memoryPages) { trap = TRAP_MEMORY; unreachable }
  //   memory.grow(delta)
  body.reset()
  body.bytes([
    0x00, // no locals
    0x3f, 0x00, 0xad, // memory.size; i64.extend_i32_u
    0x20, 0x00, 0xad, // local.get 0; i64.extend_i32_u
    0x7c, 0x42 // i64.add; i64.const
  ]).sleb(memoryPages).bytes([
    0x56, 0x04, 0x40, // i64.gt_u; if
    0x41, TRAP_MEMORY, 0x24
  ]).u32(trapGlobal).bytes([
    0x00, OP_END, // unreachable; end
    0x20, 0x00, 0x40, 0x00, // local.get 0; memory.grow 0
    OP_END
  ])
  out.u32(body.length).bytes(body.view())

  // The bulk helpers: (param $dest i32) (param $value_or_src i32) (param $len i32)
  //   gas -= len >> BULK_SHIFT; if (gas < 0) { trap = TRAP_GAS; unreachable }
  //   memory.fill 0 / memory.copy 0 0 (dest, value_or_src, len)
  for (const op of [[PREFIX_FC_BYTE, 0x0b, 0x00], [PREFIX_FC_BYTE, 0x0a, 0x00, 0x00]]) {
    body.reset()
    body.u8(0x00) // no locals
    body.u8(0x23).u32(gasGlobal) // global.get $gas
    body.bytes([0x20, 0x02, 0xad, 0x42, BULK_SHIFT, 0x88]) // local.get 2; i64.extend_i32_u; i64.const shift; i64.shr_u
    body.u8(0x7d).u8(0x24).u32(gasGlobal).u8(0x23).u32(gasGlobal) // i64.sub; global.set $gas; global.get $gas
    trapIfNegative(body, new Uint8Array(0))
    body.bytes([0x20, 0x00, 0x20, 0x01, 0x20, 0x02]).bytes(op).u8(OP_END)
    out.u32(body.length).bytes(body.view())
  }
  return out
}

const PREFIX_FC_BYTE = 0xfc

/** Buffers reused across function bodies. */
interface Scratch {
  /** Instruction count per metering region; region 0 is the function, then one per loop. */
  counts: number[]
  /**
   * Flat (from, kind, to) triples, in code order: bytes [from, to) are replaced by what
   * `kind` says (see the kinds below); a kind >= 0 is a loop region, whose charge goes in
   * at from === to, right after the loop's block type.
   */
  events: number[]
  /** Region of each enclosing block. */
  regions: number[]
  /** Cleared when a body contains an instruction in UNPOOLABLE. */
  poolable: boolean
}

/** memory.grow: replaced by a call to the grow helper. */
const GROW = -1
/** memory.fill / memory.copy: replaced by a call to the bulk helper, the counter synced around it. */
const FILL = -2
const COPY = -3
/** A call: the counter is written back before it and read again after it. */
const CALL = -4
/** A way out of the function (return, a branch to its label, its end, a tail call): the counter is written back first. */
const EXIT = -5
const OP_MEMORY_FILL = PREFIX_FC | 11
const OP_MEMORY_COPY = PREFIX_FC | 10
const OP_TABLE_SET = 0x26
const OP_BR = 0x0c
const OP_BR_IF = 0x0d
const OP_BR_TABLE = 0x0e
const OP_RETURN = 0x0f
const OP_CALL = 0x10
const OP_CALL_INDIRECT = 0x11
const OP_RETURN_CALL = 0x12
const OP_RETURN_CALL_INDIRECT = 0x13

/**
 * Instructions that change instance state outside linear memory and globals, which a
 * pooled instance could not have restored: table.set, table.init, elem.drop, table.copy,
 * table.grow, table.fill, and data.drop (memory.init after it would trap).
 */
const UNPOOLABLE = new Set([
  OP_TABLE_SET,
  PREFIX_FC | 9, // data.drop
  PREFIX_FC | 12, // table.init
  PREFIX_FC | 13, // elem.drop
  PREFIX_FC | 14, // table.copy
  PREFIX_FC | 15, // table.grow
  PREFIX_FC | 17 // table.fill
])

interface Injected {
  gasGlobal: number
  trapIfNegative: (w: WasmWriter, sync: Uint8Array) => void
  calls: { grow: Uint8Array, fill: Uint8Array, copy: Uint8Array }
}

/** Whether a branch at block depth `depth` (open blocks) leaves the function: its label is the body's. */
function branchLeaves (wasm: Uint8Array, at: number, end: number, op: number, depth: number): boolean {
  const r = new WasmReader(wasm, at + 1, end)
  if (op !== OP_BR_TABLE) return r.u32() === depth
  const n = r.u32()
  for (let i = 0; i <= n; i++) if (r.u32() === depth) return true
  return false
}

function instrumentBody (
  wasm: Uint8Array, start: number, end: number, where: string, params: number, out: WasmWriter,
  inj: Injected, scratch: Scratch
): void {
  const r = new WasmReader(wasm, start, end)
  const groups = r.u32()
  let locals = params
  for (let i = 0; i < groups; i++) {
    locals += r.u32()
    readValueType(r)
  }
  if (locals >= 50_000) malformed(`${where} declares too many locals`, start)
  const codeStart = r.pos
  // The counter's local: appended after every local the function declares.
  const gas = locals
  const sync = new WasmWriter().u8(0x20).u32(gas).u8(0x24).u32(inj.gasGlobal).finish() // local.get $g; global.set $gas
  const load = new WasmWriter().u8(0x23).u32(inj.gasGlobal).u8(0x21).u32(gas).finish() // global.get $gas; local.set $g
  const charge = (n: number): void => {
    // local.get $g; i64.const n; i64.sub; local.tee $g; (trap if negative)
    out.u8(0x20).u32(gas).u8(0x42).sleb(n).u8(0x7d).u8(0x22).u32(gas)
    inj.trapIfNegative(out, sync)
  }

  // Pass 1: count the instructions of each region and note where code must change.
  const { counts, events, regions } = scratch
  counts.length = 0
  events.length = 0
  regions.length = 0
  counts.push(0)
  let region = 0
  let finished = false
  while (!r.done) {
    const at = r.pos
    const op = readInstruction(r, where)
    counts[region]++
    if (op === OP_BLOCK || op === OP_IF) {
      regions.push(region)
    } else if (op === OP_LOOP) {
      // The `loop` itself belongs to the enclosing region; its body is a new one,
      // charged right after the loop's block type.
      regions.push(region)
      region = counts.length
      counts.push(0)
      events.push(r.pos, region, r.pos)
    } else if (op === OP_END) {
      if (regions.length === 0) {
        finished = true
        events.push(at, EXIT, at)
        if (!r.done) malformed(`${where} has code after its final end`, r.pos)
        break
      }
      region = regions.pop() as number
    } else if (op === OP_MEMORY_GROW) {
      events.push(at, GROW, r.pos)
    } else if (op === OP_MEMORY_FILL) {
      events.push(at, FILL, r.pos)
    } else if (op === OP_MEMORY_COPY) {
      events.push(at, COPY, r.pos)
    } else if (op === OP_CALL || op === OP_CALL_INDIRECT) {
      events.push(at, CALL, r.pos)
    } else if (op === OP_RETURN || op === OP_RETURN_CALL || op === OP_RETURN_CALL_INDIRECT) {
      events.push(at, EXIT, at)
    } else if ((op === OP_BR || op === OP_BR_IF || op === OP_BR_TABLE) && branchLeaves(wasm, at, end, op, regions.length)) {
      events.push(at, EXIT, at)
    } else if (UNPOOLABLE.has(op)) {
      scratch.poolable = false
    }
  }
  if (!finished) malformed(`${where} ends inside a block (missing end)`, end)

  // Pass 2: copy the body with one more local, inserting loads, charges and syncs.
  out.u32(groups + 1)
  out.bytes(wasm.subarray(start + uleb128Length(wasm, start), codeStart))
  out.u32(1).u8(0x7e) // (local $g i64)
  out.bytes(load)
  charge(counts[0])
  let copied = codeStart
  for (let i = 0; i < events.length; i += 3) {
    const [from, what, to] = [events[i], events[i + 1], events[i + 2]]
    out.bytes(wasm.subarray(copied, from))
    if (what === GROW) out.bytes(inj.calls.grow)
    else if (what === FILL) out.bytes(sync).bytes(inj.calls.fill).bytes(load)
    else if (what === COPY) out.bytes(sync).bytes(inj.calls.copy).bytes(load)
    else if (what === CALL) out.bytes(sync).bytes(wasm.subarray(from, to)).bytes(load)
    else if (what === EXIT) out.bytes(sync)
    else charge(counts[what])
    copied = to
  }
  out.bytes(wasm.subarray(copied, end))
}

/** Length in bytes of the LEB128 number at `at`. */
function uleb128Length (bytes: Uint8Array, at: number): number {
  let n = 1
  while ((bytes[at + n - 1] & 0x80) !== 0) n++
  return n
}
