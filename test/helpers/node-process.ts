// Nodes in their own OS processes (test/fixtures/node-process.ts), driven over stdin/stdout:
// used by the multi-process sync tests and the sync benchmarks. Every node gets a home
// in a temporary directory that outlives a restart and is removed by `cleanup`.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { tempDir } from './tmp.ts'
import { until as waitUntil } from './until.ts'

export const NODE_PROCESS = fileURLToPath(new URL('../fixtures/node-process.ts', import.meta.url))

export interface NodeEvent { ctx: string, kind: string, deltaId: string | null, t: number }

export interface StartOptions {
  name: string
  /** Home directory; a fresh temporary one unless given (pass `proc.home` to restart a node). */
  home?: string
  bootstrap?: string[]
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent'
  /** Extra flags for Node (e.g. --expose-gc). */
  nodeArgs?: string[]
  /** Echo the node's log lines to stderr as they come (also when MOORAGE_TEST_LOGS=1). */
  echo?: boolean
  noSync?: boolean
  /** Chain settings for the node (createNode's `chains`: relayer keys, poll interval). */
  chains?: unknown
  /** config.json `encryption` (rotation by age and message count). */
  encryption?: { rotateEveryMs?: number, rotateAfterMessages?: number }
  /** Seal with one key per epoch instead of the ratchet (the benchmark's baseline). */
  plainSeal?: boolean
}

export class NodeProcess {
  readonly name: string
  readonly home: string
  readonly child: ChildProcess
  peerId = ''
  addresses: string[] = []
  readonly logs: string[] = []
  readonly events: NodeEvent[] = []
  /** Listeners of events, for benchmarks that react as events arrive. */
  onEvent: ((e: NodeEvent) => void) | undefined
  readonly exited: Promise<number | null>
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void, cmd: string }>()
  private cleanupHome: (() => void) | undefined

  private constructor (opts: StartOptions, home: string, cleanupHome: (() => void) | undefined, script?: string[]) {
    this.name = opts.name
    this.home = home
    this.cleanupHome = cleanupHome
    const args = [...(opts.nodeArgs ?? [])]
    if (script !== undefined) {
      args.push(...script)
    } else {
      args.push(NODE_PROCESS, home, '--name', opts.name, '--log-level', opts.logLevel ?? 'info')
      for (const b of opts.bootstrap ?? []) args.push('--bootstrap', b)
      if (opts.noSync === true) args.push('--no-sync')
      if (opts.chains !== undefined) args.push('--chains', JSON.stringify(opts.chains))
      if (opts.encryption !== undefined) args.push('--encryption', JSON.stringify(opts.encryption))
      if (opts.plainSeal === true) args.push('--plain-seal')
    }
    this.child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, MOOR_LOG: opts.logLevel ?? 'info' } })
    const echo = opts.echo === true || process.env.MOORAGE_TEST_LOGS === '1'
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`${this.name} exited (code ${code}) before answering ${p.cmd}`))
      this.pending.clear()
      resolve(code)
    }))
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let msg: any
      try { msg = JSON.parse(line) } catch { if (echo) process.stderr.write(`[${this.name} stdout] ${line}\n`); return }
      if (msg.type === 'log') {
        this.logs.push(msg.line)
        if (echo) process.stderr.write(msg.line + '\n')
      } else if (msg.type === 'event') {
        this.events.push(msg)
        this.onEvent?.(msg)
      } else if (msg.type === 'ready') {
        this.peerId = msg.peerId
        this.addresses = msg.addresses
        this.pending.get(0)?.resolve(msg)
      } else if (msg.type === 'reply') {
        const p = this.pending.get(msg.id)
        if (p === undefined) return
        this.pending.delete(msg.id)
        if (msg.ok) p.resolve(msg.result)
        else p.reject(Object.assign(new Error(`${this.name}: ${p.cmd} failed: ${msg.error.message}`), { name: msg.error.name }))
      }
    })
  }

  static async start (opts: StartOptions): Promise<NodeProcess> {
    let home = opts.home
    let cleanup: (() => void) | undefined
    if (home === undefined) {
      const dir = tempDir(`moor-${opts.name}-`)
      home = dir.path
      cleanup = dir.cleanup
    }
    const proc = new NodeProcess(opts, home, cleanup)
    await proc.ready(60_000)
    return proc
  }

  /**
   * Another program speaking the same protocol (ready, reply, log, event lines on stdout):
   * `script` and its arguments; `{dir}` in them is replaced by a fresh temporary directory.
   */
  static async spawn (name: string, script: string[]): Promise<NodeProcess> {
    const dir = tempDir(`moor-${name}-`)
    const proc = new NodeProcess({ name }, dir.path, dir.cleanup, script.map((a) => a.replaceAll('{dir}', dir.path)))
    await proc.ready(120_000)
    return proc
  }

  /** Starts the node again in the same home (after `stop` or `kill`). */
  async restart (opts: Omit<StartOptions, 'name' | 'home'> = {}): Promise<NodeProcess> {
    const again = await NodeProcess.start({ ...opts, name: this.name, home: this.home })
    again.cleanupHome = this.cleanupHome
    return again
  }

  private async ready (ms: number): Promise<void> {
    await withTimeout(new Promise((resolve, reject) => {
      this.pending.set(0, { resolve, reject, cmd: 'start' })
    }), ms, `${this.name} to start`)
    this.pending.delete(0)
  }

  async call<T = any> (cmd: string, args: Record<string, unknown> = {}, ms = 60_000): Promise<T> {
    const id = this.nextId++
    const answer = new Promise<T>((resolve, reject) => { this.pending.set(id, { resolve, reject, cmd }) })
    this.child.stdin!.write(JSON.stringify({ id, cmd, args }) + '\n')
    return await withTimeout(answer, ms, `${this.name}: ${cmd}`)
  }

  /** Log lines matching `pattern` (a string or a regular expression). */
  grep (pattern: string | RegExp): string[] {
    return this.logs.filter((l) => typeof pattern === 'string' ? l.includes(pattern) : pattern.test(l))
  }

  /** Stops the node cleanly and waits for the process to exit. */
  async stop (): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    try { await this.call('stop', {}, 20_000) } catch { /* it may exit before answering */ }
    await withTimeout(this.exited, 20_000, `${this.name} to exit`).catch(() => { this.child.kill('SIGKILL') })
  }

  /** kill -9. */
  async kill (): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGKILL')
    await this.exited
  }

  /** Stops the node (if running) and removes its home. */
  async cleanup (): Promise<void> {
    await this.stop().catch(async () => { await this.kill() })
    this.cleanupHome?.()
  }
}

