// `moor devnet --nodes <n>`: n node homes (<dir>/node1 … <dir>/node<n>), each configured for
// the devnets just started (chains.<chain> { rpc, contract } and the dev key as relayer
// key), each run as its own `moor node` process, bootstrapped to the ones before it; ready
// once every node is connected to every other. They stop with the devnets.

import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freeTcpPort } from '../network/ports.ts'
import { CHAIN_MODULES } from '../node/chains.ts'
import { configureChain, initHome, readToken, tokenPath, writeRelayerKey } from '../node/config.ts'
import { DEFAULT_API_HOST } from '../node/constants.ts'
import { DevnetNodeError } from './errors.ts'

const MOOR_BIN = fileURLToPath(new URL('../../bin/moor.js', import.meta.url))
// The launcher's V8 flags for `moor node`, given here so that the child is the node itself.
const NODE_FLAGS = JSON.parse(readFileSync(new URL('../../bin/node-flags.json', import.meta.url), 'utf8')) as string[]

/** Longest a node may take to start, and then to see every other node. */
const START_TIMEOUT_MS = 60_000
/** Longest a node may take to stop on SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 20_000
/** Most output kept from a node that has not printed its address yet (for the error), and longest log line. */
const MAX_START_OUTPUT = 64 * 1024

/** A devnet the nodes are configured for. */
export interface DevnetChain { kind: string, rpc: string, contract: string, key: string }

export interface DevnetNode {
  name: string
  home: string
  url: string
  /** The admin token file. */
  token: string
  nodeId: string
  p2p: string[]
  pid: number
}

export interface DevnetNodesInit {
  count: number
  /** Parent of the homes. */
  dir: string
  chains: DevnetChain[]
  /** The nodes' log level ($MOOR_LOG of the children; default warn). */
  logLevel: string
  /** Each line a node writes on stderr, with its name. */
  onLog: (name: string, line: string) => void
  onProgress: (message: string) => void
}

export interface DevnetNodes {
  /** Parent of the homes. */
  dir: string
  /** The nodes, once every one sees every other (rejects if one does not start). */
  ready: Promise<DevnetNode[]>
  /** Stops the nodes started so far, also while `ready` is pending. */
  close: () => Promise<void>
}

export function startDevnetNodes (init: DevnetNodesInit): DevnetNodes {
  const children: ChildProcess[] = []
  let closed = false
  let closing: Promise<unknown> | undefined
  // Once: a second SIGTERM would make a node exit without a clean stop.
  const close = async (): Promise<void> => {
    closed = true
    closing ??= Promise.allSettled(children.map(stop))
    await closing
  }
  const start = async (): Promise<DevnetNode[]> => {
    const nodes: DevnetNode[] = []
    for (let i = 1; i <= init.count; i++) {
      const name = `node${i}`
      const home = join(init.dir, name)
      init.onProgress(`${name}: preparing ${home}…`)
      // A home kept from an earlier run (--dir) keeps its ports, identity and contexts.
      await initHome(home, { apiPort: await freeTcpPort(DEFAULT_API_HOST) })
      for (const chain of init.chains) {
        await configureChain(home, chain.kind, { rpc: chain.rpc, contract: chain.contract })
        await writeRelayerKey(home, chain.kind, chain.key)
      }
      await readToken(home)
      if (closed) throw new DevnetNodeError('stopped while the nodes were starting')
      init.onProgress(`${name}: starting…`)
      const bootstrap = nodes.flatMap((n) => ['--bootstrap', n.p2p[0]!])
      const { child, started } = startNode(name, home, bootstrap, init)
      children.push(child)
      nodes.push({ name, home, token: tokenPath(home), ...await started })
    }
    init.onProgress('waiting for the nodes to connect to each other…')
    await connected(nodes)
    return nodes
  }
  const ready = start().catch(async (err: unknown) => { await close(); throw err })
  return { dir: init.dir, ready, close }
}

interface StartedInfo { url: string, nodeId: string, p2p: string[], pid: number }

function startNode (name: string, home: string, bootstrap: string[], init: DevnetNodesInit): { child: ChildProcess, started: Promise<StartedInfo> } {
  const env: NodeJS.ProcessEnv = { ...process.env, MOOR_HOME: '', MOOR_LOG: init.logLevel, MOOR_REEXEC: '1' }
  // A key in the environment would win over the dev key stored in the home.
  for (const m of CHAIN_MODULES.all()) delete env[m.payer.env]
  // Its own process group: Ctrl-C in the terminal reaches only `moor devnet`, which then
  // stops each node once (a second signal would make a node exit without a clean stop).
  const child = spawn(process.execPath, [...NODE_FLAGS, MOOR_BIN, 'node', '--home', home, '--json', ...bootstrap], {
    env, stdio: ['ignore', 'pipe', 'pipe'], detached: true
  })
  let stdout = ''
  let pending = ''
  let early = ''
  child.stderr!.on('data', (d: Buffer) => {
    pending += d.toString()
    if (early.length < MAX_START_OUTPUT) early += d.toString()
    let nl: number
    while ((nl = pending.indexOf('\n')) >= 0) {
      init.onLog(name, pending.slice(0, nl))
      pending = pending.slice(nl + 1)
    }
    if (pending.length > MAX_START_OUTPUT) { init.onLog(name, pending); pending = '' }
  })
  const started = new Promise<StartedInfo>((resolve, reject) => {
    const timer = setTimeout(() => { fail(`${name} did not start within ${START_TIMEOUT_MS / 1000} s`) }, START_TIMEOUT_MS)
    let settled = false
    const fail = (message: string): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new DevnetNodeError(message, { details: early.trim().slice(-4000), hint: `its home is ${home}; \`moor node --home ${home}\` shows the same start` }))
    }
    // One JSON document (maybe over several lines) once it serves.
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString()
      let parsed: StartedInfo
      try { parsed = JSON.parse(stdout) as StartedInfo } catch {
        if (stdout.length > MAX_START_OUTPUT) fail(`${name} printed something else than its address`)
        return
      }
      settled = true
      clearTimeout(timer)
      resolve(parsed)
    })
    child.once('exit', (code, signal) => { fail(`${name} exited while starting (${signal ?? `code ${String(code)}`})`) })
  })
  child.once('exit', (code, signal) => { init.onLog(name, `stopped (${signal ?? `exit code ${String(code)}`})`) })
  return { child, started }
}

/** Resolves once every node lists every other among its peers. */
async function connected (nodes: DevnetNode[]): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  for (const node of nodes) {
    const token = await readToken(node.home)
    const others = nodes.filter((n) => n !== node).map((n) => n.nodeId)
    for (;;) {
      let peers: string[]
      try {
        const res = await fetch(`${node.url}/admin/peers`, { headers: { authorization: `Bearer ${token}` } })
        peers = ((await res.json()) as { peers?: Array<{ peerId: string }> }).peers?.map((p) => p.peerId) ?? []
      } catch (err) {
        throw new DevnetNodeError(`${node.name} stopped answering at ${node.url}`, { details: (err as Error).message })
      }
      if (others.every((id) => peers.includes(id))) break
      if (Date.now() > deadline) {
        throw new DevnetNodeError(`${node.name} did not connect to every other node within ${START_TIMEOUT_MS / 1000} s`, { details: `it sees ${peers.length === 0 ? 'no peer' : peers.join(', ')}` })
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
  child.kill('SIGTERM')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}
