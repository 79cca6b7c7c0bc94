// Compiles the ICP context config canister (Motoko, contracts/icp/src/) offline with the
// `motoko` npm package and its bundled core library to contracts/icp/build/context_config.wasm
// (64-bit, enhanced orthogonal persistence), and checks that the Candid interface the
// compiler derives is the one checked in (contracts/icp/context_config.did).
//
// Usage: node scripts/build-icp.ts [--force]. Skipped when the output is newer than every
// input. Run by scripts/build-apps.ts, so `npm install` (prepare) and the tests build it.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..')
const SRC = path.join(ROOT, 'contracts', 'icp', 'src')
export const ICP_CANISTER_WASM = path.join(ROOT, 'contracts', 'icp', 'build', 'context_config.wasm')
export const ICP_CANISTER_DID = path.join(ROOT, 'contracts', 'icp', 'context_config.did')

interface Compiler {
  loadPackage: (pkg: unknown) => void
  write: (path: string, content: string) => void
  wasm: (path: string, mode: 'ic') => { wasm: Uint8Array, candid: string }
}

function inputs (): string[] {
  const files = readdirSync(SRC).filter((f) => f.endsWith('.mo')).map((f) => path.join(SRC, f))
  return [...files, ICP_CANISTER_DID, path.join(ROOT, 'scripts', 'build-icp.ts'), path.join(ROOT, 'node_modules', 'motoko', 'package.json')]
}

function upToDate (): boolean {
  if (!existsSync(ICP_CANISTER_WASM)) return false
  const out = statSync(ICP_CANISTER_WASM).mtimeMs
  return inputs().every((f) => !existsSync(f) || statSync(f).mtimeMs <= out)
}

/** Builds the canister unless it is up to date; returns an error text or null. */
export async function buildIcpCanister (force = false, options: { writeDid?: boolean, log?: (line: string) => void } = {}): Promise<string | null> {
  const log = options.log ?? console.log
  const rel = path.relative(ROOT, ICP_CANISTER_WASM)
  if (!force && upToDate()) {
    log(`build-icp: context_config up to date (${rel})`)
    return null
  }
  const started = performance.now()
  const require = createRequire(import.meta.url)
  const mo = (await import('motoko')).default as unknown as Compiler
  mo.loadPackage(require('motoko/packages/latest/core.json'))
  for (const f of readdirSync(SRC).filter((f) => f.endsWith('.mo'))) mo.write(f, readFileSync(path.join(SRC, f), 'utf8'))
  let out: { wasm: Uint8Array, candid: string }
  try {
    out = mo.wasm('Main.mo', 'ic')
  } catch (e) {
    rmSync(ICP_CANISTER_WASM, { force: true })
    return String((e as Error).message ?? e)
  }
  if (options.writeDid === true) writeFileSync(ICP_CANISTER_DID, out.candid)
  const checkedIn = existsSync(ICP_CANISTER_DID) ? readFileSync(ICP_CANISTER_DID, 'utf8') : ''
  if (checkedIn.trim() !== out.candid.trim()) {
    rmSync(ICP_CANISTER_WASM, { force: true })
    return `the canister's Candid interface differs from ${path.relative(ROOT, ICP_CANISTER_DID)} (run node scripts/build-icp.ts --force --write-did and commit it)`
  }
  mkdirSync(path.dirname(ICP_CANISTER_WASM), { recursive: true })
  writeFileSync(ICP_CANISTER_WASM, out.wasm)
  log(`build-icp: context_config -> ${rel} (${out.wasm.length} bytes, ${Math.round(performance.now() - started)} ms)`)
  return null
}

if (import.meta.filename === process.argv[1]) {
  const problem = await buildIcpCanister(process.argv.includes('--force'), { writeDid: process.argv.includes('--write-did') })
  if (problem !== null) {
    console.error(`build-icp: context_config FAILED\n${problem}`)
    process.exitCode = 1
  }
}
