// Compiles contracts/ethereum/*.sol with solc from npm (offline) and caches the ABI and
// bytecode in contracts/ethereum/build/artifacts.json, keyed by a hash of the compiler
// version, the settings and every source. A stale or missing cache is rebuilt (≈15 s with
// via-IR on two cores); concurrent builders each write the same file atomically.
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { CompileError } from './errors.ts'
import { SOLC_SETTINGS } from './constants.ts'

export const CONTRACTS_DIR = path.resolve(import.meta.dirname, '..', '..', 'contracts', 'ethereum')
const BUILD_DIR = path.join(CONTRACTS_DIR, 'build')
const CACHE = path.join(BUILD_DIR, 'artifacts.json')

export interface Artifact {
  abi: unknown[]
  bytecode: string
  deployedBytecode: string
}

export interface Artifacts {
  key: string
  solc: string
  ContextConfig: Artifact
  ContextProxy: Artifact
  Ed25519Verifier: Artifact
}

let memo: Promise<Artifacts> | undefined

/** The compiled contracts, from the cache when it matches the sources. */
export async function loadArtifacts (options: { force?: boolean, onCompile?: () => void } = {}): Promise<Artifacts> {
  if (options.force === true) memo = undefined
  memo ??= build(options.force === true, options.onCompile)
  try {
    return await memo
  } catch (err) {
    memo = undefined
    throw err
  }
}

function sources (): Record<string, { content: string }> {
  const out: Record<string, { content: string }> = {}
  for (const f of readdirSync(CONTRACTS_DIR).filter((n) => n.endsWith('.sol')).sort()) {
    out[f] = { content: readFileSync(path.join(CONTRACTS_DIR, f), 'utf8') }
  }
  return out
}

/** The solc package's version, without loading the compiler (that takes a second or two). */
function solcPackageVersion (): string {
  return (createRequire(import.meta.url)('solc/package.json') as { version: string }).version
}

/** `onCompile` is told before a compile (no usable cache): it blocks for a while. */
async function build (force: boolean, onCompile?: () => void): Promise<Artifacts> {
  const src = sources()
  const version = solcPackageVersion()
  const key = createHash('sha256').update(JSON.stringify({ version, settings: SOLC_SETTINGS, src })).digest('hex')
  if (!force && existsSync(CACHE)) {
    try {
      const cached = JSON.parse(readFileSync(CACHE, 'utf8')) as Artifacts
      if (cached.key === key) return cached
    } catch { /* rebuild */ }
  }
  onCompile?.()
  const { default: solc } = await import('solc')
  const input = {
    language: 'Solidity',
    sources: src,
    settings: { ...SOLC_SETTINGS, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } } }
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: Array<{ severity: string, formattedMessage: string }>
    contracts?: Record<string, Record<string, { abi: unknown[], evm: { bytecode: { object: string }, deployedBytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new CompileError('solc could not compile contracts/ethereum', { details: errors.map((e) => e.formattedMessage).join('\n') })
  const pick = (file: string, name: string): Artifact => {
    const c = output.contracts?.[file]?.[name]
    if (c === undefined) throw new CompileError(`solc produced no ${name} in ${file}`)
    return { abi: c.abi, bytecode: '0x' + c.evm.bytecode.object, deployedBytecode: '0x' + c.evm.deployedBytecode.object }
  }
  const artifacts: Artifacts = {
    key,
    solc: solc.version(),
    ContextConfig: pick('ContextConfig.sol', 'ContextConfig'),
    ContextProxy: pick('ContextProxy.sol', 'ContextProxy'),
    Ed25519Verifier: pick('Ed25519.sol', 'Ed25519Verifier')
  }
  mkdirSync(BUILD_DIR, { recursive: true })
  const tmp = `${CACHE}.${process.pid}.${Date.now()}.tmp`
  writeFileSync(tmp, JSON.stringify(artifacts))
  renameSync(tmp, CACHE)
  return artifacts
}
