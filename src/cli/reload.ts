// Chain settings and relayer keys written by the CLI reach a node already running on the
// home: it is asked to read them again (POST /admin/chains/reload). Where that fails, the
// command says plainly that a restart is needed, rather than leave the node on the old ones.

import type { ChainsReloadInfo } from '../node/types.ts'
import { NodeClient } from './client.ts'
import { readRunFile } from './runfile.ts'

/** What became of the running node, for --json output: null when none runs on the home. */
export interface NodeReload {
  pid: number
  reloaded: boolean
  error: string | null
}

export async function reloadRunningNode (home: string): Promise<NodeReload | null> {
  const running = await readRunFile(home)
  if (running === null) return null
  try {
    const client = await NodeClient.fromHome(home)
    await client.request<ChainsReloadInfo>('POST', '/admin/chains/reload')
    return { pid: running.pid, reloaded: true, error: null }
  } catch (err) {
    return { pid: running.pid, reloaded: false, error: String((err as Error).message ?? err).split('\n')[0]! }
  }
}

/** The line to print about it (none when no node runs: one started later reads the files). */
export function reloadLine (r: NodeReload | null): string[] {
  if (r === null) return []
  if (r.reloaded) return [`the node running on this home (pid ${r.pid}) uses it now`]
  return [`the node running on this home (pid ${r.pid}) could not read it again (${r.error}): restart it (stop it, then \`moor node\`) to use it`]
}
