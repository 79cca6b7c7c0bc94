// Compiles the ICP canisters (Motoko) offline with the `motoko` npm package and its bundled
// core library: the context config canister (contracts/icp/src/ -> build/context_config.wasm)
// and the ICRC-1 ledger the devnet runs (contracts/icp/ledger/ -> build/ledger.wasm), 64-bit
// with enhanced orthogonal persistence, and checks that the Candid interface the compiler
// derives for each is the one checked in (contracts/icp/context_config.did, ledger/ledger.did).
//
// Usage: node scripts/build-icp.ts [--force]. Skipped when the output is newer than every
// input. Run by scripts/build-apps.ts, so `npm install` (prepare) and the tests build it.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..')
const ICP = path.join(ROOT, 'contracts', 'icp')
export const ICP_CANISTER_WASM = path.join(ICP, 'build', 'context_config.wasm')
export const ICP_CANISTER_DID = path.join(ICP, 'context_config.did')
/** The ICRC-1 ledger the devnet runs for transfer proposals (contracts/icp/ledger/). */
export const ICP_LEDGER_WASM = path.join(ICP, 'build', 'ledger.wasm')

interface Target { name: string, src: string, main: string, wasm: string, did: string }
const TARGETS: Target[] = [
  { name: 'context_config', src: path.join(ICP, 'src'), main: 'Main.mo', wasm: ICP_CANISTER_WASM, did: ICP_CANISTER_DID },
  { name: 'ledger', src: path.join(ICP, 'ledger'), main: 'Ledger.mo', wasm: ICP_LEDGER_WASM, did: path.join(ICP, 'ledger', 'ledger.did') }
]

interface Compiler {
  loadPackage: (pkg: unknown) => void
  write: (path: string, content: string) => void
  wasm: (path: string, mode: 'ic') => { wasm: Uint8Array, candid: string }
}

const sources = (t: Target): string[] => readdirSync(t.src).filter((f) => f.endsWith('.mo'))

function upToDate (t: Target): boolean {
  if (!existsSync(t.wasm)) return false
  const out = statSync(t.wasm).mtimeMs
  const inputs = [...sources(t).map((f) => path.join(t.src, f)), t.did, path.join(ROOT, 'scripts', 'build-icp.ts'), path.join(ROOT, 'node_modules', 'motoko', 'package.json')]
  return inputs.every((f) => !existsSync(f) || statSync(f).mtimeMs <= out)
}

let compiler: Compiler | undefined
async function motoko (): Promise<Compiler> {
  if (compiler !== undefined) return compiler
  const require = createRequire(import.meta.url)
  const mo = (await import('motoko')).default as unknown as Compiler
  mo.loadPackage(require('motoko/packages/latest/core.json'))
  compiler = mo
  return mo
}

async function build (t: Target, force: boolean, options: { writeDid?: boolean, log: (line: string) => void }): Promise<string | null> {
  const rel = path.relative(ROOT, t.wasm)
  if (!force && upToDate(t)) {
    options.log(`build-icp: ${t.name} up to date (${rel})`)
    return null
  }
  const started = performance.now()
  const mo = await motoko()
  // One virtual file system: each target's main file has its own name, its modules are written afresh.
  for (const f of sources(t)) mo.write(f, readFileSync(path.join(t.src, f), 'utf8'))
  let out: { wasm: Uint8Array, candid: string }
  try {
    out = mo.wasm(t.main, 'ic')
  } catch (e) {
    rmSync(t.wasm, { force: true })
    return String((e as Error).message ?? e)
  }
  if (options.writeDid === true) writeFileSync(t.did, out.candid)
  const checkedIn = existsSync(t.did) ? readFileSync(t.did, 'utf8') : ''
  if (checkedIn.trim() !== out.candid.trim()) {
    rmSync(t.wasm, { force: true })
    return `the ${t.name} canister's Candid interface differs from ${path.relative(ROOT, t.did)} (run node scripts/build-icp.ts --force --write-did and commit it)`
  }
  mkdirSync(path.dirname(t.wasm), { recursive: true })
  writeFileSync(t.wasm, out.wasm)
  options.log(`build-icp: ${t.name} -> ${rel} (${out.wasm.length} bytes, ${Math.round(performance.now() - started)} ms)`)
  return null
}

/** Builds the canisters (the context config canister and the devnet's ledger) unless up to date; returns an error text or null. */
export async function buildIcpCanister (force = false, options: { writeDid?: boolean, log?: (line: string) => void } = {}): Promise<string | null> {
  for (const t of TARGETS) {
    const problem = await build(t, force, { ...options, log: options.log ?? console.log })
    if (problem !== null) return problem
  }
  return null
}

if (import.meta.filename === process.argv[1]) {
  const problem = await buildIcpCanister(process.argv.includes('--force'), { writeDid: process.argv.includes('--write-did') })
  if (problem !== null) {
    console.error(`build-icp: FAILED\n${problem}`)
    process.exitCode = 1
  }
}
