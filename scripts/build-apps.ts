// Compiles the AssemblyScript applications and test fixtures to WebAssembly.
//
//   apps/<name>/assembly/index.ts  ->  apps/<name>/build/<name>.wasm
//   test/fixtures/apps/<name>.ts   ->  test/fixtures/apps/build/<name>.wasm
//
//   contracts/near/assembly/       ->  contracts/near/build/context_config.wasm (scripts/build-near.ts)
//   contracts/icp/src/ (Motoko)    ->  contracts/icp/build/context_config.wasm (scripts/build-icp.ts)
//   src/api/ui/                    ->  src/api/ui/build/app.js, the admin page (scripts/build-ui.ts)
//
// Usage: node scripts/build-apps.ts [--force] [name ...] (names `near` and `icp` for the contracts, `ui` for the page)
// Outputs newer than all of their inputs (the entry, the app's assembly/ folder, the SDK,
// this script and the compiler version) are skipped. Runs on `npm install` (prepare) and
// before the tests.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildIcpCanister } from './build-icp.ts';
import { buildNearContract } from './build-near.ts';
import { buildUi } from './build-ui.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SDK_DIR = path.join(ROOT, 'sdk', 'assemblyscript');

/** Compiler flags shared by every module (see docs/sdk.md). */
const ASC_FLAGS: readonly string[] = [
  '--runtime', 'stub', // bump allocator, never frees: every call runs in a fresh instance
  '--optimizeLevel', '3',
  '--shrinkLevel', '1',
  // The host accepts MVP + mutable-globals + sign-extension + bulk-memory. asc enables
  // nontrapping-f2i by default, so turn it off; SIMD is off by default in asc 0.28.
  '--disable', 'nontrapping-f2i',
  // Route assertion failures and `throw` to moor.panic instead of importing env.abort.
  '--use', 'abort=moorAbort',
];

/** Imports a module may have besides module "moor". */
const ALLOWED_ENV_IMPORTS = new Set(['abort', 'seed']);

interface Target {
  name: string;
  entry: string; // absolute
  output: string; // absolute
  inputs: string[]; // absolute files whose mtimes decide staleness
}

function tsFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'build' && entry.name !== 'node_modules') out.push(...tsFilesUnder(full));
    } else if (entry.name.endsWith('.ts')) {
      out.push(full);
    }
  }
  return out;
}

