// <home>/node.json: written by a running node so that the other commands find its API
// even when the port was overridden on the command line or chosen by the OS (port 0).

import { readFile, rm, writeFile } from 'node:fs/promises'
import { runFilePath } from '../node/config.ts'

export interface RunInfo {
  pid: number
  url: string
  startedAt: number
}

export async function writeRunFile (home: string, info: RunInfo): Promise<void> {
  await writeFile(runFilePath(home), JSON.stringify(info, null, 2) + '\n', { mode: 0o600 })
}

export async function removeRunFile (home: string, pid: number = process.pid): Promise<void> {
  const info = await readRunFile(home)
  if (info != null && info.pid !== pid) return // another node's
  await rm(runFilePath(home), { force: true })
}

/** The run file of a live process, or null (missing, unreadable or stale). */
export async function readRunFile (home: string): Promise<RunInfo | null> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(runFilePath(home), 'utf8'))
  } catch {
    return null
  }
  const info = raw as Partial<RunInfo> | null
  if (info == null || typeof info.pid !== 'number' || typeof info.url !== 'string' || typeof info.startedAt !== 'number') return null
  if (!isAlive(info.pid)) return null
  return { pid: info.pid, url: info.url, startedAt: info.startedAt }
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
