// Runs `bin/moor.js` in a child process (the same Node as the tests) and collects its output.

import { execFile } from 'node:child_process'
import { freeTcpPort } from '../../src/network/ports.ts'
import { fileURLToPath } from 'node:url'

export const MOOR_BIN = fileURLToPath(new URL('../../bin/moor.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export async function moor (args: string[], options: { env?: NodeJS.ProcessEnv, timeoutMs?: number } = {}): Promise<CliResult> {
  return await new Promise((resolve, reject) => {
    execFile(process.execPath, [MOOR_BIN, ...args], {
      env: { ...process.env, MOOR_HOME: '', MOOR_LOG: 'silent', ...options.env },
      timeout: options.timeoutMs ?? 30_000,
      maxBuffer: 16 * 1024 * 1024
    }, (err, stdout, stderr) => {
      if (err != null && typeof err.code !== 'number') { reject(err); return }
      resolve({ code: err == null ? 0 : err.code as number, stdout, stderr })
    })
  })
}

/** A TCP port nothing listens on right now. */
/** A port for a test's server to keep (below the ephemeral range: see src/network/ports.ts). */
export async function freePort (): Promise<number> {
  return await freeTcpPort('127.0.0.1')
}
