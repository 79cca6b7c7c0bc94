// Bundles the admin page (src/api/ui/main.ts: Preact + htm + uqr) into
// src/api/ui/build/app.js with esbuild, for the node to serve at /ui/app.js. Offline: every
// input is in node_modules. Skipped when the bundle is newer than every file under
// src/api/ui/ and this script. Run by scripts/build-apps.ts (npm install, npm test).
//
// Usage: node scripts/build-ui.ts [--force]
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'

const ROOT = path.resolve(import.meta.dirname, '..')
const UI_DIR = path.join(ROOT, 'src', 'api', 'ui')
const ENTRY = path.join(UI_DIR, 'main.ts')
export const UI_BUNDLE = path.join(UI_DIR, 'build', 'app.js')

function newestInput (dir: string): number {
  let newest = statSync(import.meta.filename).mtimeMs
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name)
    if (entry.isFile() && !full.includes(`${path.sep}build${path.sep}`)) newest = Math.max(newest, statSync(full).mtimeMs)
  }
  return newest
}

/** Builds the bundle unless it is up to date; returns a problem, or null. */
export async function buildUi (force = false): Promise<string | null> {
  const out = path.relative(ROOT, UI_BUNDLE)
  if (!force && existsSync(UI_BUNDLE) && statSync(UI_BUNDLE).mtimeMs >= newestInput(UI_DIR)) {
    console.log(`build-ui: up to date (${out})`)
    return null
  }
  const started = performance.now()
  try {
    await build({
      entryPoints: [ENTRY],
      outfile: UI_BUNDLE,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'silent'
    })
  } catch (err) {
    return (err as Error).message
  }
  console.log(`build-ui: ${out} (${statSync(UI_BUNDLE).size} bytes, ${Math.round(performance.now() - started)} ms)`)
  return null
}

if (import.meta.filename === process.argv[1]) {
  const problem = await buildUi(process.argv.includes('--force'))
  if (problem !== null) { console.error(`build-ui: FAILED\n${problem}`); process.exitCode = 1 }
}