function discover(): Target[] {
  const common = [
    ...tsFilesUnder(SDK_DIR),
    path.join(ROOT, 'scripts', 'build-apps.ts'),
    path.join(ROOT, 'node_modules', 'assemblyscript', 'package.json'),
  ];
  const targets: Target[] = [];

  const appsDir = path.join(ROOT, 'apps');
  if (existsSync(appsDir)) {
    for (const entry of readdirSync(appsDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const entryFile = path.join(appsDir, entry.name, 'assembly', 'index.ts');
      if (!existsSync(entryFile)) continue;
      targets.push({
        name: entry.name,
        entry: entryFile,
        output: path.join(appsDir, entry.name, 'build', `${entry.name}.wasm`),
        inputs: [...common, ...tsFilesUnder(path.join(appsDir, entry.name, 'assembly'))],
      });
    }
  }

  const fixturesDir = path.join(ROOT, 'test', 'fixtures', 'apps');
  if (existsSync(fixturesDir)) {
    for (const entry of readdirSync(fixturesDir, { withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const name = entry.name.slice(0, -3);
      const entryFile = path.join(fixturesDir, entry.name);
      targets.push({
        name: `fixture:${name}`,
        entry: entryFile,
        output: path.join(fixturesDir, 'build', `${name}.wasm`),
        inputs: [...common, entryFile],
      });
    }
  }
  return targets.sort((a, b) => a.name.localeCompare(b.name));
}

function isUpToDate(t: Target): boolean {
  if (!existsSync(t.output)) return false;
  const outTime = statSync(t.output).mtimeMs;
  for (const input of t.inputs) {
    if (existsSync(input) && statSync(input).mtimeMs > outTime) return false;
  }
  return true;
}

/** Validates the binary and checks that it imports only from "moor" (and the tolerated env ones). */
function checkModule(bytes: Uint8Array<ArrayBuffer>): string | null {
  if (!WebAssembly.validate(bytes)) return 'the output does not validate';
  const mod = new WebAssembly.Module(bytes);
  const forbidden = WebAssembly.Module.imports(mod)
    .filter((imp) => imp.module !== 'moor' && !(imp.module === 'env' && ALLOWED_ENV_IMPORTS.has(imp.name)))
    .map((imp) => `${imp.module}.${imp.name} (${imp.kind})`);
  if (forbidden.length > 0) return `forbidden import(s): ${forbidden.join(', ')}`;
  if (!WebAssembly.Module.exports(mod).some((e) => e.name === 'memory' && e.kind === 'memory')) {
    return 'the module does not export its memory as "memory"';
  }
  return null;
}

// Loaded lazily: importing the compiler costs ~0.5 s, which no-op runs can skip.
let compiler: typeof import('assemblyscript/asc').default | null = null;

async function build(t: Target): Promise<string | null> {
  compiler ??= (await import('assemblyscript/asc')).default;
  const asc = compiler;
  mkdirSync(path.dirname(t.output), { recursive: true });
  const rel = (p: string) => path.relative(ROOT, p).split(path.sep).join('/');
  const { error, stderr } = await asc.main(
    [rel(t.entry), '--baseDir', ROOT, '--outFile', rel(t.output), '--noColors', ...ASC_FLAGS],
    {},
  );
  if (error) {
    let details = stderr.toString().trim();
    if (details.length === 0) details = error.message;
    if (details.includes("Element 'moorAbort' not found")) {
      details += '\nhint: every module must import the SDK (sdk/assemblyscript), which defines moorAbort';
    }
    return details;
  }
  return checkModule(new Uint8Array(readFileSync(t.output)));
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const force = argv.includes('--force');
  const only = argv.filter((a) => !a.startsWith('--'));
  let targets = discover();
  if (only.length > 0) {
    targets = targets.filter((t) => only.includes(t.name) || only.includes(t.name.replace(/^fixture:/, '')));
  }
  let failed = 0;
  // The NEAR context config contract has its own flags and checks (scripts/build-near.ts).
  if (only.length === 0 || only.includes('near')) {
    const problem = await buildNearContract(force);
    if (problem !== null) {
      failed++;
      console.error(`build-apps: near contract FAILED\n${problem}`);
    }
  }
  // The ICP context config canister is Motoko (scripts/build-icp.ts).
  if (only.length === 0 || only.includes('icp')) {
    const problem = await buildIcpCanister(force);
    if (problem !== null) {
      failed++;
      console.error(`build-apps: icp canister FAILED\n${problem}`);
    }
  }
  if (only.length === 0 || only.includes('ui')) {
    const problem = await buildUi(force);
    if (problem !== null) {
      failed++;
      console.error(`build-apps: admin page FAILED\n${problem}`);
    }
  }
  if (targets.length === 0 && failed === 0) {
    console.log('build-apps: nothing to build');
    return 0;
  }
  for (const t of targets) {
    const out = path.relative(ROOT, t.output);
    if (!force && isUpToDate(t)) {
      console.log(`build-apps: ${t.name} up to date (${out})`);
      continue;
    }
    const started = performance.now();
    const problem = await build(t);
    if (problem !== null) {
      failed++;
      rmSync(t.output, { force: true }); // never leave a bad module that looks up to date
      console.error(`build-apps: ${t.name} FAILED (${path.relative(ROOT, t.entry)})\n${problem}`);
      continue;
    }
    const size = statSync(t.output).size;
    const ms = Math.round(performance.now() - started);
    console.log(`build-apps: ${t.name} -> ${out} (${size} bytes, ${ms} ms)`);
  }
  if (failed > 0) {
    console.error(`build-apps: ${failed} module(s) failed`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
