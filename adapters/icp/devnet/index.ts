// The ICP devnet: a TypeScript host that runs real canister WASM (Motoko's included) with
// the IC's ic0 system API (vm.ts), one subnet holding the canisters, the ingress statuses
// and the certified state tree (subnet.ts), certificates signed with BLS12-381 by a test
// root key (certificate.ts), and the replica's HTTP interface on 127.0.0.1 (http.ts) so that
// @dfinity/agent 3 talks to it unmodified with certificate and query-signature checks on.
// Envelopes are checked as the replica checks them (auth.ts). It is not the replica:
// docs/icp.md, "The ICP devnet", says what it leaves out.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { Principal } from '@dfinity/principal'
import { ConflictError } from '../../../src/errors/index.ts'
import { fireTimers } from './execution.ts'
import { route } from './http.ts'
import { Subnet } from './subnet.ts'

const MAX_BODY_BYTES = 8 * 1024 * 1024
const TIMER_TICK_MS = 100

export interface ReplicaInit {
  /** 127.0.0.1 unless told otherwise. */
  host?: string
  /** 0 (the default) = any free port. */
  port?: number
  /** Progress and canisters' debug_print lines. */
  onProgress?: (m: string) => void
}

export interface Replica {
  url: string
  /** The root key, DER-wrapped as agent-js's `rootKey` option takes it. */
  rootKey: Uint8Array
  /** Installs `wasm` as a new canister (canister_init gets `arg`, Candid `()` by default); its id as text. */
  installCanister: (wasm: Uint8Array, arg?: Uint8Array, controller?: string) => Promise<string>
  /** Upgrades: pre_upgrade, new code, post_upgrade(arg); stable memory and (64-bit modules) main memory kept. */
  upgradeCanister: (id: string, wasm: Uint8Array, arg?: Uint8Array) => Promise<void>
  /** Instructions the method's last execution took (crude: counted per block of WASM instructions). */
  instructions: (id: string, method: string) => number | undefined
  tamper: {
    /** On: every certificate served is altered after signing, so agent-js must reject it. */
    certificates: (on: boolean) => void
    /** Shifts the certified time by `ms` (negative = stale certificates). */
    clockSkew: (ms: number) => void
  }
  clock: {
    /** Pins the time (ms) for up to 4 minutes of wall-clock time: meanwhile it moves only by `advance`. */
    pin: () => number
    /** Moves the time on by `ms`, pinned or not. */
    advance: (ms: number) => void
  }
  /** The subnet (canisters, keys, request statuses), for tests and tools. */
  subnet: Subnet
  close: () => Promise<void>
}

/** Candid `()`: DIDL, no types, no values. */
const EMPTY_ARGS = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0x00, 0x00])

export async function launchReplica (init: ReplicaInit = {}): Promise<Replica> {
  const subnet = new Subnet()
  subnet.onPrint = init.onProgress
  const server: Server = createServer((req, res) => { void serve(subnet, req, res) })
  // Longer than clients keep idle sockets (undici: 4 s), so a client never reuses one the server is closing.
  server.keepAliveTimeout = 65_000
  const wanted = init.port ?? 0
  const hostName = init.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE' ? new ConflictError(`port ${wanted} is in use`, { hint: 'pick another with --port, or 0 for any free port' }) : e)
    })
    server.listen(wanted, hostName, () => { resolve() })
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : wanted
  const url = `http://${hostName}:${port}`
  init.onProgress?.(`ICP devnet on ${url}, subnet ${Principal.fromUint8Array(subnet.id).toText()}`)
  // Global timers fire after each ingress message and, between messages, within TIMER_TICK_MS.
  const timers = setInterval(() => { void subnet.serial(async () => { await fireTimers(subnet) }) }, TIMER_TICK_MS)
  timers.unref()
  const find = (id: string) => {
    const c = subnet.canisters.get(id)
    if (c === undefined) throw new Error(`no canister ${id} on the devnet`)
    return c
  }
  return {
    url,
    rootKey: subnet.rootKey.der,
    installCanister: async (wasm, arg, controller) => {
      const owner = controller === undefined ? new Uint8Array([4]) : Principal.fromText(controller).toUint8Array()
      const c = await subnet.serial(async () => await subnet.install(wasm, arg ?? EMPTY_ARGS, owner))
      init.onProgress?.(`installed canister ${c.idText}`)
      return c.idText
    },
    upgradeCanister: async (id, wasm, arg) => {
      const c = find(id)
      // As dfx does: keep main memory for a module that declares enhanced orthogonal persistence.
      await subnet.serial(async () => { await c.upgrade(wasm, arg ?? EMPTY_ARGS, c.controllers[0] ?? new Uint8Array([4]), subnet.now(), c.persistentMemory) })
      init.onProgress?.(`upgraded canister ${id}`)
    },
    instructions: (id, method) => subnet.canisters.get(id)?.instructions.get(method),
    tamper: {
      certificates: (on) => { subnet.tamper.certificates = on },
      clockSkew: (ms) => { subnet.tamper.clockSkewMs = ms }
    },
    clock: {
      pin: () => subnet.pinClock(),
      advance: (ms) => { subnet.advanceClock(ms) }
    },
    subnet,
    close: async () => {
      clearInterval(timers)
      server.closeAllConnections()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

async function readBody (req: IncomingMessage): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) return undefined
    chunks.push(chunk as Buffer)
  }
  return new Uint8Array(Buffer.concat(chunks))
}

async function serve (subnet: Subnet, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let answer: { status: number, body: Uint8Array | string }
  try {
    const body = await readBody(req)
    answer = body === undefined
      ? { status: 413, body: `the request exceeds ${MAX_BODY_BYTES} bytes` }
      : await subnet.serial(async () => await route(subnet, req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname, body))
  } catch (e) {
    answer = { status: 500, body: `internal error: ${(e as Error).message}` }
  }
  const bytes = typeof answer.body === 'string' ? Buffer.from(answer.body, 'utf8') : Buffer.from(answer.body)
  res.writeHead(answer.status, { 'content-type': typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/cbor', 'content-length': bytes.length })
  res.end(bytes)
}
