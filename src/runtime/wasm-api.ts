// Types for the parts of the WebAssembly JS API the runtime uses. The project's lib
// (es2024 + @types/node) declares no `WebAssembly` namespace, so this module gives the
// runtime a typed handle on the global without pulling in the DOM lib.

export interface WasmModule {
  readonly [Symbol.toStringTag]: string
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow (delta: number): number
}

export interface WasmGlobal {
  value: unknown
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>
}

export type WasmImports = Record<string, Record<string, unknown>>

export type WasmExternKind = 'function' | 'table' | 'memory' | 'global' | 'tag'

export interface WasmImportDescriptor {
  module: string
  name: string
  kind: WasmExternKind
}

export interface WasmExportDescriptor {
  name: string
  kind: WasmExternKind
}

export interface WebAssemblyApi {
  Module: {
    new (bytes: Uint8Array): WasmModule
    imports (module: WasmModule): WasmImportDescriptor[]
    exports (module: WasmModule): WasmExportDescriptor[]
  }
  Instance: new (module: WasmModule, imports?: WasmImports) => WasmInstance
  Memory: new (descriptor: { initial: number, maximum?: number }) => WasmMemory
  Global: new (descriptor: { value: string, mutable?: boolean }, value?: unknown) => WasmGlobal
  CompileError: new (message?: string) => Error
  LinkError: new (message?: string) => Error
  RuntimeError: new (message?: string) => Error
  validate (bytes: Uint8Array): boolean
}

export const Wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly
