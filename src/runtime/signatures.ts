// Checks that every host function a module imports is declared with the signature of
// docs/abi.md. JS host functions accept any signature at link time, so a mismatch would
// otherwise surface as confusing conversions (a BigInt where a number is expected) at
// call time. Runs on a module the instrumenter has already accepted.

import { InvalidModuleError } from '../errors/index.ts'
import { ABI_IMPORTS } from './abi.ts'
import type { ImportSignature, WasmValueType } from './abi.ts'
import { WasmReader } from './wasm/reader.ts'
import { readValueType } from './wasm/opcodes.ts'

const TYPE_NAMES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x70: 'funcref', 0x6f: 'externref' }

interface FuncType { params: string[], results: string[] }

export function checkImportSignatures (wasm: Uint8Array): void {
  const r = new WasmReader(wasm, 8)
  let types: FuncType[] = []
  while (!r.done) {
    const id = r.u8()
    const s = r.sub(r.u32(), 'section')
    if (id === 1) types = readTypes(s)
    if (id === 2) {
      checkImports(s, types)
      return
    }
  }
}

function readTypes (r: WasmReader): FuncType[] {
  const types: FuncType[] = []
  const count = r.u32()
  for (let i = 0; i < count; i++) {
    r.u8() // 0x60
    const params = Array.from({ length: r.u32() }, () => TYPE_NAMES[readValueType(r)])
    const results = Array.from({ length: r.u32() }, () => TYPE_NAMES[readValueType(r)])
    types.push({ params, results })
  }
  return types
}

function checkImports (r: WasmReader, types: FuncType[]): void {
  const count = r.u32()
  for (let i = 0; i < count; i++) {
    const module = r.name()
    const name = r.name()
    const kind = r.u8()
    if (kind !== 0) {
      throw new InvalidModuleError(`module imports ${module}.${name} as a non-function`, {
        hint: 'the host ABI (docs/abi.md) provides functions only'
      })
    }
    const declared = types[r.u32()]
    const expected = ABI_IMPORTS[module]?.[name]
    if (expected === undefined) {
      throw new InvalidModuleError(`module imports ${module}.${name}, which the host does not provide`, {
        hint: 'applications may only import the host functions listed in docs/abi.md (modules "moor" and "env")'
      })
    }
    if (declared === undefined || !same(declared.params, expected.params) || !same(declared.results, expected.results)) {
      throw new InvalidModuleError(`module imports ${module}.${name} with the wrong signature`, {
        details: `declared ${declared === undefined ? 'an unknown type' : show(declared)}, the host ABI defines ${show(expected)}`,
        hint: 'check the import declaration against docs/abi.md'
      })
    }
  }
}

function same (a: readonly string[], b: readonly WasmValueType[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i])
}

function show (t: FuncType | ImportSignature): string {
  return `(${t.params.join(', ')}) -> (${t.results.join(', ')})`
}
