// A tiny WebAssembly binary encoder for hand-made test modules: a type per function,
// imports, one memory, data segments, exports and code. Bodies are raw instruction
// bytes built with the `op` helpers below.

export type ValType = 'i32' | 'i64' | 'f32' | 'f64'
const VAL: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c }

export interface ImportDef { module: string, name: string, params?: ValType[], results?: ValType[] }
export interface FuncDef { export?: string, params?: ValType[], results?: ValType[], locals?: ValType[], body: number[] }
export interface ModuleDef {
  imports?: ImportDef[]
  /** Memory in pages; exported as `memory` unless exportMemory is false. */
  memory?: { min: number, max?: number, exportMemory?: boolean }
  funcs: FuncDef[]
  data?: Array<{ offset: number, bytes: Uint8Array | number[] | string }>
}

export function uleb (n: number): number[] {
  const out: number[] = []
  let v = n >>> 0
  do {
    let b = v & 0x7f
    v >>>= 7
    if (v !== 0) b |= 0x80
    out.push(b)
  } while (v !== 0)
  return out
}

export function sleb (n: number | bigint): number[] {
  const out: number[] = []
  let v = BigInt(n)
  for (;;) {
    const b = Number(v & 0x7fn)
    v >>= 7n
    const last = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)
    out.push(last ? b : b | 0x80)
    if (last) return out
  }
}

const utf8 = new TextEncoder()
const name = (s: string): number[] => { const b = [...utf8.encode(s)]; return [...uleb(b.length), ...b] }
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content]
const functype = (params: ValType[] = [], results: ValType[] = []): number[] =>
  [0x60, ...uleb(params.length), ...params.map((t) => VAL[t]), ...uleb(results.length), ...results.map((t) => VAL[t])]

/** Instruction encoders (only what the tests need). */
export const op = {
  i32: (n: number): number[] => [0x41, ...sleb(n)],
  i64: (n: number | bigint): number[] => [0x42, ...sleb(n)],
  call: (fn: number): number[] => [0x10, ...uleb(fn)],
  drop: [0x1a],
  unreachable: [0x00],
  localGet: (i: number): number[] => [0x20, ...uleb(i)],
  localSet: (i: number): number[] => [0x21, ...uleb(i)],
  i32Load: [0x28, 0x02, 0x00],
  i32Store: [0x36, 0x02, 0x00],
  i32Add: [0x6a],
  i64Store: [0x37, 0x03, 0x00],
  memoryGrow: [0x40, 0x00],
  /** `loop (body) br 0 end` — loops forever. */
  forever: (body: number[] = []): number[] => [0x03, 0x40, ...body, 0x0c, 0x00, 0x0b]
}

export function buildModule (def: ModuleDef): Uint8Array {
  const imports = def.imports ?? []
  const types = [...imports.map((i) => functype(i.params, i.results)), ...def.funcs.map((f) => functype(f.params, f.results))]
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
  out.push(...section(1, vec(types)))
  if (imports.length > 0) {
    out.push(...section(2, vec(imports.map((imp, i) => [...name(imp.module), ...name(imp.name), 0x00, ...uleb(i)]))))
  }
  out.push(...section(3, vec(def.funcs.map((_, i) => uleb(imports.length + i)))))
  if (def.memory != null) {
    const { min, max } = def.memory
    out.push(...section(5, vec([max === undefined ? [0x00, ...uleb(min)] : [0x01, ...uleb(min), ...uleb(max)]])))
  }
  const exports: number[][] = []
  if (def.memory != null && def.memory.exportMemory !== false) exports.push([...name('memory'), 0x02, 0x00])
  def.funcs.forEach((f, i) => { if (f.export != null) exports.push([...name(f.export), 0x00, ...uleb(imports.length + i)]) })
  out.push(...section(7, vec(exports)))
  out.push(...section(10, vec(def.funcs.map((f) => {
    const locals = (f.locals ?? []).map((t) => [0x01, VAL[t]])
    const body = [...vec(locals), ...f.body, 0x0b]
    return [...uleb(body.length), ...body]
  }))))
  if (def.data != null && def.data.length > 0) {
    out.push(...section(11, vec(def.data.map((d) => {
      const bytes = typeof d.bytes === 'string' ? [...utf8.encode(d.bytes)] : [...d.bytes]
      return [0x00, 0x41, ...sleb(d.offset), 0x0b, ...uleb(bytes.length), ...bytes]
    }))))
  }
  return new Uint8Array(out)
}

/** Index of import `name` in `imports` (imports come first in the function index space). */
export function importIndex (imports: ImportDef[], name: string): number {
  const i = imports.findIndex((imp) => imp.name === name)
  if (i < 0) throw new Error(`no import ${name}`)
  return i
}
