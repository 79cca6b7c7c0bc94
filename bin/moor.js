#!/usr/bin/env node
// Launcher of the `moor` CLI. Plain JavaScript so that it also starts on an older Node:
// Moorage needs Node 24 (it runs its TypeScript sources directly), so on an older Node it
// re-executes itself with the Node 24 binary of the `node` npm package, which
// `npm install` puts in node_modules.

import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const REQUIRED_MAJOR = 24
const major = Number(process.versions.node.split('.')[0])
// V8 flags the long-running node process runs with (bin/node-flags.json): a capped young
// generation, which otherwise grows to 64–128 MB after a burst and is never given back.
const NODE_FLAGS = JSON.parse(readFileSync(new URL('./node-flags.json', import.meta.url), 'utf8'))
const command = firstWord(process.argv.slice(2))
const runsNode = command === 'node' || command === 'start'
const flagsMissing = runsNode && NODE_FLAGS.some((f) => !process.execArgv.includes(f))

if (major < REQUIRED_MAJOR || (flagsMissing && process.env.MOOR_REEXEC !== '1')) {
  const binary = major < REQUIRED_MAJOR ? findNode24() : process.execPath
  if (binary == null || (major < REQUIRED_MAJOR && process.env.MOOR_REEXEC === '1')) {
    process.stderr.write(
      `error: moor needs Node ${REQUIRED_MAJOR} or newer; this is Node ${process.versions.node}\n` +
      (binary == null
        ? `Hint: run \`npm install\` in ${fileURLToPath(new URL('..', import.meta.url))} (it installs Node ${REQUIRED_MAJOR} as the \`node\` package), or run moor with Node ${REQUIRED_MAJOR}\n`
        : `Details: ${binary} is not Node ${REQUIRED_MAJOR} either\n`)
    )
    process.exit(1)
  }
  const flags = runsNode ? NODE_FLAGS.filter((f) => !process.execArgv.includes(f)) : []
  const child = spawn(binary, [...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, MOOR_REEXEC: '1' }
  })
  // Ctrl-C reaches the child directly (same process group): ignore SIGINT here so it is
  // not delivered twice. Other signals are forwarded.
  process.on('SIGINT', () => {})
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGQUIT']) {
    process.on(signal, () => { child.kill(signal) })
  }
  child.on('error', (err) => {
    process.stderr.write(`error: cannot start ${binary}: ${err.message}\n`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    if (signal != null) {
      process.removeAllListeners(signal)
      process.kill(process.pid, signal)
    } else {
      process.exit(code ?? 1)
    }
  })
} else {
  // Loads the TypeScript sources from the stripped-sources cache (see ts-cache.js).
  await import('./ts-cache.js')
  const { main } = await import('../src/cli/index.ts')
  const code = await main(process.argv.slice(2))
  process.exitCode = code
  // Give stdout a moment to drain, then exit even if something still holds the event loop.
  setTimeout(() => { process.exit(code) }, 2000).unref()
}

/** The command word, skipping leading options (`--home <dir>` takes a value). */
function firstWord (args) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--home') { i++; continue }
    if (!args[i].startsWith('-')) return args[i]
  }
  return undefined
}

/** The Node binary of the `node` npm package, or null when it is not installed. */
function findNode24 () {
  const candidates = [fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url))]
  try {
    const require = createRequire(import.meta.url)
    candidates.push(join(dirname(require.resolve('node/package.json')), 'bin', 'node'))
  } catch {}
  return candidates.find((path) => existsSync(path)) ?? null
}
