// Moorage's TypeScript sources, stripped of their types once and kept as JavaScript in
// node_modules/.cache/moorage-js/ (one file per source file, valid while it ends with the
// hash of the source it came from), so that a process started later loads them without
// Node's TypeScript stripper: the stripper is a WebAssembly module whose memory only
// grows, 15–30 MB of an idle node's resident memory (`npm run bench -- memory`). Stripping
// is what Node does itself (the same `stripTypeScriptTypes`, types replaced by blanks, so
// lines and columns are unchanged and stack traces still point into the .ts files); only
// the first start after a source changed pays for it. Imported first by bin/moor.js;
// `node --import ./bin/ts-cache.js` does the same for any other entry point.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { registerHooks, stripTypeScriptTypes } from 'node:module'
import { dirname, join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const CACHE = join(ROOT, 'node_modules', '.cache', 'moorage-js')
// Only the project's own sources (packages ship JavaScript); the project itself may be
// installed inside a node_modules folder.
const OWN = (path) => path.startsWith(ROOT + sep) && !path.slice(ROOT.length).includes(`${sep}node_modules${sep}`)

const hash = (text) => createHash('sha256').update(text).digest('hex')

/** Node's own stripping, without the "experimental" warning it prints on its first use. */
function strip (source) {
  const emitWarning = process.emitWarning
  process.emitWarning = (warning, ...rest) => {
    if (String(warning?.message ?? warning).includes('stripTypeScriptTypes')) return
    emitWarning.call(process, warning, ...rest)
  }
  try {
    return stripTypeScriptTypes(source, { mode: 'strip' })
  } finally {
    process.emitWarning = emitWarning
  }
}

registerHooks({
  load (url, context, nextLoad) {
    if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context)
    const path = fileURLToPath(url)
    if (!OWN(path)) return nextLoad(url, context)
    const source = readFileSync(path, 'utf8')
    const cached = join(CACHE, hash(path) + '.js')
    const stamp = `\n//# moorage-source ${hash(source)}\n`
    let js
    try { js = readFileSync(cached, 'utf8') } catch { }
    if (js === undefined || !js.endsWith(stamp)) {
      js = strip(source) + stamp
      try {
        mkdirSync(CACHE, { recursive: true })
        // Written whole or not at all: another process may be reading the same entry.
        const tmp = `${cached}.${process.pid}.tmp`
        writeFileSync(tmp, js)
        renameSync(tmp, cached)
      } catch { /* a read-only install strips every time, as Node would */ }
    }
    return { format: 'module', source: js, shortCircuit: true }
  }
})
