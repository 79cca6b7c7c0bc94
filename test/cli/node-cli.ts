// `moor node` as a child process, driven like a user drives it: the CLI in other child
// processes talks to it over HTTP. Used by the tests that follow the README as a new user.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { MOOR_BIN, moor, type CliResult } from '../helpers/cli.ts'
import { until } from '../helpers/until.ts'

// Started with the V8 flags the launcher would re-execute itself with, so that the child is
// the node itself: a SIGKILL of a launcher would leave its node running, holding the pipes.
const NODE_FLAGS = JSON.parse(readFileSync(new URL('../../bin/node-flags.json', import.meta.url), 'utf8')) as string[]

export interface NodeInfo { url: string, nodeId: string, p2p: string[], pid: number }

export class MoorNode {
  readonly home: string
  readonly child: ChildProcess
  stdout = ''
  stderr = ''
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>

  private constructor (home: string, args: string[], env: NodeJS.ProcessEnv) {
    this.home = home
    this.child = spawn(process.execPath, [...NODE_FLAGS, MOOR_BIN, 'node', '--home', home, '--json', ...args], {
      env: { ...process.env, MOOR_HOME: '', MOOR_LOG: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    this.child.stdout!.on('data', (d: Buffer) => { this.stdout += d.toString() })
    this.child.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString() })
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => { resolve({ code, signal }) }))
  }

  /** Starts `moor node` on `home` and waits for the JSON line it prints once it serves. */
  static async start (home: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<MoorNode> {
    const node = new MoorNode(home, args, env)
    await until('moor node to print where it listens', () => {
      if (node.child.exitCode !== null) throw new Error(`moor node exited early (${node.child.exitCode}):\n${node.stderr}`)
      return node.info() !== undefined
    }, 60_000, 50)
    return node
  }

  info (): NodeInfo | undefined {
    try { return JSON.parse(this.stdout) as NodeInfo } catch { return undefined }
  }

  get peerAddress (): string { return this.info()!.p2p[0]! }

  /** `moor <args> --home <this home>`. */
  async run (...args: string[]): Promise<CliResult> {
    return await moor([...args, '--home', this.home], { timeoutMs: 90_000 })
  }

  /** The same with --json, which must succeed; the parsed document. */
  async json (...args: string[]): Promise<any> {
    const res = await moor([...args, '--home', this.home, '--json'], { timeoutMs: 90_000 })
    assert.equal(res.code, 0, `moor ${args.join(' ')}: ${res.stderr}${res.stdout}\n--- node log:\n${this.stderr.slice(-4000)}`)
    return JSON.parse(res.stdout)
  }

  /** SIGTERM, and waits for a clean exit. */
  async stop (): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGTERM')
    const { code } = await this.exited
    assert.equal(code, 0, this.stderr.slice(-4000))
  }

  kill (): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
  }
}
