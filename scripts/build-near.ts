// Compiles the NEAR context config contract (AssemblyScript against NEAR's raw host
// functions) to contracts/near/build/context_config.wasm, and checks the result: WebAssembly
// MVP only (no bulk-memory, sign-extension, non-trapping float-to-int or mutable-global
// imports, which NEAR's runtime does not accept) and imports only from NEAR's "env".
//
// Usage: node scripts/build-near.ts [--force]. Skipped when the output is newer than every
// input. Run by scripts/build-apps.ts, so `npm install` (prepare) and the tests build it.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..')
const SRC = path.join(ROOT, 'contracts', 'near', 'assembly')
export const NEAR_CONTRACT_WASM = path.join(ROOT, 'contracts', 'near', 'build', 'context_config.wasm')

const ASC_FLAGS: readonly string[] = [
  '--runtime', 'stub', // bump allocator: every NEAR call runs in a fresh instance
  '--optimizeLevel', '3',
  '--shrinkLevel', '1',
  '--noAssert',
  '--disable', 'bulk-memory,sign-extension,nontrapping-f2i,mutable-globals',
  '--use', 'abort=contracts/near/assembly/index/nearAbort'
]

/** NEAR host functions the contract may import (nearcore's imports.rs names). */
const HOST_FUNCTIONS = new Set([
  'read_register', 'register_len', 'current_account_id', 'predecessor_account_id', 'input', 'block_index', 'block_timestamp',
  'storage_usage', 'attached_deposit', 'sha256', 'ed25519_verify', 'value_return', 'panic_utf8', 'log_utf8', 'storage_write',
  'storage_read', 'storage_remove', 'storage_has_key', 'promise_batch_create', 'promise_batch_action_transfer',
  'promise_batch_action_function_call', 'promise_then', 'promise_results_count', 'promise_result'
])

function inputs (): string[] {
  const files = readdirSync(SRC).filter((f) => f.endsWith('.ts')).map((f) => path.join(SRC, f))
  return [...files, path.join(ROOT, 'scripts', 'build-near.ts'), path.join(ROOT, 'node_modules', 'assemblyscript', 'package.json')]
}

function upToDate (): boolean {
  if (!existsSync(NEAR_CONTRACT_WASM)) return false
  const out = statSync(NEAR_CONTRACT_WASM).mtimeMs
  return inputs().every((f) => !existsSync(f) || statSync(f).mtimeMs <= out)
}

/** Why the module is unfit for NEAR, or null. */
export async function checkNearModule (bytes: Uint8Array<ArrayBuffer>): Promise<string | null> {
  if (!WebAssembly.validate(bytes)) return 'the output does not validate'
  const binaryen = (await import('binaryen')).default
  const mod = binaryen.readBinary(bytes)
  try {
    mod.setFeatures(binaryen.Features.MVP)
    if (mod.validate() !== 1) return 'the module uses WebAssembly features beyond the MVP'
  } finally {
    mod.dispose()
  }
  const wasm = new WebAssembly.Module(bytes)
  const bad = WebAssembly.Module.imports(wasm).filter((i) => i.module !== 'env' || !HOST_FUNCTIONS.has(i.name) || i.kind !== 'function')
  if (bad.length > 0) return `imports that are not NEAR host functions: ${bad.map((i) => `${i.module}.${i.name}`).join(', ')}`
  return null
}

/**
 * Builds the contract unless it is up to date; returns an error text or null. `say` gets the
 * one line of what it did (a deployment passes a no-op: `moor devnet --json` owns stdout).
 */
export async function buildNearContract (force = false, say: (line: string) => void = console.log): Promise<string | null> {
  const rel = path.relative(ROOT, NEAR_CONTRACT_WASM)
  if (!force && upToDate()) {
    say(`build-near: context_config up to date (${rel})`)
    return null
  }
  const started = performance.now()
  const asc = (await import('assemblyscript/asc')).default
  mkdirSync(path.dirname(NEAR_CONTRACT_WASM), { recursive: true })
  const { error, stderr } = await asc.main(
    ['contracts/near/assembly/index.ts', '--baseDir', ROOT, '--outFile', rel, '--noColors', ...ASC_FLAGS], {})
  let problem: string | null = null
  if (error) problem = stderr.toString().trim() || error.message
  else problem = await checkNearModule(new Uint8Array(readFileSync(NEAR_CONTRACT_WASM)))
  if (problem !== null) {
    rmSync(NEAR_CONTRACT_WASM, { force: true }) // never leave a bad module that looks up to date
    return problem
  }
  say(`build-near: context_config -> ${rel} (${statSync(NEAR_CONTRACT_WASM).size} bytes, ${Math.round(performance.now() - started)} ms)`)
  return null
}

if (import.meta.filename === process.argv[1]) {
  const problem = await buildNearContract(process.argv.includes('--force'))
  if (problem !== null) {
    console.error(`build-near: context_config FAILED\n${problem}`)
    process.exitCode = 1
  }
}
