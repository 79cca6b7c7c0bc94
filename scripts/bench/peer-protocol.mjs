// The line protocol of test/fixtures/node-process.ts for the peer systems' processes
// (scripts/bench/orbitdb/, scripts/bench/automerge/): a 'ready' line, then one JSON
// command per stdin line and one 'reply' line each on stdout. Plain JavaScript without
// dependencies, so that each peer's folder runs it with its own packages.

export const now = () => performance.timeOrigin + performance.now()

/** RSS and heap after a full GC (when the process runs with --expose-gc). */
export async function memory () {
  for (let i = 0; i < 3; i++) { globalThis.gc?.(); await new Promise((resolve) => setTimeout(resolve, 50)) }
  return { ...process.memoryUsage(), gc: globalThis.gc !== undefined }
}

/** Announces the process and answers `commands` (name → async function of the args). */
export async function serve (ready, commands) {
  const { createInterface } = await import('node:readline')
  const out = (msg) => { process.stdout.write(JSON.stringify(msg) + '\n') }
  out({ type: 'ready', ...ready })
  createInterface({ input: process.stdin }).on('line', (line) => {
    const msg = JSON.parse(line)
    void (async () => {
      try {
        out({ type: 'reply', id: msg.id, ok: true, result: (await commands[msg.cmd](msg.args ?? {})) ?? null })
      } catch (err) {
        out({ type: 'reply', id: msg.id, ok: false, error: { name: err.name, message: err.message } })
      }
    })()
  })
}