export async function withTimeout<T> (p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([p, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`timed out after ${ms} ms waiting for ${what}`)) }, ms) })])
  } finally {
    clearTimeout(timer)
  }
}

/** Polls `fn` until it is true. */
/** `until` for node processes: polled less often (each check is a round trip to a process). */
export async function until (what: string, fn: () => boolean | Promise<boolean>, ms = 20_000, every = 100): Promise<void> {
  await waitUntil(what, fn, ms, every)
}

/** Connects every pair of nodes (each dials the ones after it). */
export async function fullMesh (nodes: NodeProcess[]): Promise<void> {
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) await nodes[i]!.call('dial', { addr: nodes[j]!.addresses[0] })
  }
}

/** Creates a kv context on `admin` and has every other node join it; returns the context id. */
export async function sharedContext (admin: NodeProcess, others: NodeProcess[], app = 'kv-store'): Promise<{ ctx: string, identities: Map<NodeProcess, string> }> {
  const info = await admin.call('create', { app })
  const identities = new Map<NodeProcess, string>([[admin, info.identity]])
  for (const n of others) {
    const identity = await n.call('identity')
    const invitation = await admin.call('invite', { ctx: info.id, identity })
    await n.call('join', { invitation })
    identities.set(n, identity)
  }
  return { ctx: info.id, identities }
}

/** Root hashes of a context on each node. */
export async function roots (nodes: NodeProcess[], ctx: string): Promise<string[]> {
  return await Promise.all(nodes.map(async (n) => (await n.call('ctx', { ctx })).rootHash as string))
}

/**
 * Waits until every node has the same root hash. On a timeout the error says how each
 * node stands (deltas, heads, held deltas, last sync error), and the last log lines of
 * the nodes that differ from the first go to stderr.
 */
export async function converged (nodes: NodeProcess[], ctx: string, ms = 30_000): Promise<string> {
  let last: string[] = []
  try {
    await until(`one root hash on ${nodes.map((n) => n.name).join(', ')}`, async () => {
      last = await roots(nodes, ctx)
      return last.every((r) => r === last[0])
    }, ms, 200)
  } catch (err) {
    const status = await Promise.all(nodes.map(async (n) => await n.call('syncStatus', { ctx }).catch(() => null)))
    const lines = nodes.map((n, i) => {
      const s = status[i]
      return `${n.name}: root ${last[i]?.slice(0, 12)}` + (s === null ? '' : `, ${s.deltaCount} deltas, heads ${s.heads.map((h: string) => h.slice(0, 8)).join('/')}, ${s.pendingDeltas} held, topic peers ${s.peers.length}, last error ${s.lastError ?? 'none'}`)
    })
    for (const [i, n] of nodes.entries()) {
      if (last[i] !== last[0]) process.stderr.write(`--- last log lines of ${n.name}:\n${n.logs.slice(-40).join('\n')}\n`)
    }
    throw new Error(`${(err as Error).message}\n${lines.join('\n')}`)
  }
  return last[0]!
}
